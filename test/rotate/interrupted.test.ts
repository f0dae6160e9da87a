// A REAL interruption: the compiled CLI (`node bin/cvctl.js kek rotate`) runs as a child
// process against PostgreSQL and SIGKILLs itself at a named stop point (CVCTL_TEST_STOP_AT, see
// docs/reliability.md): no cleanup code runs, the session and its advisory lock die with the
// connection. A rerun must finish the job: it skips the rows
// already re-wrapped, re-encrypts nothing, and leaves every row readable.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasPostgres } from '../support/db';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { AwsKmsKek, openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import { openLocalKek } from '../../src/crypto/local-kek';
import type { RotateSummary } from '../../src/app/kek-rotate';
import { awsEnv, clearAwsEnv, countOn, envelopes, expectedValues, readAll, seedProviders, workspace, type Workspace } from './support';

const ROOT = path.resolve(__dirname, '..', '..');
const N = 150;

/**
 * dist/ is what bin/cvctl.js runs: rebuilt when missing or older than any source file. Other
 * suites spawn the built CLI too; the lock directory (the same one test/github/support.ts
 * uses) makes concurrent jest workers wait for one tsc instead of writing dist/ together.
 */
function ensureBuilt(): void {
  const main = path.join(ROOT, 'dist', 'cli', 'main.js');
  const kek = path.join(ROOT, 'dist', 'cli', 'commands', 'kek.js');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }, 0);
  const upToDate = (): boolean =>
    fs.existsSync(main) && fs.existsSync(kek) && fs.statSync(main).mtimeMs >= newest(path.join(ROOT, 'src'));
  if (upToDate()) return;
  const lock = path.join(os.tmpdir(), `cvctl-build-${Buffer.from(ROOT).toString('hex').slice(-40)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      try {
        // Left behind by a killed worker: taken over after 5 minutes.
        if (Date.now() - fs.statSync(lock).mtimeMs > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (upToDate()) return;
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch (e) {
    // tsc emits despite type errors elsewhere in the tree; only a missing output is fatal here.
    if (!fs.existsSync(kek)) throw new Error(`building dist/ failed: ${String((e as { stdout?: Buffer }).stdout ?? e)}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cvctl(ws: Workspace, args: string[], env: Record<string, string>): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'cvctl.js'), ...ws.dbArgs, ...args], {
      cwd: ws.cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

(hasPostgres ? describe : describe.skip)('kek rotate killed with SIGKILL, then rerun (PostgreSQL)', () => {
  let emu: KmsEmulator;
  let env: Record<string, string>;
  let ws: Workspace;

  beforeAll(async () => {
    ensureBuilt();
    emu = await startKmsEmulator({ region: 'eu-west-1' });
    env = awsEnv(emu);
  }, 120_000);

  afterAll(async () => {
    clearAwsEnv();
    await emu?.close();
  });

  beforeEach(async () => {
    ws = await workspace('postgres', env);
  });

  afterEach(async () => {
    emu.clearFaults();
    await ws.cleanup();
  });

  // Where the run dies is a stop point in the real code (src/testing/stop-at.ts), not a time:
  // after the 9th batch of 7 is committed (63 rows on the new KEK), or after the 5th batch is
  // re-wrapped by KMS but before its compare-and-swap (28 rows committed, 7 re-wrapped for nothing).
  test.each([
    { point: 'kek-rotate:batch-committed#9', committed: 63, wasted: 0 },
    { point: 'kek-rotate:batch-rewrapped#5', committed: 28, wasted: 7 },
  ])('killed at $point: the rerun skips the $committed committed rows and finishes; nothing is re-encrypted', async ({ point, committed, wasted }) => {
    const key = emu.createKey();
    const source = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek'), { create: true });
    const seeded = await ws.withDb((db) => seedProviders(db, source, N));
    const before = await ws.withDb((db) => envelopes(db));
    const args = ['kek', 'rotate', '--to', `aws-kms://${key.arn}`, '--batch-size', '7', '--concurrency', '2', '--max-rate', '0', '-o', 'json'];

    emu.resetStats();
    const first = await cvctl(ws, args, { ...env, CVCTL_TEST_STOP_AT: point });
    expect(first.signal).toBe('SIGKILL');
    expect(first.stdout).toBe(''); // killed before any summary
    // The killed run's KMS work: the preflight, then one Encrypt per row it re-wrapped.
    expect(emu.stats().calls.Encrypt).toBe(1 + committed + wasted);

    // Wait for the killed session to be gone (a statement it had sent may still commit).
    await ws.withDb(async (db) => {
      for (let i = 0; i < 200; i++) {
        const r = await db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where application_name like 'cvctl kek rotate%'`,
        );
        if (Number(r.rows[0]!.n) === 0) return;
        await sleep(25);
      }
      throw new Error('the killed rotation session is still connected');
    });
    const done = await ws.withDb((db) => countOn(db, key.arn));
    expect(done).toBe(committed);
    // Rows are on two KEKs now, each readable with its own.
    const targetKek = await openAwsKmsKek({ keyId: key.arn, endpoint: emu.url });
    try {
      expect(await ws.withDb((db) => readAll(db, [source, targetKek]))).toEqual(expectedValues(seeded));

      emu.resetStats();
      const second = await cvctl(ws, args, env);
      expect(second.stderr).not.toContain('error');
      expect(second.code).toBe(0);
      const s = JSON.parse(second.stdout) as RotateSummary;
      // The rerun re-wrapped exactly the rows the killed run had not committed.
      expect(s.rows).toMatchObject({ withCredentials: N, alreadyOnTarget: done, rewrapped: N - done, remaining: 0 });
      expect(s.fingerprintKey).toBe('rewrapped');
      // One Encrypt per remaining row (+ DescribeKey, preflight, fingerprint key): no row twice.
      expect(emu.stats().calls).toEqual({ DescribeKey: 1, Encrypt: N - done + 2, Decrypt: 1 });

      const after = await ws.withDb((db) => envelopes(db));
      for (const [id, b] of before) {
        expect(after.get(id)!.kekId).toBe(key.arn);
        expect(after.get(id)!.ciphertext.equals(b.ciphertext)).toBe(true);
        expect(after.get(id)!.iv.equals(b.iv)).toBe(true);
      }
      expect(await ws.withDb((db) => readAll(db, [targetKek]))).toEqual(expectedValues(seeded));
    } finally {
      (targetKek as AwsKmsKek).destroy();
    }
  }, 60_000);
});
