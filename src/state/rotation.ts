// The SQL of `kek rotate` on the provider rows. Every write is a compare-and-swap on the
// wrapped key it replaces, and touches only the wrapped key and the KEK id: the credential
// ciphertext and IV are never rewritten (the DEK does not change, only what it is wrapped by).
// The rotation lock is in ./lock.ts, the fingerprint key's row in ./keys.ts.
import { toBuffer } from '../crypto/envelope';
import type { Queryable } from './database';

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

/** Provider rows whose data key is wrapped by `kekId` (e.g. written with a stale --kms), best effort: 0 when unknown. */
export async function countRowsOnKek(q: Queryable, kekId: string): Promise<number> {
  try {
    const r = await q.query<{ n: number }>('select count(*)::int as n from providers where credential_kek_id = $1', [kekId]);
    return Number(r.rows[0]?.n ?? 0);
  } catch {
    return 0;
  }
}
