// The plan-signing key and the database identity behind saved-plan authentication
// (src/plan/auth.ts).
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
import { escapeControl } from '../escape';
import { FINGERPRINT_KEY_CONTEXT, FingerprintKey, fingerprintKeyFor, rememberFingerprintKey } from '../crypto/fingerprint';
import type { Kek } from '../crypto/kek';
import type { Queryable } from '../state/database';
import { databaseIdentity, readFingerprintKeyRow, type StoredKey } from '../state/keys';
import { PLAN_KEY_LABEL, planKeyId, tagMatches, type SigningKey } from '../plan/auth';
import type { Plan } from '../plan/types';

const NOTHING = 'Nothing was written';
const REPLAN = 'run `cvctl plan --out` again with access to the KEK';

function derive(fp: FingerprintKey): Buffer {
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
    return { key: derive(fp), kekId: row.kekId };
  }
  const { plaintext, wrapped } = await (await openKek(true)).generateDataKey(FINGERPRINT_KEY_CONTEXT);
  try {
    return {
      key: derive(new FingerprintKey(plaintext)),
      kekId: wrapped.kekId,
      newKey: { wrapped: wrapped.wrapped.toString('base64'), kekId: wrapped.kekId },
    };
  } finally {
    plaintext.fill(0);
  }
}

/** The key a verified plan asks apply to install as the database's fingerprint key. */
export type KeyToInstall = StoredKey;

function refuse(message: string): CvctlError {
  // Quotes members of the file not yet verified (auth.kekId): one line, whatever they hold.
  return new CvctlError('PLAN_UNAUTHENTICATED', `${escapeControl(message)}. ${NOTHING}`);
}

/**
 * `apply --plan`, before anything else: the plan's tag must verify under this database's
 * key. Returns the key to install when the plan brought one for a database that has none.
 */
export async function verifyPlanAuth(q: Queryable, plan: Plan, openKek: KekOpener): Promise<KeyToInstall | null> {
  const auth = plan.auth;
  if (!auth) {
    throw refuse(
      'the saved plan is not authenticated: it has no tag (it was written with --no-resolve-secrets, by hand or by another tool); ' +
        `only a plan written by \`cvctl plan --out\` with access to the KEK can be applied: ${REPLAN}`,
    );
  }
  const database = await databaseIdentity(q);
  const row = await readFingerprintKeyRow(q);
  let key: Buffer;
  let install: KeyToInstall | null = null;
  if (row) {
    const sameNewKey = auth.newKey !== undefined && Buffer.from(auth.newKey.wrapped, 'base64').equals(row.wrapped);
    if (auth.newKey !== undefined && !sameNewKey) {
      throw refuse(
        'the saved plan was made for a database that had no plan-signing key, and this database has one ' +
          `(the plan is from another database, or a key was created since): ${REPLAN}`,
      );
    }
    if (auth.kekId !== row.kekId) {
      throw refuse(
        `the saved plan was signed under KEK ${auth.kekId}, but this database's keys are wrapped by KEK ${row.kekId} ` +
          `(the plan is from another database, or \`kek rotate\` ran since): ${REPLAN}`,
      );
    }
    // Another KEK than the one that wraps this database's key cannot verify the plan: a refusal
    // (the unwrap's message names both KEKs and says that nothing was written).
    const fp = await fingerprintKeyFor(q, await openKek(false), { create: false }).catch((e: unknown) => {
      if (!(e instanceof CvctlError) || e.code !== 'CRYPTO_INTEGRITY') throw e;
      throw new CvctlError('PLAN_UNAUTHENTICATED', `the saved plan cannot be verified with the configured KEK: ${e.message}`, { cause: e });
    });
    if (!fp) throw refuse('the database key vanished while the plan was being verified');
    key = derive(fp);
  } else {
    if (!auth.newKey) {
      throw refuse(`the saved plan was signed with a database key (${auth.keyId}) but this database has none: it is from another database; ${REPLAN}`);
    }
    const wrapped = Buffer.from(auth.newKey.wrapped, 'base64');
    const kek = await openKek(true);
    if (auth.newKey.kekId !== kek.id) {
      throw refuse(`the saved plan was signed under KEK ${auth.newKey.kekId}, not under the configured KEK ${kek.id}; ${REPLAN}`);
    }
    const plain = await kek.unwrap({ wrapped, kekId: auth.newKey.kekId }, FINGERPRINT_KEY_CONTEXT).catch((e: unknown) => {
      throw e instanceof CvctlError && e.code === 'CRYPTO_INTEGRITY' ? refuse(`the key the saved plan carries does not unwrap with the configured KEK: ${e.message}`) : e;
    });
    try {
      if (plain.length !== 32) throw refuse('the key the saved plan carries is malformed');
      const fp = new FingerprintKey(plain);
      key = derive(fp);
      install = { wrapped, kekId: auth.newKey.kekId };
      rememberFingerprintKey(kek, install, fp);
    } finally {
      plain.fill(0);
    }
  }
  try {
    const id = planKeyId(key);
    if (id !== auth.keyId) {
      throw refuse(
        `the saved plan was signed with key ${auth.keyId}, not with this database's key ${id}: it was made for another database or under another KEK; ${REPLAN}`,
      );
    }
    if (!tagMatches(plan, key, database)) {
      throw refuse(
        'the saved plan does not match its authentication tag: the file was changed after `cvctl plan --out` wrote it, ' +
          `or it was made for another database; ${REPLAN}`,
      );
    }
  } finally {
    key.fill(0);
  }
  return install;
}
