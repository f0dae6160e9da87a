// Rotations involving AWS KMS, through the CLI against the wire-level KMS emulator: the
// number and kind of KMS calls are part of the contract (quota and cost), so they are
// counted exactly, on the emulator's side and in the summary.
//
// KMS calls of one rotation of N rows, with F = 1 if a fingerprint key exists:
//   opening: one DescribeKey per KMS key opened (source, target, and each other KMS key
//            rows are found on);
//   preflight: 2 on a KMS target (Encrypt + Decrypt of a throwaway key);
//   rows + fingerprint key: N + F calls: Encrypt (local -> KMS) or ReEncrypt (KMS -> KMS).
import * as path from 'node:path';
import { targets } from '../support/db';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { AwsKmsKek, openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import { openLocalKek } from '../../src/crypto/local-kek';
import { loadFingerprintKey } from '../../src/crypto/fingerprint';
import type { Kek } from '../../src/crypto/kek';
import type { RotateSummary } from '../../src/app/kek-rotate';
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

const N = 50;
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

async function kms(keyId: string): Promise<Kek> {
  const k = await openAwsKmsKek({ keyId, endpoint: emu.url });
  opened.push(k);
  return k;
}

describe.each(targets)('kek rotate with AWS KMS on %s', (target) => {
  let ws: Workspace;

  beforeEach(async () => {
    ws = await workspace(target, env);
  });

  afterEach(async () => {
    await ws.cleanup();
  });

  test('local -> AWS: exactly one Encrypt per row; the summary counts what the emulator saw', async () => {
    const key = emu.createKey({ description: 'rotation target' });
    const alias = emu.createAlias(`alias/rotate-${Date.now()}-${target}`, key.keyId);
    const source = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek'), { create: true });
    const seeded = await ws.withDb((db) => seedProviders(db, source, N));
    const before = await ws.withDb((db) => envelopes(db));

    emu.resetStats();
    const r = await ws.cli(['kek', 'rotate', '--to', `aws-kms://${alias}`, '--batch-size', '7', '-o', 'json']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RotateSummary;
    // DescribeKey (open) + Encrypt/Decrypt (preflight) + N Encrypt (rows) + 1 Encrypt (fingerprint key).
    expect(emu.stats().calls).toEqual({ DescribeKey: 1, Encrypt: N + 2, Decrypt: 1 });
    expect(emu.stats().total).toBe(N + 4);
    expect(s.kmsCalls).toEqual({ source: 0, target: N + 4, other: 0, total: N + 4 });
    // The alias was resolved once: rows record the key ARN, which an alias re-point cannot move.
    expect(s.target).toBe(key.arn);
    expect(s.rows).toMatchObject({ rewrapped: N, alreadyOnTarget: 0, remaining: 0 });

    const after = await ws.withDb((db) => envelopes(db));
    for (const [id, b] of before) {
      expect(after.get(id)!.kekId).toBe(key.arn);
      expect(after.get(id)!.ciphertext.equals(b.ciphertext)).toBe(true);
      expect(after.get(id)!.iv.equals(b.iv)).toBe(true);
    }
    const targetKek = await kms(key.arn);
    expect(await ws.withDb((db) => readAll(db, [targetKek]))).toEqual(expectedValues(seeded));
    const fp = await ws.withDb(async (db) => loadFingerprintKey(db, targetKek, { create: false }));
    expect(fp).not.toBeNull();
  });

  test('AWS -> AWS: ReEncrypt only, no Decrypt for the rows (the DEKs never leave KMS)', async () => {
    const a = emu.createKey();
    const b = emu.createKey();
    const source = await kms(a.arn);
    const seeded = await ws.withDb((db) => seedProviders(db, source, N));

    emu.resetStats();
    const r = await ws.cli(['--kms', `aws-kms://${a.arn}`, 'kek', 'rotate', '--to', `aws-kms://${b.arn}`, '--batch-size', '7', '-o', 'json']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    // 2 DescribeKey (source, target) + preflight Encrypt/Decrypt + N + 1 ReEncrypt.
    expect(emu.stats().calls).toEqual({ DescribeKey: 2, Encrypt: 1, Decrypt: 1, ReEncrypt: N + 1 });
    const s = JSON.parse(r.stdout) as RotateSummary;
    expect(s.kmsCalls).toEqual({ source: 1, target: N + 4, other: 0, total: N + 5 });

    const targetKek = await kms(b.arn);
    expect(await ws.withDb((db) => readAll(db, [targetKek]))).toEqual(expectedValues(seeded));
    expect((await ws.withDb((db) => fingerprintKeyRow(db)))?.kekId).toBe(b.arn);
  });

  test('rows left on several KMS keys (an interrupted rotation) are each re-wrapped from their own key', async () => {
    const a = emu.createKey();
    const b = emu.createKey();
    const c = emu.createKey();
    const onA = await ws.withDb(async (db) => seedProviders(db, await kms(a.arn), 30, 'a'));
    // B's rows are what a rotation A -> B left before it stopped: the fingerprint key is still on A
    // (it moves last), so B cannot load it (KEK pinning) and these rows carry no fingerprints.
    const onB = await ws.withDb(async (db) => seedProviders(db, await kms(b.arn), 20, 'b', { fingerprints: false }));

    emu.resetStats();
    const r = await ws.cli(['--kms', `aws-kms://${a.arn}`, 'kek', 'rotate', '--to', `aws-kms://${c.arn}`, '-o', 'json']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RotateSummary;
    expect(s.fromKeks).toEqual({ [a.arn]: 30, [b.arn]: 20 });
    // B is opened on demand (one DescribeKey); its rows go A/B -> C by ReEncrypt like A's.
    expect(emu.stats().calls).toEqual({ DescribeKey: 3, Encrypt: 1, Decrypt: 1, ReEncrypt: 51 });
    expect(s.kmsCalls).toEqual({ source: 1, target: 54, other: 1, total: 56 });
    expect(await ws.withDb((db) => countOn(db, c.arn))).toBe(50);
    const all = await ws.withDb(async (db) => readAll(db, [await kms(c.arn)]));
    expect(all).toEqual(new Map([...expectedValues(onA), ...expectedValues(onB)]));
  });

  test('AWS -> local: one Decrypt per row, nothing else', async () => {
    const a = emu.createKey();
    const seeded = await ws.withDb(async (db) => seedProviders(db, await kms(a.arn), N));
    emu.resetStats();
    const r = await ws.cli(['--kms', `aws-kms://${a.arn}`, 'kek', 'rotate', '--to', 'local://.cvctl/back-home', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(emu.stats().calls).toEqual({ DescribeKey: 1, Decrypt: N + 1 });
    expect((JSON.parse(r.stdout) as RotateSummary).kmsCalls).toEqual({ source: N + 2, target: 0, other: 0, total: N + 2 });
    const local = await openLocalKek(path.join(ws.cwd, '.cvctl', 'back-home'), { create: false });
    expect(await ws.withDb((db) => readAll(db, [local]))).toEqual(expectedValues(seeded));
  });

  test('--max-rate caps KMS calls per second', async () => {
    const key = emu.createKey();
    const source = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek'), { create: true });
    await ws.withDb((db) => seedProviders(db, source, 40));
    const r = await ws.cli(['kek', 'rotate', '--to', `aws-kms://${key.arn}`, '--max-rate', '50', '-o', 'json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RotateSummary;
    // 41 rate-limited calls at 50/s with a burst of 5: at least (41 - 5) / 50 s = 0.72 s.
    expect(s.elapsedMs).toBeGreaterThanOrEqual(700);
    expect(s.rowsPerSecond).toBeLessThanOrEqual(60);
  });
});
