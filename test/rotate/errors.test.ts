// What `kek rotate` refuses before writing anything (a disabled target, an unknown scheme,
// a row on a KEK it cannot open) and how it stops when KMS fails midway: what was done is
// committed and readable, and a rerun finishes the job.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { AwsKmsKek, openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import { LocalKek, openLocalKek } from '../../src/crypto/local-kek';
import type { Kek } from '../../src/crypto/kek';
import { rotateKek } from '../../src/app/kek-rotate';
import { CvctlError } from '../../src/errors';
import {
  awsEnv,
  clearAwsEnv,
  countOn,
  envelopes,
  expectedValues,
  fingerprintKeyRow,
  readAll,
  seedProviders,
  workspace,
  type Workspace,
} from './support';

let emu: KmsEmulator;
let env: Record<string, string>;
const opened: Kek[] = [];

beforeAll(async () => {
  emu = await startKmsEmulator({ region: 'eu-west-1' });
  env = awsEnv(emu);
});

afterAll(async () => {
  clearAwsEnv();
  await emu.close();
});

afterEach(() => {
  emu.clearFaults();
  for (const k of opened.splice(0)) if (k instanceof AwsKmsKek) k.destroy();
});

async function kms(keyId: string, maxAttempts = 5): Promise<Kek> {
  const k = await openAwsKmsKek({ keyId, endpoint: emu.url, maxAttempts });
  opened.push(k);
  return k;
}

const randomKek = (): LocalKek => LocalKek.fromKey(randomBytes(32));

describe.each(targets)('kek rotate refuses before writing, on %s', (target) => {
  let ws: Workspace;
  let source: Kek;

  // One workspace for the refusals: each checks that nothing was written, so each leaves the
  // rows as it found them (the one that adds a row removes it), and they stay independent.
  beforeAll(async () => {
    ws = await workspace(target, env);
    source = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek'), { create: true });
    await ws.withDb((db) => seedProviders(db, source, 12));
  });

  afterAll(async () => {
    await ws?.cleanup();
  });

  const snapshot = () => ws.withDb(async (db) => ({ envelopes: await envelopes(db), fingerprintKey: await fingerprintKeyRow(db) }));

  async function unchanged(run: () => Promise<void>): Promise<void> {
    const before = await snapshot();
    await run();
    const after = await snapshot();
    expect(after.envelopes).toEqual(before.envelopes);
    expect(after.fingerprintKey).toEqual(before.fingerprintKey);
  }

  test('a disabled target key fails the preflight', async () => {
    const key = emu.createKey();
    emu.setKeyState(key.keyId, 'Disabled');
    await unchanged(async () => {
      const r = await ws.cli(['kek', 'rotate', '--to', `aws-kms://${key.arn}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `cvctl: error: preflight check of the target KEK (--to aws-kms://${key.arn}) failed (nothing was written): ` +
          `KMS key ${key.arn} is in state Disabled, not Enabled: enable it (aws kms enable-key) or point --kms at another key\n`,
      );
    });
  });

  test('a target key without kms:Decrypt fails the preflight round trip', async () => {
    const key = emu.createKey();
    emu.denyAccess('Decrypt');
    try {
      await unchanged(async () => {
        const r = await ws.cli(['kek', 'rotate', '--to', `aws-kms://${key.arn}`]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/preflight check of the target KEK .* failed \(nothing was written\): access denied to KMS key .* kms:Decrypt/);
      });
    } finally {
      emu.allowAccess();
    }
  });

  test('an unknown --to scheme is a usage error', async () => {
    await unchanged(async () => {
      const r = await ws.cli(['kek', 'rotate', '--to', 'gcp-kms://projects/p/locations/l/keyRings/r/cryptoKeys/k']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^cvctl: error: unsupported KMS URI scheme 'gcp-kms:\/\/' .*expected aws-kms:\/\/<key ARN or alias ARN> or local:\/\/<path>\n$/);
    });
    const missing = await ws.cli(['kek', 'rotate']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('cvctl: error: kek rotate needs --to URI: the new KEK, aws-kms://<key ARN or alias ARN> or local://<path>\n');
    const badBatch = await ws.cli(['kek', 'rotate', '--to', 'local://k2', '--batch-size', '0']);
    expect(badBatch.code).toBe(1);
    expect(badBatch.stderr).toContain("--batch-size must be an integer between 1 and 10000, got '0'");
  });

  test('a row on a local KEK other than --kms is named, and nothing is written', async () => {
    const stranger = randomKek();
    const [odd] = await ws.withDb((db) => seedProviders(db, stranger, 1, 'odd', { fingerprints: false }));
    try {
      await unchanged(async () => {
        const r = await ws.cli(['kek', 'rotate', '--to', 'local://.cvctl/kek-new']);
        expect(r.code).toBe(1);
        expect(r.stderr.split('\n').filter((l) => l.startsWith('cvctl: error'))).toEqual([
          `cvctl: error: row providers/${odd!.id} ('odd-0001'): its data key is wrapped by KEK ${stranger.id}, which is ` +
            `neither the source KEK (--kms, ${source.id}) nor an AWS KMS key; rerun with --kms pointing at the key that wrapped it ` +
            `(nothing was written)`,
        ]);
      });
    } finally {
      await ws.withDb((db) => db.query('delete from providers where id = $1::uuid', [odd!.id]));
    }
  });
});

describe.each(targets)('kek rotate stopped midway, on %s', (target) => {
  let fresh: FreshDatabase;
  let source: Kek;

  beforeEach(async () => {
    fresh = await freshDatabase(target);
    source = randomKek();
  });

  afterEach(async () => {
    await fresh.cleanup();
  });

  test('a persistent KMS fault: the error names KMS, finished batches stay committed and readable, a rerun completes', async () => {
    const seeded = await seedProviders(fresh.db, source, 50);
    const key = emu.createKey();
    const t = await kms(key.arn, 2);
    let injected = false;
    const err = await rotateKek(fresh.db, {
      source,
      target: t,
      batchSize: 7,
      concurrency: 4,
      maxRatePerSecond: 0,
      onProgress: (p) => {
        if (!injected && p.committed >= 7) {
          injected = true;
          emu.injectFaults({ serverErrors: 1_000_000 });
        }
      },
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CvctlError);
    expect((err as CvctlError).code).toBe('KMS_ERROR');
    expect((err as CvctlError).message).toMatch(
      /^KMS is unavailable \(KMSInternalException: An internal error has occurred\.; 2 attempts, at http:\/\/127\.0\.0\.1:\d+\) — kek rotate stopped: 7 row\(s\) were re-wrapped and committed before the failure/,
    );
    // Mixed keys: the first batch on the target, the rest still on the source, all readable.
    expect(await countOn(fresh.db, key.arn)).toBe(7);
    expect(await countOn(fresh.db, source.id)).toBe(43);
    emu.clearFaults();
    expect(await readAll(fresh.db, [source, t])).toEqual(expectedValues(seeded));
    expect((await fingerprintKeyRow(fresh.db))?.kekId).toBe(source.id);

    const s = await rotateKek(fresh.db, { source, target: t, batchSize: 7, concurrency: 4, maxRatePerSecond: 0 });
    expect(s.rows).toMatchObject({ rewrapped: 43, alreadyOnTarget: 7, remaining: 0 });
    expect(s.fingerprintKey).toBe('rewrapped');
    expect(await readAll(fresh.db, [t])).toEqual(expectedValues(seeded));
  });

  test('a row whose wrapped key is damaged stops the rotation with its id; rows before it stay done', async () => {
    const seeded = await seedProviders(fresh.db, source, 20);
    const victim = [...seeded].sort((a, b) => a.id.localeCompare(b.id))[10]!;
    await fresh.db.query(
      `update providers set credential_wrapped_dek = set_byte(credential_wrapped_dek, 20, get_byte(credential_wrapped_dek, 20) # 1)
        where id = $1::uuid`,
      [victim.id],
    );
    const t = randomKek();
    const err = await rotateKek(fresh.db, { source, target: t, batchSize: 5, concurrency: 1, maxRatePerSecond: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CvctlError);
    expect((err as CvctlError).code).toBe('CRYPTO_INTEGRITY');
    expect((err as CvctlError).message).toContain(`cannot unwrap the data key for providers/${victim.id}: integrity check failed`);
    // Batches 1-2 done, and with concurrency 1 the victim's batch stopped at the victim.
    expect(await countOn(fresh.db, t.id)).toBe(10);
    expect((await fingerprintKeyRow(fresh.db))?.kekId).toBe(source.id);
  });
});

test('the CLI keeps no local key file it was not asked for', () => {
  // Sanity for the refusal tests above: they run in throwaway dirs, never in the repository.
  expect(fs.existsSync(path.join(__dirname, '.cvctl'))).toBe(false);
});
