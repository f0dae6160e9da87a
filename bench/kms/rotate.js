// `kek rotate` throughput against the KMS emulator, next to the emulator's own ceiling.
//
//   ceiling   raw ReEncrypt calls with the real @aws-sdk/client-kms, `concurrency` in flight,
//             for `seconds` (after a warm-up that opens the connections): the most any
//             client gets from this emulator at this latency and concurrency. Measured just
//             before and just after the rotation; the higher one counts.
//   rotate    rotateKek() from dist/ (what `cvctl kek rotate` runs) re-wrapping `rows`
//             providers from AWS key A to AWS key B: one ReEncrypt per row, same latency,
//             same concurrency, batches committed as it goes; its rows/s counts everything
//             (selects, compare-and-swap writes, the fingerprint key).
//
// Target: rotate rows/s >= 80% of the ceiling's calls/s.
'use strict';
const path = require('path');
const { randomBytes } = require('crypto');
const { DIST, REGION, mapPool } = require('./lib');

const d = (rel) => require(path.join(DIST, rel));

/** n providers sealed under `kek` (as an apply leaves them), inserted in a few statements. */
async function seed(db, kek, n) {
  const { sealCredentials } = d('crypto/envelope.js');
  const { loadFingerprintKey } = d('crypto/fingerprint.js');
  const { SecretValue } = d('secrets/resolver.js');
  const fp = await loadFingerprintKey(db, kek, { create: true });
  const ids = (await db.query('select gen_random_uuid()::text as id from generate_series(1, $1::int)', [n])).rows.map((r) => r.id);
  const rows = await mapPool(ids, 32, async (id, i) => {
    const value = new SecretValue(`sk-proj-${randomBytes(16).toString('hex')}`);
    const sealed = await sealCredentials(kek, id, { apiKey: value });
    return { id, name: `bench-${String(i + 1).padStart(5, '0')}`, sealed, fps: fp.fingerprintAll(id, { apiKey: value }) };
  });
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    await db.query(
      `insert into providers (id, name, kind, managed_by, credential_prefix, credential_ciphertext, credential_iv,
                              credential_wrapped_dek, credential_kek_id, credential_fingerprints, credential_updated_at)
       select u.id::uuid, u.name, 'openai', 'default', 'sk-proj-', decode(u.ct, 'hex'), decode(u.iv, 'hex'),
              decode(u.dek, 'hex'), u.kek, u.fps::jsonb, now()
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
           as u(id, name, ct, iv, dek, kek, fps)`,
      [
        chunk.map((r) => r.id),
        chunk.map((r) => r.name),
        chunk.map((r) => r.sealed.ciphertext.toString('hex')),
        chunk.map((r) => r.sealed.iv.toString('hex')),
        chunk.map((r) => r.sealed.wrappedDek.toString('hex')),
        chunk.map((r) => r.sealed.kekId),
        chunk.map((r) => JSON.stringify(r.fps)),
      ],
    );
  }
}

/** Raw ReEncrypt calls/s at `concurrency` in flight for `seconds` (the emulator's latency already set). */
async function ceiling(emu, keyA, keyB, { concurrency, seconds }) {
  const { KMSClient, EncryptCommand, ReEncryptCommand } = require('@aws-sdk/client-kms');
  const client = new KMSClient({ region: REGION, endpoint: emu.url });
  try {
    const ctx = { table: 'providers', id: '00000000-0000-4000-8000-000000000000', field: 'credentials' };
    const blob = (await client.send(new EncryptCommand({ KeyId: keyA, Plaintext: randomBytes(32), EncryptionContext: ctx }))).CiphertextBlob;
    const reEncrypt = () =>
      client.send(
        new ReEncryptCommand({
          CiphertextBlob: blob,
          SourceKeyId: keyA,
          SourceEncryptionContext: ctx,
          DestinationKeyId: keyB,
          DestinationEncryptionContext: ctx,
        }),
      );
    const run = async (ms) => {
      const deadline = performance.now() + ms;
      let calls = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (performance.now() < deadline) {
            await reEncrypt();
            calls++;
          }
        }),
      );
      return { calls, seconds: (performance.now() - t0) / 1000 };
    };
    await run(1000); // warm-up: connections opened, JIT warm
    const r = await run(seconds * 1000);
    return { callsPerSecond: Math.round(r.calls / r.seconds), calls: r.calls, seconds: Math.round(r.seconds * 100) / 100 };
  } finally {
    client.destroy();
  }
}

async function benchRotate(emu, freshDb, o) {
  const { openAwsKmsKek } = d('crypto/aws-kms-kek.js');
  const { rotateKek } = d('app/kek-rotate.js');
  const a = await emu.call('createKey', { description: 'bench rotate source' });
  const b = await emu.call('createKey', { description: 'bench rotate target' });
  const db = await freshDb.open();
  const kekA = await openAwsKmsKek({ keyId: a.arn, endpoint: emu.url });
  const kekB = await openAwsKmsKek({ keyId: b.arn, endpoint: emu.url });
  try {
    const t0 = performance.now();
    await seed(db, kekA, o.rows);
    const seedSeconds = (performance.now() - t0) / 1000;

    await emu.call('injectFaults', { latencyMs: o.latencyMs });
    // Measured before and after the rotation: other load on the machine moves it, and the
    // higher of the two is the one the rotation is held to.
    const before = await ceiling(emu, a.arn, b.arn, o);
    await emu.call('resetStats');
    const w0 = performance.now();
    const s = await rotateKek(db, {
      source: kekA,
      target: kekB,
      batchSize: o.batchSize,
      concurrency: o.concurrency,
      maxRatePerSecond: 0,
    });
    const wallMs = performance.now() - w0;
    const stats = await emu.call('stats');
    const after = await ceiling(emu, a.arn, b.arn, o);
    const ceil = before.callsPerSecond >= after.callsPerSecond ? before : after;
    await emu.call('clearFaults');
    const onB = Number((await db.query('select count(*)::int as n from providers where credential_kek_id = $1', [b.arn])).rows[0].n);
    if (onB !== o.rows || s.rows.remaining !== 0) throw new Error(`rotation incomplete: ${onB} of ${o.rows} rows on the target`);
    const rowsPerSecond = Math.round(o.rows / (wallMs / 1000));
    return {
      rows: o.rows,
      latencyMs: o.latencyMs,
      concurrency: o.concurrency,
      batchSize: o.batchSize,
      seedSeconds: Math.round(seedSeconds * 10) / 10,
      ceiling: { ...ceil, before: before.callsPerSecond, after: after.callsPerSecond },
      rotate: {
        wallMs: Math.round(wallMs),
        rowsPerSecond,
        reportedRowsPerSecond: s.rowsPerSecond,
        kmsCalls: stats.calls,
        fingerprintKey: s.fingerprintKey,
        passes: s.passes.length,
      },
      ratio: Math.round((rowsPerSecond / ceil.callsPerSecond) * 1000) / 1000,
      targetMet: rowsPerSecond >= 0.8 * ceil.callsPerSecond,
    };
  } finally {
    kekA.destroy();
    kekB.destroy();
    await db.close();
  }
}

module.exports = { benchRotate, ceiling };
