// A lock file next to the embedded database's data directory (`<dir>.lock`). PGlite is
// single-process: two cvctl processes opening the same data directory would corrupt it, and
// PostgreSQL advisory locks cannot help because each process runs its own embedded server.
// The file is created with O_EXCL and names its holder (pid, host, command) so that a waiting
// process can say who is in the way, and a lock left by a dead process can be taken over.
import * as fs from 'fs';
import * as os from 'os';
import { randomBytes } from 'crypto';
import { CvctlError } from '../errors';

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  token: string;
}

export interface FileLock {
  readonly path: string;
  release(): void;
}

export interface FileLockOptions {
  timeoutMs: number;
  /** What the lock protects, for messages (e.g. `the embedded database .cvctl/db`). */
  what: string;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

// A file with no parsable holder is a writer that crashed between create and write,
// or is writing right now: only treat it as stale once it is clearly old.
const UNREADABLE_STALE_MS = 5_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readHolder(path: string): { holder: LockHolder | null; raw: string; mtimeMs: number } | null {
  try {
    const raw = fs.readFileSync(path, 'utf8');
    const mtimeMs = fs.statSync(path).mtimeMs;
    try {
      const h = JSON.parse(raw) as LockHolder;
      return { holder: typeof h.pid === 'number' ? h : null, raw, mtimeMs };
    } catch {
      return { holder: null, raw, mtimeMs };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(h: { holder: LockHolder | null; mtimeMs: number }): boolean {
  if (!h.holder) return Date.now() - h.mtimeMs > UNREADABLE_STALE_MS;
  // A pid on another host (shared volume) cannot be checked: assume it is alive.
  return h.holder.host === os.hostname() && !pidAlive(h.holder.pid);
}

/**
 * Removes a stale lock without racing another process that breaks it at the same time:
 * rename is atomic, and if what we moved aside turns out to be a fresh lock (someone else
 * broke the stale one and re-locked first) it is put back with link(), which never overwrites.
 */
function breakStale(path: string, staleRaw: string): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(path, aside);
  } catch {
    return;
  }
  try {
    if (fs.readFileSync(aside, 'utf8') !== staleRaw) {
      try {
        fs.linkSync(aside, path);
      } catch {
        // Someone re-locked already; their lock stands, the moved file is garbage.
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

export function describeHolder(h: LockHolder | null): string {
  if (!h) return 'an unknown process';
  return `pid ${h.pid} on ${h.host} (\`${h.command}\`, since ${h.since})`;
}

/**
 * The program and its plain-word arguments (`cvctl apply`): enough to recognise the holder.
 * Option values are left out on purpose, they may hold a database URL with a password.
 */
function holderCommand(): string {
  const program = (process.argv[1] ?? 'node').replace(/^.*[\\/]/, '').replace(/\.js$/, '');
  const words = process.argv.slice(2).filter((a) => /^[a-z][a-z0-9-]*$/.test(a)).slice(0, 3);
  return [program, ...words].join(' ');
}

export async function acquireFileLock(path: string, opts: FileLockOptions): Promise<FileLock> {
  const sleep = opts.sleep ?? defaultSleep;
  const pollMs = opts.pollMs ?? 200;
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    command: holderCommand(),
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const body = JSON.stringify(me);
  const start = Date.now();
  let waited = 0;
  for (;;) {
    try {
      const fd = fs.openSync(path, 'wx', 0o600);
      try {
        fs.writeSync(fd, body);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return makeLock(path, me.token);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CvctlError('IO_ERROR', `cannot create the lock file ${path}: ${(err as Error).message}`, { cause: err });
      }
    }
    const current = readHolder(path);
    if (!current) continue; // released between our open and read
    if (isStale(current)) {
      breakStale(path, current.raw);
      continue;
    }
    // `waited` tracks injected (fake) sleeps too, so tests need no real clock.
    const elapsed = Math.max(Date.now() - start, waited);
    if (elapsed >= opts.timeoutMs) {
      throw new CvctlError(
        'LOCK_TIMEOUT',
        `${opts.what} is in use by ${describeHolder(current.holder)}; gave up after ${Math.round(elapsed / 100) / 10}s. ` +
          `If that process is gone, delete ${path}.`,
      );
    }
    const step = Math.min(pollMs, opts.timeoutMs - elapsed);
    waited += step;
    await sleep(step);
  }
}

function makeLock(path: string, token: string): FileLock {
  let held = true;
  // A process that exits without closing (Ctrl-C, process.exit) must not leave a lock behind.
  const onExit = (): void => release();
  process.once('exit', onExit);
  function release(): void {
    if (!held) return;
    held = false;
    process.removeListener('exit', onExit);
    // Only delete the file if it is still ours (it may have been broken as stale and retaken).
    const current = readHolder(path);
    if (current?.holder?.token === token) fs.rmSync(path, { force: true });
  }
  return { path, release };
}
