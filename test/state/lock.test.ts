import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CvctlError } from '../../src/errors';
import { openDatabase } from '../../src/state/connect';
import type { Database } from '../../src/state/database';
import { acquireFileLock } from '../../src/state/file-lock';
import { acquireScopeLock } from '../../src/state/lock';
import { createPostgresDatabase, freshDatabase, hasPostgres, targets } from '../support/db';

const noSleep = async (): Promise<void> => undefined;

async function lockError(p: Promise<unknown>): Promise<CvctlError> {
  const e = await p.then(
    () => {
      throw new Error('expected LOCK_TIMEOUT');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CvctlError);
  expect((e as CvctlError).code).toBe('LOCK_TIMEOUT');
  return e as CvctlError;
}

(hasPostgres ? describe : describe.skip)('scope lock on postgres', () => {
  let url: string;
  let drop: () => Promise<void>;
  let holder: Database;
  let waiter: Database;
  beforeAll(async () => {
    const pg = await createPostgresDatabase();
    url = pg.url;
    drop = pg.drop;
    holder = await openDatabase({ databaseUrl: url, applicationName: 'cvctl apply (alice@ci-runner-7)' });
    waiter = await openDatabase({ databaseUrl: url, applicationName: 'cvctl apply (bob@laptop)' });
  });
  afterAll(async () => {
    await holder?.close();
    await waiter?.close();
    await drop?.();
  });

  test('a second session times out with a message naming the holder, then succeeds after release', async () => {
    const held = await acquireScopeLock(holder, 'prod', { timeoutSeconds: 5 });
    const err = await lockError(acquireScopeLock(waiter, 'prod', { timeoutSeconds: 5, sleep: noSleep }));
    expect(err.message).toContain('scope "prod" is locked');
    expect(err.message).toContain('application "cvctl apply (alice@ci-runner-7)"');
    expect(err.message).toMatch(/pid \d+/);
    expect(err.message).toMatch(/connected since \d{4}-/);
    expect(err.message).toMatch(/state (idle|active)/);
    expect(err.message).toContain('--lock-timeout');

    await held.release();
    await held.release(); // idempotent
    const mine = await acquireScopeLock(waiter, 'prod', { timeoutSeconds: 1, sleep: noSleep });
    await mine.release();
  });

  test('scopes are independent', async () => {
    const a = await acquireScopeLock(holder, 'team-a', { timeoutSeconds: 1 });
    const b = await acquireScopeLock(waiter, 'team-b', { timeoutSeconds: 1, sleep: noSleep });
    await a.release();
    await b.release();
  });

  test('waits for the holder when it releases within the timeout (real clock)', async () => {
    const held = await acquireScopeLock(holder, 'waiting', { timeoutSeconds: 1 });
    setTimeout(() => void held.release(), 300);
    const started = Date.now();
    const mine = await acquireScopeLock(waiter, 'waiting', { timeoutSeconds: 10 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await mine.release();
  });

  test('the lock dies with the session that holds it', async () => {
    const short = await openDatabase({ databaseUrl: url });
    await acquireScopeLock(short, 'crash', { timeoutSeconds: 1 });
    await short.close(); // like a killed cvctl: no release()
    const mine = await acquireScopeLock(waiter, 'crash', { timeoutSeconds: 5 });
    await mine.release();
  });

  test('a timeout with fake sleep does not wait on the real clock', async () => {
    const held = await acquireScopeLock(holder, 'fake-clock', { timeoutSeconds: 1 });
    const slept: number[] = [];
    const started = Date.now();
    await lockError(
      acquireScopeLock(waiter, 'fake-clock', {
        timeoutSeconds: 30,
        sleep: async (ms) => void slept.push(ms),
      }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(slept.reduce((s, x) => s + x, 0)).toBe(30_000);
    await held.release();
  });
});

describe.each(targets.filter((t) => t === 'pglite'))('scope lock on %s', (target) => {
  test('is a no-op that still acquires and releases', async () => {
    const fresh = await freshDatabase(target);
    try {
      const before = fresh.db.statementCount();
      const a = await acquireScopeLock(fresh.db, 'default', { timeoutSeconds: 1 });
      const b = await acquireScopeLock(fresh.db, 'default', { timeoutSeconds: 1 });
      await a.release();
      await b.release();
      expect(fresh.db.statementCount()).toBe(before);
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('embedded database lock file', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-t-flock-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a live holder makes the next opener time out, naming pid, host and command', async () => {
    const lockPath = path.join(tmp, 'db.lock');
    const first = await acquireFileLock(lockPath, { timeoutMs: 1000, what: 'the embedded database db' });
    const holder = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { pid: number; host: string; command: string };
    expect(holder.pid).toBe(process.pid);
    expect(holder.host).toBe(os.hostname());
    const err = await lockError(acquireFileLock(lockPath, { timeoutMs: 1000, what: 'the embedded database db', sleep: noSleep }));
    expect(err.message).toContain(`the embedded database db is in use by pid ${process.pid} on ${os.hostname()}`);
    expect(err.message).toContain(holder.command);
    expect(err.message).toContain(`delete ${lockPath}`);
    first.release();
    expect(fs.existsSync(lockPath)).toBe(false);
    const second = await acquireFileLock(lockPath, { timeoutMs: 1000, what: 'x', sleep: noSleep });
    second.release();
  });

  test('a lock left by a dead process is taken over', async () => {
    const lockPath = path.join(tmp, 'db.lock');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(
      lockPath,
      JSON.stringify({ pid: dead, host: os.hostname(), command: 'cvctl apply', since: '2026-01-01T00:00:00Z', token: 't' }),
    );
    const lock = await acquireFileLock(lockPath, { timeoutMs: 1000, what: 'x', sleep: noSleep });
    expect(JSON.parse(fs.readFileSync(lockPath, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  test('a holder on another host is never assumed dead', async () => {
    const lockPath = path.join(tmp, 'db.lock');
    fs.writeFileSync(
      lockPath,
      JSON.stringify({ pid: 1, host: 'elsewhere', command: 'cvctl plan', since: '2026-01-01T00:00:00Z', token: 't' }),
    );
    const err = await lockError(acquireFileLock(lockPath, { timeoutMs: 500, what: 'x', sleep: noSleep }));
    expect(err.message).toContain('pid 1 on elsewhere (`cvctl plan`');
    // Releasing someone else's lock is impossible: ours was never taken, the file stays.
    expect(fs.existsSync(lockPath)).toBe(true);
  });

  test('openDatabase on an embedded directory already open in this process times out', async () => {
    const dir = path.join(tmp, 'db');
    const db = await openDatabase({ embeddedDir: dir });
    try {
      const err = await lockError(openDatabase({ embeddedDir: dir, lockTimeoutSeconds: 0.2, sleep: noSleep }));
      expect(err.message).toContain(`is in use by pid ${process.pid}`);
    } finally {
      await db.close();
    }
    const again = await openDatabase({ embeddedDir: dir, lockTimeoutSeconds: 1 });
    await again.close();
  });
});
