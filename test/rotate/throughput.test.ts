// Throughput of `kek rotate` local -> AWS against the KMS emulator with 5 ms of latency per
// call, next to the ceiling the same emulator allows for raw SDK calls at the same
// concurrency (16 / 5 ms = 3,200 calls/s in theory; HTTP, signing and the emulator's own
// crypto take their share). The rotation's overhead is the gap between the two.
// CVCTL_BENCH_LOG=1 prints the numbers.
import { EncryptCommand, KMSClient, ReEncryptCommand } from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { AwsKmsKek, openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import { LocalKek } from '../../src/crypto/local-kek';
import { rotateKek } from '../../src/app/kek-rotate';
import { mapBounded } from '../../src/app/kek-rotate/pool';
import { awsEnv, clearAwsEnv, countOn, seedProviders } from './support';

const ROWS = 1000;
const CONCURRENCY = 16;
const LATENCY_MS = 5;
const log = process.env.CVCTL_BENCH_LOG === '1' ? (s: string) => process.stderr.write(`${s}\n`) : () => undefined;

let emu: KmsEmulator;
let fresh: FreshDatabase;
const target = targets[0]!;

beforeAll(async () => {
  emu = await startKmsEmulator({ region: 'eu-west-1' });
  awsEnv(emu);
  fresh = await freshDatabase(target);
});

afterAll(async () => {
  clearAwsEnv();
  await fresh?.cleanup();
  await emu?.close();
});

afterEach(() => emu.clearFaults());

/** Raw SDK calls at CONCURRENCY in flight: the most any client can get out of this emulator. */
async function ceiling(op: 'Encrypt' | 'ReEncrypt', keyArn: string, otherArn: string): Promise<number> {
  const client = new KMSClient({ region: 'eu-west-1', endpoint: emu.url });
  try {
    const ctx = { purpose: 'bench' };
    const blob = (await client.send(new EncryptCommand({ KeyId: otherArn, Plaintext: randomBytes(32), EncryptionContext: ctx })))
      .CiphertextBlob!;
    const send = (): Promise<unknown> =>
      op === 'Encrypt'
        ? client.send(new EncryptCommand({ KeyId: keyArn, Plaintext: randomBytes(32), EncryptionContext: ctx }))
        : client.send(
            new ReEncryptCommand({
              CiphertextBlob: blob,
              SourceEncryptionContext: ctx,
              DestinationKeyId: keyArn,
              DestinationEncryptionContext: ctx,
            }),
          );
    await mapBounded([...Array(50).keys()], CONCURRENCY, send); // warm the connections
    emu.injectFaults({ latencyMs: LATENCY_MS });
    const t0 = performance.now();
    const r = await mapBounded([...Array(ROWS).keys()], CONCURRENCY, send);
    const secs = (performance.now() - t0) / 1000;
    emu.clearFaults();
    expect(r.failed).toBe(false);
    return Math.round(ROWS / secs);
  } finally {
    client.destroy();
  }
}

test(`${ROWS} rows local -> AWS at concurrency ${CONCURRENCY}, ${LATENCY_MS} ms per KMS call (${target})`, async () => {
  const key = emu.createKey();
  const other = emu.createKey();
  const source = LocalKek.fromKey(randomBytes(32));
  await seedProviders(fresh.db, source, ROWS);

  const encryptCeiling = await ceiling('Encrypt', key.arn, other.arn);
  const reEncryptCeiling = await ceiling('ReEncrypt', key.arn, other.arn);

  const kek = await openAwsKmsKek({ keyId: key.arn, endpoint: emu.url });
  try {
    emu.injectFaults({ latencyMs: LATENCY_MS });
    const statements = fresh.db.statementCount();
    const s = await rotateKek(fresh.db, {
      source,
      target: kek,
      batchSize: 500,
      concurrency: CONCURRENCY,
      maxRatePerSecond: 0,
    });
    const used = fresh.db.statementCount() - statements;
    expect(s.rows).toMatchObject({ rewrapped: ROWS, remaining: 0 });
    expect(await countOn(fresh.db, key.arn)).toBe(ROWS);
    log(
      `kek rotate bench (${target}): ${ROWS} rows local->AWS, concurrency ${CONCURRENCY}, ${LATENCY_MS} ms/call: ` +
        `${s.rowsPerSecond} rows/s (${s.elapsedMs} ms, ${s.kmsCalls.target} KMS calls, ${used} SQL statements); ` +
        `raw SDK ceiling: Encrypt ${encryptCeiling} calls/s, ReEncrypt ${reEncryptCeiling} calls/s ` +
        `(theory ${Math.round((CONCURRENCY * 1000) / LATENCY_MS)})`,
    );
    // Batches of 500: a constant handful of statements per batch, not one per row.
    expect(used).toBeLessThan(20);
    // Loose: the rotation keeps KMS busy (a per-row SQL round trip or serial calls would be far slower).
    expect(s.rowsPerSecond).toBeGreaterThan(Math.min(300, encryptCeiling / 4));
  } finally {
    (kek as AwsKmsKek).destroy();
  }
}, 120_000);
