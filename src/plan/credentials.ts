// Credential diffs. The planner never sees a secret: the caller resolves each reference and
// hands over an HMAC fingerprint and the display prefix (CredentialStatus). A credential is
// changed when its fingerprint differs from the stored one, or the field is added/removed.
import { primaryCredentialField } from '../domain/kinds';
import { storedPrefixShown } from '../crypto/prefix';
import type { ProviderSpec } from '../domain/types';
import type { ProviderRow } from '../domain/rows';
import { compareStrings, sortKeysDeep } from './canonical';
import type { CredentialTarget, FieldChange, SensitiveValue } from './types';

export interface CredentialFieldStatus {
  fingerprint: string | null;
  prefix: string | null;
  unknown?: boolean;
}

export interface CredentialDiff {
  /** Real changes (added, removed, different fingerprint). */
  fields: FieldChange[];
  /** Fields whose value is unknown (secrets not resolved): shown on a change, never one. */
  unknownFields: FieldChange[];
  changed: boolean;
  /** What apply writes: the complete set of desired fields, or null to keep what is stored. */
  targets: Record<string, CredentialTarget> | null;
  /** For last_applied: the fingerprint each desired field will have after apply, if known. */
  fingerprints: Record<string, string | null>;
}

/**
 * A credential as a plan shows it. An unresolved one is `"changed": null, "unknown": true`
 * (CONTRACT.md §4): `false` would read as "unchanged" to a consumer that ignores `unknown`.
 */
function sensitive(changed: boolean | null, prefix: string | null, unknown = false): SensitiveValue {
  return unknown ? { sensitive: true, changed: null, prefix, unknown: true } : { sensitive: true, changed, prefix };
}

export function diffCredentials(
  spec: ProviderSpec,
  status: Record<string, CredentialFieldStatus> | undefined,
  row: ProviderRow | null,
  secretsResolved: boolean,
): CredentialDiff {
  const desired = spec.credentials;
  const stored = row?.credentialFingerprints ?? {};
  // Only the primary field's prefix is stored (credential_prefix); other fields show none.
  // A row written by an older cvctl may hold more than the rule allows: cut to the rule.
  const storedPrefix = (field: string): string | null =>
    row !== null && field === primaryCredentialField(row.kind) ? storedPrefixShown(field, row.credentialPrefix) : null;
  // A field the caller said nothing about is unknown when secrets were not resolved, and
  // otherwise "no fingerprint" (which counts as changed: we cannot prove it is not).
  const statusOf = (field: string): CredentialFieldStatus =>
    status?.[field] ?? { fingerprint: null, prefix: null, unknown: secretsResolved ? undefined : true };

  const fields: FieldChange[] = [];
  const unknownFields: FieldChange[] = [];
  const fingerprints: Record<string, string | null> = {};
  const all = [...new Set([...Object.keys(desired), ...Object.keys(stored)])].sort(compareStrings);

  for (const field of all) {
    const path = `credentials.${field}`;
    const inDesired = Object.prototype.hasOwnProperty.call(desired, field);
    const storedFp = Object.prototype.hasOwnProperty.call(stored, field) ? stored[field] : undefined;
    if (!inDesired) {
      fields.push({ path, before: sensitive(true, storedPrefix(field)), after: null });
      continue;
    }
    const st = statusOf(field);
    const unknown = st.unknown === true;
    fingerprints[field] = unknown ? (storedFp ?? null) : st.fingerprint;
    if (row === null) {
      // Create: the contract shape; an unresolved secret is "not known to change".
      fields.push({ path, before: null, after: unknown ? sensitive(null, null, true) : sensitive(true, st.prefix) });
    } else if (storedFp === undefined) {
      fields.push({ path, before: null, after: sensitive(true, unknown ? null : st.prefix, unknown) });
    } else if (unknown) {
      // Whether the stored value changes is not known either: null on both sides.
      unknownFields.push({ path, before: sensitive(null, storedPrefix(field)), after: sensitive(null, null, true) });
    } else if (st.fingerprint === null || st.fingerprint !== storedFp) {
      fields.push({ path, before: sensitive(true, storedPrefix(field)), after: sensitive(true, st.prefix) });
    }
  }

  const changed = fields.length > 0;
  const hasDesired = Object.keys(desired).length > 0;
  // A create writes whatever is declared; an update rewrites the whole set only on a change.
  const writes = row === null ? hasDesired : changed;
  let targets: Record<string, CredentialTarget> | null = null;
  if (writes) {
    targets = {};
    for (const field of Object.keys(desired).sort(compareStrings)) {
      const located = desired[field];
      const st = statusOf(field);
      const t: CredentialTarget = { ref: sortKeysDeep(located.ref), baseDir: located.baseDir, pos: sortKeysDeep(located.pos) };
      if (st.unknown !== true && st.fingerprint !== null) t.fingerprint = st.fingerprint;
      targets[field] = t;
    }
  }
  return { fields, unknownFields, changed, targets, fingerprints };
}
