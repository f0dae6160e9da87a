// The SQL of `kek rotate`. Every write is a compare-and-swap on the wrapped key it replaces,
// and touches only the wrapped key and the KEK id: the credential ciphertext and IV are
// never rewritten (the DEK does not change, only what it is wrapped by).
import { CvctlError } from '../../errors';
import { FINGERPRINT_KEY_NAME } from '../../crypto/fingerprint';
import { toBuffer } from '../../crypto/envelope';
import type { Database, Queryable } from '../../state/database';

/** 'cvkr' as an int4: the first key of the rotation lock, distinct from scope ('cvct') and migration ('cvmg') locks. */
export const ROTATE_LOCK_NAMESPACE = 0x63766b72;
export const ROTATE_LOCK_NAME = 'cvctl:kek-rotate';

export interface PendingRow {
  id: string;
  wrapped: Buffer;
  /** Null only for a damaged row (a wrapped key without a KEK id); reported, never guessed. */
  kekId: string | null;
}

export interface KekCensus {
  /** Rows with credentials per KEK id (null = no KEK id recorded), with the first such row as an example. */
  byKek: { kekId: string | null; rows: number; exampleId: string; exampleName: string }[];
  withoutCredentials: number;
}

export interface Lock {
  release(): Promise<void>;
}

/**
 * One rotation per database at a time. A session lock, so a killed rotation releases it with
 * its connection. On the embedded database the data directory's file lock already keeps
 * every other process out.
 */
export async function acquireRotateLock(db: Database): Promise<Lock> {
  if (db.target === 'pglite') return { release: async () => undefined };
  const r = await db.query<{ ok: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as ok', [
    ROTATE_LOCK_NAMESPACE,
    ROTATE_LOCK_NAME,
  ]);
  if (!r.rows[0]?.ok) throw new CvctlError('LOCK_TIMEOUT', await busyMessage(db));
  let held = true;
  return {
    async release() {
      if (!held) return;
      held = false;
      await db.query('select pg_advisory_unlock($1, hashtext($2))', [ROTATE_LOCK_NAMESPACE, ROTATE_LOCK_NAME]);
    },
  };
}

async function busyMessage(q: Queryable): Promise<string> {
  const base = 'another `cvctl kek rotate` is running on this database';
  const advice = 'wait for it to finish (it resumes where it stopped if it is interrupted)';
  try {
    const r = await q.query<{ pid: number; application_name: string | null; backend_start: string | null }>(
      `select a.pid, a.application_name, a.backend_start
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.objsubid = 2
          and l.classid = ($1::int4)::oid and l.objid = (hashtext($2))::oid
          and l.database = (select oid from pg_database where datname = current_database())
        limit 1`,
      [ROTATE_LOCK_NAMESPACE, ROTATE_LOCK_NAME],
    );
    const h = r.rows[0];
    if (!h) return `${base}; ${advice}`;
    const who = [`pid ${h.pid}`];
    if (h.application_name) who.push(`application "${h.application_name}"`);
    if (h.backend_start) who.push(`connected since ${h.backend_start}`);
    return `${base} (${who.join(', ')}); ${advice}`;
  } catch {
    return `${base}; ${advice}`;
  }
}

/** Where the rows' data keys are now: read before any write, so an unusable KEK fails with nothing written. */
export async function kekCensus(q: Queryable): Promise<KekCensus> {
  const byKek = await q.query<{ kek_id: string | null; n: number; example_id: string; example_name: string }>(
    `select distinct on (credential_kek_id) credential_kek_id as kek_id,
            count(*) over (partition by credential_kek_id)::int as n, id::text as example_id, name as example_name
       from providers
      where credential_wrapped_dek is not null
      order by credential_kek_id, id`,
  );
  const none = await q.query<{ n: number }>('select count(*)::int as n from providers where credential_wrapped_dek is null');
  return {
    byKek: byKek.rows.map((r) => ({ kekId: r.kek_id, rows: Number(r.n), exampleId: r.example_id, exampleName: r.example_name })),
    withoutCredentials: Number(none.rows[0]?.n ?? 0),
  };
}

/** Rows not yet on the target, in id order after `after` (keyset pagination: no OFFSET rescans). */
export async function selectBatch(q: Queryable, targetId: string, after: string | null, limit: number): Promise<PendingRow[]> {
  const r = await q.query<{ id: string; dek: Buffer | Uint8Array; kek_id: string | null }>(
    `select id::text as id, credential_wrapped_dek as dek, credential_kek_id as kek_id
       from providers
      where credential_wrapped_dek is not null
        and credential_kek_id is distinct from $1
        and ($2::uuid is null or id > $2::uuid)
      order by id
      limit $3`,
    [targetId, after, limit],
  );
  return r.rows.map((row) => ({ id: row.id, wrapped: toBuffer(row.dek), kekId: row.kek_id }));
}

/** Rows with credentials not on the target. */
export async function countPending(q: Queryable, targetId: string): Promise<number> {
  const r = await q.query<{ n: number }>(
    `select count(*)::int as n from providers
      where credential_wrapped_dek is not null and credential_kek_id is distinct from $1`,
    [targetId],
  );
  return Number(r.rows[0]?.n ?? 0);
}

export interface Rewrapped {
  id: string;
  old: Buffer;
  wrapped: Buffer;
}

/**
 * One statement for the whole batch, committed on its own. A row whose wrapped key is no
 * longer the one we re-wrapped was re-sealed meanwhile (an apply: new DEK, new ciphertext);
 * writing ours would pair the new ciphertext with the old DEK, so it is left alone.
 * Returns the ids written.
 */
export async function casBatch(q: Queryable, targetId: string, rows: readonly Rewrapped[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const r = await q.query<{ id: string }>(
    `update providers p
        set credential_wrapped_dek = decode(u.dek, 'hex'), credential_kek_id = $4
       from unnest($1::text[], $2::text[], $3::text[]) as u(id, dek, old)
      where p.id = u.id::uuid and p.credential_wrapped_dek = decode(u.old, 'hex')
      returning p.id::text as id`,
    [rows.map((x) => x.id), rows.map((x) => x.wrapped.toString('hex')), rows.map((x) => x.old.toString('hex')), targetId],
  );
  return new Set(r.rows.map((x) => x.id));
}

export interface KeyRow {
  wrapped: Buffer;
  kekId: string;
}

export async function readFingerprintKeyRow(q: Queryable): Promise<KeyRow | null> {
  const r = await q.query<{ wrapped_key: Buffer | Uint8Array; kek_id: string }>(
    'select wrapped_key, kek_id from cvctl_keys where name = $1',
    [FINGERPRINT_KEY_NAME],
  );
  const row = r.rows[0];
  return row ? { wrapped: toBuffer(row.wrapped_key), kekId: row.kek_id } : null;
}

/** Compare-and-swap of the fingerprint key's wrapping; false when someone changed it meanwhile. */
export async function casFingerprintKey(q: Queryable, targetId: string, old: KeyRow, wrapped: Buffer): Promise<boolean> {
  const r = await q.query(
    `update cvctl_keys set wrapped_key = $1, kek_id = $2, rotated_at = now()
      where name = $3 and wrapped_key = $4 and kek_id = $5`,
    [wrapped, targetId, FINGERPRINT_KEY_NAME, old.wrapped, old.kekId],
  );
  return r.rowCount === 1;
}
