// The plan-signing key behind saved-plan authentication (src/plan/auth.ts); apply verifies
// with it in src/apply/plan-key.ts.
//
// The key is derived (HKDF, label PLAN_KEY_LABEL) from the database's fingerprint key, which
// is random per database, stored only wrapped by the KEK in cvctl_keys, re-wrapped by
// `kek rotate` and cached once unwrapped per run. So: no second key to store or rotate, one
// KEK unwrap per run for both uses, and a plan verifies only against the database (and with
// the KEK) it was made with.
//
// A database that has no fingerprint key yet (nothing with credentials applied so far) gets
// none from `plan`: plan writes nothing, and its CI role is read-only. Instead plan asks the KEK
// for a fresh key, signs with it and carries it wrapped in the plan (`auth.newKey`); the first
// `apply --plan` installs it as the database's key in its own transaction (refused if a key
// appeared meanwhile). The tag also covers the database identity (cluster system identifier and
// database name), so such a plan cannot be carried to another key-less database either.
import { CvctlError } from '../errors';
import type { Queryable } from '../state/database';
import { readFingerprintKeyRow } from '../state/keys';
import { PLAN_KEY_LABEL, type SigningKey } from '../plan/auth';
import { FINGERPRINT_KEY_CONTEXT, FingerprintKey, fingerprintKeyFor } from './fingerprint';
import type { Kek } from './kek';

/** The plan-signing key of a database's fingerprint key (HKDF, label PLAN_KEY_LABEL); the caller zeroes it. */
export function derivePlanKey(fp: FingerprintKey): Buffer {
  return fp.deriveKey(PLAN_KEY_LABEL);
}

/**
 * Opens the configured KEK. `wrap`: it will wrap or generate a key (an AWS KMS key is then
 * described first, and a missing local key file may be created), not only unwrap.
 */
export type KekOpener = (wrap: boolean) => Promise<Kek>;

/** For `plan --out`: the key to sign with. Reads only. */
export async function planSigningKey(q: Queryable, openKek: KekOpener): Promise<SigningKey> {
  const row = await readFingerprintKeyRow(q);
  if (row) {
    const fp = await fingerprintKeyFor(q, await openKek(false), { create: false });
    if (!fp) throw new CvctlError('CRYPTO_INTEGRITY', 'the fingerprint key in cvctl_keys vanished while the plan was being signed');
    return { key: derivePlanKey(fp), kekId: row.kekId };
  }
  const { plaintext, wrapped } = await (await openKek(true)).generateDataKey(FINGERPRINT_KEY_CONTEXT);
  try {
    return {
      key: derivePlanKey(new FingerprintKey(plaintext)),
      kekId: wrapped.kekId,
      newKey: { wrapped: wrapped.wrapped.toString('base64'), kekId: wrapped.kekId },
    };
  } finally {
    plaintext.fill(0);
  }
}
