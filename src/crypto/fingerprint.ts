// Keyed credential fingerprints: lets `plan` say whether a credential changed by comparing
// HMACs, without unwrapping any row's DEK (one unwrap per run, for this key, instead of
// one per row). Keyed, so a database reader cannot test guesses of a key against
// credential_fingerprints; bound to row and field, so equal keys on two rows look unrelated
// and fingerprints copied between rows or fields do not match.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CvctlError } from '../errors';
import { SecretValue } from '../secrets/resolver';
import type { Queryable } from '../state/database';
import { FINGERPRINT_KEY_NAME, insertFingerprintKey, readFingerprintKeyRow, type StoredKey } from '../state/keys';
import type { EncryptionContext, Kek } from './kek';
import { unwrapPinned } from './kek-pin';

/** The context the fingerprint key is wrapped under (also for `kek rotate`). */
export const FINGERPRINT_KEY_CONTEXT: EncryptionContext = Object.freeze({
  table: 'cvctl_keys',
  name: FINGERPRINT_KEY_NAME,
}) as EncryptionContext;

const KEY_BYTES = 32;
// Domain separation: this HMAC key is only ever used for this message layout.
const DOMAIN = 'cvctl/fingerprint/v1';

export class FingerprintKey {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new TypeError('a fingerprint key must be exactly 32 bytes');
    this.#key = Buffer.from(key);
  }

  /**
   * A 32-byte key for another purpose, derived by HKDF-SHA-256 under a distinct label (e.g. the
   * plan-signing key, src/plan/auth.ts). Keys for different labels are independent: neither
   * reveals this key nor the other. The caller zeroes the returned buffer.
   */
  deriveKey(label: string): Buffer {
    if (!label.startsWith('cvctl/') || label === DOMAIN) throw new TypeError(`not a derivation label: ${label}`);
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), Buffer.from(label, 'utf8'), KEY_BYTES));
  }

  /** Hex HMAC-SHA-256 over length-prefixed (domain, row id, field, value). */
  fingerprint(rowId: string, field: string, value: SecretValue): string {
    if (!(value instanceof SecretValue)) throw new TypeError('fingerprint() takes a SecretValue');
    const h = createHmac('sha256', this.#key);
    // Each part is u32be(length) || utf8 bytes: ('ab','c') and ('a','bc') differ.
    for (const part of [DOMAIN, rowId, field, value.reveal()]) {
      const bytes = Buffer.from(part, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      h.update(len);
      h.update(bytes);
      bytes.fill(0);
    }
    return h.digest('hex');
  }

  /** {field: fingerprint} for a whole credentials object, as stored in credential_fingerprints. */
  fingerprintAll(rowId: string, fields: Record<string, SecretValue>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const field of Object.keys(fields).sort()) out[field] = this.fingerprint(rowId, field, fields[field]!);
    return out;
  }

  /** Constant-time comparison with a stored hex fingerprint. */
  matches(rowId: string, field: string, value: SecretValue, storedHex: string | null | undefined): boolean {
    if (typeof storedHex !== 'string' || !/^[0-9a-f]{64}$/.test(storedHex)) return false;
    return timingSafeEqual(Buffer.from(this.fingerprint(rowId, field, value), 'hex'), Buffer.from(storedHex, 'hex'));
  }

  /**
   * After decrypting a row (drift, export): the stored fingerprints must be those of the
   * decrypted values. A mismatch means credential_fingerprints was edited or copied from
   * another row, and plans based on it would lie.
   */
  verify(rowId: string, fields: Record<string, SecretValue>, stored: Record<string, string>): void {
    const names = [...new Set([...Object.keys(fields), ...Object.keys(stored)])].sort();
    const bad = names.filter((f) => {
      const v = fields[f];
      return v === undefined || !this.matches(rowId, f, v, stored[f]);
    });
    if (bad.length > 0) {
      throw new CvctlError(
        'CRYPTO_INTEGRITY',
        `the stored credential fingerprints of providers/${rowId} do not match its encrypted credentials ` +
          `(fields: ${bad.join(', ')}); they were changed outside cvctl or copied from another row`,
      );
    }
  }
}

async function unwrapRow(q: Queryable, kek: Kek, row: StoredKey): Promise<FingerprintKey> {
  // Refuses a KEK other than the one cvctl_keys records (a stale --kms after a rotation).
  const key = await unwrapPinned(q, kek, row, FINGERPRINT_KEY_CONTEXT);
  try {
    if (key.length !== KEY_BYTES) {
      throw new CvctlError('CRYPTO_INTEGRITY', `the fingerprint key in cvctl_keys is ${key.length} bytes, expected 32`);
    }
    return new FingerprintKey(key);
  } finally {
    key.fill(0);
  }
}

/**
 * The fingerprint key: read from cvctl_keys and unwrapped (one KEK call). When absent:
 * null, or with `create`, a new key inserted with ON CONFLICT DO NOTHING; whoever loses a
 * race re-reads and uses the winner's key, so all processes agree.
 */
export async function loadFingerprintKey(
  q: Queryable,
  kek: Kek,
  opts: { create: boolean },
): Promise<FingerprintKey | null> {
  const existing = await readFingerprintKeyRow(q);
  if (existing) return unwrapRow(q, kek, existing);
  if (!opts.create) return null;

  const { plaintext, wrapped } = await kek.generateDataKey(FINGERPRINT_KEY_CONTEXT);
  try {
    // Ours is in the table: no need to unwrap what we already hold.
    if (await insertFingerprintKey(q, wrapped)) return new FingerprintKey(plaintext);
  } finally {
    plaintext.fill(0);
  }
  const winner = await readFingerprintKeyRow(q);
  if (!winner) {
    throw new CvctlError('CRYPTO_INTEGRITY', 'the fingerprint key in cvctl_keys vanished while it was being created');
  }
  return unwrapRow(q, kek, winner);
}

// The fingerprint key, unwrapped at most once per run and KEK. `apply` needs it twice: the
// plan compares fingerprints, then the transaction writes new ones. Each unwrap is a KEK
// call (with AWS KMS, a billed and rate-limited Decrypt), and the second one would unwrap
// the very same bytes. The key row is still read every time, inside the caller's
// transaction, and the cached key is used only when that row is byte-for-byte the one it
// was unwrapped from: a key replaced or re-wrapped meanwhile is unwrapped afresh.
// Keyed by the KEK instance: one per command run (src/app/resources.ts), so nothing outlives it.
const unwrapped = new WeakMap<Kek, StoredKey & { key: FingerprintKey }>();

/**
 * Remember a key this run already holds in plaintext for the row it will be stored as (a saved
 * plan's new key, installed by apply: src/apply/plan-key.ts), so the transaction does not
 * unwrap it again.
 */
export function rememberFingerprintKey(kek: Kek, row: StoredKey, key: FingerprintKey): void {
  unwrapped.set(kek, { kekId: row.kekId, wrapped: Buffer.from(row.wrapped), key });
}

/** loadFingerprintKey, with the unwrapped key kept for the rest of the run (see above). */
export async function fingerprintKeyFor(q: Queryable, kek: Kek, opts: { create: boolean }): Promise<FingerprintKey | null> {
  const row = await readFingerprintKeyRow(q);
  // No key yet: creating one (first apply) is loadFingerprintKey's job, race handling included.
  if (!row) return loadFingerprintKey(q, kek, opts);
  const hit = unwrapped.get(kek);
  if (hit && hit.kekId === row.kekId && hit.wrapped.equals(row.wrapped)) return hit.key;
  const key = await unwrapRow(q, kek, row);
  rememberFingerprintKey(kek, row, key);
  return key;
}
