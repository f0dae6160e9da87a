// The fingerprint key, unwrapped at most once per run and KEK. `apply` needs it twice: the
// plan compares fingerprints, then the transaction writes new ones. Each unwrap is a KEK
// call (with AWS KMS, a billed and rate-limited Decrypt), and the second one would unwrap
// the very same bytes. The key row is still read every time, inside the caller's
// transaction, and the cached key is used only when that row is byte-for-byte the one it
// was unwrapped from: a key replaced or re-wrapped meanwhile is unwrapped afresh.
import { CvctlError } from '../errors';
import { FINGERPRINT_KEY_CONTEXT, FINGERPRINT_KEY_NAME, FingerprintKey, loadFingerprintKey } from '../crypto/fingerprint';
import { toBuffer } from '../crypto/envelope';
import type { Kek } from '../crypto/kek';
import type { Queryable } from '../state/database';
import { unwrapPinned } from '../crypto/kek-pin';

interface Unwrapped {
  kekId: string;
  wrapped: Buffer;
  key: FingerprintKey;
}

// Keyed by the KEK instance: one per command run (src/app/resources.ts), so nothing outlives it.
const unwrapped = new WeakMap<Kek, Unwrapped>();

/**
 * Remember a key this run already holds in plaintext for the row it will be stored as (a saved
 * plan's new key, installed by apply: src/apply/plan-key.ts), so the transaction does not
 * unwrap it again.
 */
export function rememberFingerprintKey(kek: Kek, row: { kekId: string; wrapped: Buffer }, key: FingerprintKey): void {
  unwrapped.set(kek, { kekId: row.kekId, wrapped: Buffer.from(row.wrapped), key });
}

export async function fingerprintKeyFor(q: Queryable, kek: Kek, opts: { create: boolean }): Promise<FingerprintKey | null> {
  const r = await q.query<{ wrapped_key: Buffer | Uint8Array; kek_id: string }>(
    'SELECT wrapped_key, kek_id FROM cvctl_keys WHERE name = $1',
    [FINGERPRINT_KEY_NAME],
  );
  const row = r.rows[0];
  // No key yet: creating one (first apply) is loadFingerprintKey's job, race handling included.
  if (!row) return loadFingerprintKey(q, kek, opts);
  const wrapped = toBuffer(row.wrapped_key);
  const hit = unwrapped.get(kek);
  if (hit && hit.kekId === row.kek_id && hit.wrapped.equals(wrapped)) return hit.key;

  // Refuses a KEK other than the one cvctl_keys records (a stale --kms after a rotation).
  const plain = await unwrapPinned(q, kek, { wrapped, kekId: row.kek_id }, FINGERPRINT_KEY_CONTEXT);
  try {
    if (plain.length !== 32) {
      throw new CvctlError('CRYPTO_INTEGRITY', `the fingerprint key in cvctl_keys is ${plain.length} bytes, expected 32`);
    }
    const key = new FingerprintKey(plain);
    unwrapped.set(kek, { kekId: row.kek_id, wrapped: Buffer.from(wrapped), key });
    return key;
  } finally {
    plain.fill(0);
  }
}
