// Turning a provider's credential references into what is stored: ciphertext under a fresh
// per-row data key, the contract's prefix, and keyed fingerprints. Values never leave here
// except as ciphertext.
import * as path from 'node:path';
import type { ProviderKind } from '../domain/kinds';
import { primaryCredentialField } from '../domain/kinds';
import type { LocatedSecretRef } from '../domain/types';
import type { CredentialTarget } from '../plan/types';
import type { Kek } from '../crypto/kek';
import type { FingerprintKey } from '../crypto/fingerprint';
import { sealCredentials, type SealedCredentials } from '../crypto/envelope';
import { credentialPrefix } from '../crypto/prefix';
import { refKey, type SecretValue } from '../secrets/resolver';
import { CvctlError } from '../errors';

export interface StoredCredentials {
  sealed: SealedCredentials | null;
  prefix: string | null;
  fingerprints: Record<string, string>;
}

/** The refs to resolve for a set of credential targets; baseDir made absolute against cwd. */
export function locatedRefs(targets: Record<string, CredentialTarget>, cwd: string): LocatedSecretRef[] {
  return Object.values(targets).map((t) => ({ ref: t.ref, pos: t.pos, baseDir: path.resolve(cwd, t.baseDir) }));
}

export function valueFor(values: Map<string, SecretValue>, t: CredentialTarget, cwd: string): SecretValue {
  const v = values.get(refKey(t.ref, path.resolve(cwd, t.baseDir)));
  if (!v) throw new CvctlError('SECRET_UNRESOLVED', 'secret reference was not resolved', { pos: t.pos });
  return v;
}

export async function storeCredentials(
  providerId: string,
  providerName: string,
  kind: ProviderKind,
  targets: Record<string, CredentialTarget>,
  values: Map<string, SecretValue>,
  kek: Kek,
  fpKey: FingerprintKey,
  cwd: string,
): Promise<StoredCredentials> {
  const fields = Object.keys(targets).sort();
  if (fields.length === 0) return { sealed: null, prefix: null, fingerprints: {} };
  const plain: Record<string, SecretValue> = {};
  const fingerprints: Record<string, string> = {};
  for (const f of fields) {
    const t = targets[f];
    const v = valueFor(values, t, cwd);
    plain[f] = v;
    fingerprints[f] = fpKey.fingerprint(providerId, f, v);
    // A saved plan records the fingerprint it saw; a different value now means the secret
    // changed between plan and apply, so this is not the plan that was reviewed.
    if (t.fingerprint && t.fingerprint !== fingerprints[f]) {
      throw new CvctlError(
        'STALE_PLAN',
        `the saved plan is stale: credential credentials.${f} of provider '${providerName}' resolves to a different value than when the plan was made. Nothing was written; run \`cvctl plan\` again`,
        { pos: t.pos },
      );
    }
  }
  const primary = primaryCredentialField(kind);
  const prefix = plain[primary] ? credentialPrefix(kind, primary, plain[primary]) : null;
  const sealed = await sealCredentials(kek, providerId, plain);
  return { sealed, prefix, fingerprints };
}
