// One apply at a time per scope, one `kek rotate` at a time per database. A session-level
// advisory lock is held on the Database's one session for the whole plan -> apply (or the
// whole rotation); if cvctl dies, PostgreSQL drops the session and the lock with it, so there
// is nothing to clean up. Two int4 keys: a fixed cvctl namespace (so we never collide with the
// gateway's or anyone else's advisory locks) and hashtext(scope or lock name).
import { CvctlError } from '../errors';
import type { Database, Queryable } from './database';

/** 'cvct' as an int4: the first advisory-lock key of every cvctl scope lock. */
export const SCOPE_LOCK_NAMESPACE = 0x63766374;
/** The first key of the migration lock (second key 0), distinct from every scope lock. */
export const MIGRATION_LOCK_NAMESPACE = 0x63766d67; // 'cvmg'
/** 'cvkr' as an int4: the first key of the rotation lock, distinct from scope ('cvct') and migration ('cvmg') locks. */
export const ROTATE_LOCK_NAMESPACE = 0x63766b72;
export const ROTATE_LOCK_NAME = 'cvctl:kek-rotate';

export const DEFAULT_LOCK_TIMEOUT_SECONDS = 30;

export interface ScopeLock {
  release(): Promise<void>;
}

export interface ScopeLockOptions {
  timeoutSeconds: number;
  sleep?: (ms: number) => Promise<void>;
}

interface HolderRow {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: string | null;
  state: string | null;
  usename: string | null;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function acquireScopeLock(db: Database, scope: string, opts: ScopeLockOptions): Promise<ScopeLock> {
  if (db.target === 'pglite') {
    // One process owns the embedded database at a time (the data directory's lock file),
    // and inside it cvctl runs one command: there is no one to exclude.
    return { release: async () => undefined };
  }
  const timeoutMs = Math.max(0, (opts.timeoutSeconds ?? DEFAULT_LOCK_TIMEOUT_SECONDS) * 1000);
  const sleep = opts.sleep ?? defaultSleep;
  const start = Date.now();
  let waited = 0;
  let pollMs = 100;
  for (;;) {
    const lock = await tryLock(db, SCOPE_LOCK_NAMESPACE, scope);
    if (lock) return lock;
    // `waited` counts injected (fake) sleeps too, so tests need no real clock.
    const elapsed = Math.max(Date.now() - start, waited);
    if (elapsed >= timeoutMs) {
      const holder = await findHolder(db, SCOPE_LOCK_NAMESPACE, scope);
      throw new CvctlError('LOCK_TIMEOUT', timeoutMessage(scope, holder, elapsed));
    }
    const step = Math.min(pollMs, timeoutMs - elapsed);
    waited += step;
    await sleep(step);
    pollMs = Math.min(pollMs * 2, 1000);
  }
}

/**
 * One rotation per database at a time, refused at once when another holds it. On the embedded
 * database the data directory's file lock already keeps every other process out.
 */
export async function acquireRotateLock(db: Database): Promise<ScopeLock> {
  if (db.target === 'pglite') return { release: async () => undefined };
  const lock = await tryLock(db, ROTATE_LOCK_NAMESPACE, ROTATE_LOCK_NAME);
  if (lock) return lock;
  const base = 'another `cvctl kek rotate` is running on this database';
  const advice = 'wait for it to finish (it resumes where it stopped if it is interrupted)';
  const h = await findHolder(db, ROTATE_LOCK_NAMESPACE, ROTATE_LOCK_NAME);
  if (!h) throw new CvctlError('LOCK_TIMEOUT', `${base}; ${advice}`);
  const who = [`pid ${h.pid}`];
  if (h.application_name) who.push(`application "${h.application_name}"`);
  if (h.backend_start) who.push(`connected since ${h.backend_start}`);
  throw new CvctlError('LOCK_TIMEOUT', `${base} (${who.join(', ')}); ${advice}`);
}

/** The lock (namespace, hashtext(name)) if it is free now, else null. */
async function tryLock(db: Database, namespace: number, name: string): Promise<ScopeLock | null> {
  const r = await db.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [namespace, name]);
  if (!r.rows[0]?.ok) return null;
  let held = true;
  return {
    async release() {
      if (!held) return;
      held = false;
      await db.query('select pg_advisory_unlock($1, hashtext($2))', [namespace, name]);
    },
  };
}

/** Who holds a lock, from pg_locks (a two-int4 key shows as classid, objid, objsubid = 2). */
async function findHolder(q: Queryable, namespace: number, name: string): Promise<HolderRow | null> {
  try {
    const r = await q.query<HolderRow>(
      `select a.pid, a.application_name, host(a.client_addr) as client_addr, a.backend_start, a.state, a.usename
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.objsubid = 2
          and l.classid = ($1::int4)::oid and l.objid = (hashtext($2))::oid
          and l.database = (select oid from pg_database where datname = current_database())
        limit 1`,
      [namespace, name],
    );
    return r.rows[0] ?? null;
  } catch {
    // Naming the holder is a courtesy; the timeout itself is the error to report.
    return null;
  }
}

function timeoutMessage(scope: string, h: HolderRow | null, elapsedMs: number): string {
  const waited = `${Math.round(elapsedMs / 100) / 10}s`;
  if (!h) {
    return `scope "${scope}" is locked by another cvctl run (it may have just finished); gave up after ${waited}. Retry, or raise --lock-timeout.`;
  }
  const parts = [`pid ${h.pid}`];
  if (h.application_name) parts.push(`application "${h.application_name}"`);
  if (h.usename) parts.push(`user ${h.usename}`);
  parts.push(h.client_addr ? `from ${h.client_addr}` : 'from a local socket');
  if (h.backend_start) parts.push(`connected since ${h.backend_start}`);
  if (h.state) parts.push(`state ${h.state}`);
  return `scope "${scope}" is locked by another session (${parts.join(', ')}); gave up after ${waited}. Retry later, or raise --lock-timeout.`;
}
