// The SQL of cvctl_keys, the table of the database's own keys (today one: the credential
// fingerprint key, from which the plan-signing key is also derived), and of the database
// identity a saved plan's tag covers. Keys are stored only wrapped by the KEK; unwrapping is
// src/crypto's job, never this module's.
import type { Queryable } from './database';
import { toBuffer } from '../crypto/envelope';

/** The name of the fingerprint key's row. */
export const FINGERPRINT_KEY_NAME = 'fingerprint';

/** A key as stored: wrapped, with the id of the KEK that wraps it. */
export interface StoredKey {
  wrapped: Buffer;
  kekId: string;
}

/** The fingerprint key's row, or null when the database has none yet. */
export async function readFingerprintKeyRow(q: Queryable): Promise<StoredKey | null> {
  const r = await q.query<{ wrapped_key: Buffer | Uint8Array; kek_id: string }>(
    // (Upper case: test/crypto/fingerprint.test.ts fakes the database by these statements' text.)
    'SELECT wrapped_key, kek_id FROM cvctl_keys WHERE name = $1',
    [FINGERPRINT_KEY_NAME],
  );
  const row = r.rows[0];
  return row ? { wrapped: toBuffer(row.wrapped_key), kekId: row.kek_id } : null;
}

/**
 * Stores a new fingerprint key unless one exists (ON CONFLICT DO NOTHING, so concurrent
 * first applies agree on one key). True when this call stored it.
 */
export async function insertFingerprintKey(q: Queryable, key: StoredKey): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO cvctl_keys (name, wrapped_key, kek_id, created_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (name) DO NOTHING`,
    [FINGERPRINT_KEY_NAME, key.wrapped, key.kekId],
  );
  return r.rowCount === 1;
}

/** Compare-and-swap of the fingerprint key's wrapping (`kek rotate`); false when someone changed it meanwhile. */
export async function casFingerprintKey(q: Queryable, targetId: string, old: StoredKey, wrapped: Buffer): Promise<boolean> {
  const r = await q.query(
    `update cvctl_keys set wrapped_key = $1, kek_id = $2, rotated_at = now()
      where name = $3 and wrapped_key = $4 and kek_id = $5`,
    [wrapped, targetId, FINGERPRINT_KEY_NAME, old.wrapped, old.kekId],
  );
  return r.rowCount === 1;
}

/** When the fingerprint key was last re-wrapped by `kek rotate` (the end of a rotation), best effort: null when unknown. */
export async function fingerprintKeyRotatedAt(q: Queryable): Promise<string | null> {
  try {
    const r = await q.query<{ at: string | null }>(
      `select to_char(rotated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at from cvctl_keys where name = $1`,
      [FINGERPRINT_KEY_NAME],
    );
    return r.rows[0]?.at ?? null;
  } catch {
    return null;
  }
}

/**
 * `<system identifier>/<database name>`: stable for the life of a database, different for
 * another database of the same cluster and for a copy restored into another cluster.
 * Read outside any transaction (a refused pg_control_system() would abort one).
 */
export async function databaseIdentity(q: Queryable): Promise<string> {
  let system = 'unknown';
  try {
    const r = await q.query<{ s: string }>('select system_identifier::text as s from pg_control_system()');
    system = r.rows[0]?.s ?? 'unknown';
  } catch {
    // A server that hides pg_control_system(): the database name alone identifies it.
  }
  const d = await q.query<{ d: string }>('select current_database() as d');
  return `${system}/${d.rows[0]?.d ?? ''}`;
}
