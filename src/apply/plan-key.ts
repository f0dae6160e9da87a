// `apply --plan`'s check of a saved plan's tag (src/plan/auth.ts) under this database's
// plan-signing key, which is derived from its fingerprint key (src/crypto/plan-key.ts says how,
// and how a plan made for a database without one carries a new key for apply to install).
import { CvctlError } from '../errors';
import { escapeControl } from '../escape';
import { FINGERPRINT_KEY_CONTEXT, FingerprintKey, fingerprintKeyFor, rememberFingerprintKey } from '../crypto/fingerprint';
import { derivePlanKey, type KekOpener } from '../crypto/plan-key';
import type { Queryable } from '../state/database';
import { databaseIdentity, readFingerprintKeyRow, type StoredKey } from '../state/keys';
import { planKeyId, tagMatches } from '../plan/auth';
import type { Plan } from '../plan/types';

const NOTHING = 'Nothing was written';
const REPLAN = 'run `cvctl plan --out` again with access to the KEK';

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
    key = derivePlanKey(fp);
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
      key = derivePlanKey(fp);
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
