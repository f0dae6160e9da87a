// The 3-way comparison behind every drift label: files (desired), database (current row) and
// the last-applied record. Only fields where the files and the database differ are labelled;
// the last apply says which side moved.
import { deepEqual } from '../canonical';
import type { DriftLabel } from './types';

/** true / false when known; null when the last apply did not record enough to tell. */
export type Known = boolean | null;

/**
 * The label of one difference (files ≠ database), from how each side compares with the last
 * apply. Anything not provable is a conflict: it is the label that asks a human to look, and
 * calling it drift or pending could make someone revert the wrong side.
 */
export function labelOf(filesEqLastApplied: Known, dbEqLastApplied: Known): DriftLabel {
  if (filesEqLastApplied === true) return 'drift';
  if (dbEqLastApplied === true) return 'pending';
  return 'conflict';
}

/** A plain field: the last-applied value is `undefined` when there is no record at all. */
export function labelValues(files: unknown, db: unknown, lastApplied: unknown): DriftLabel {
  if (lastApplied === undefined) return labelOf(null, null);
  return labelOf(deepEqual(files, lastApplied), deepEqual(db, lastApplied));
}

/**
 * One side of a credential comparison. Credentials are compared by keyed fingerprint only:
 * `absent` (no such field), a known fingerprint, `present` (the field exists, its fingerprint
 * is not known), or `unknown` (nothing is known, e.g. no last-applied record at all).
 */
export type CredentialSide =
  | { kind: 'absent' }
  | { kind: 'fp'; fp: string }
  | { kind: 'present' }
  | { kind: 'unknown' };

export const ABSENT: CredentialSide = { kind: 'absent' };
export const PRESENT: CredentialSide = { kind: 'present' };
export const UNKNOWN: CredentialSide = { kind: 'unknown' };
export const fpSide = (fp: string): CredentialSide => ({ kind: 'fp', fp });

export function sameCredential(a: CredentialSide, b: CredentialSide): Known {
  if (a.kind === 'unknown' || b.kind === 'unknown') return null;
  // Present and absent differ whatever the fingerprints.
  if (a.kind === 'absent' || b.kind === 'absent') return a.kind === b.kind;
  if (a.kind === 'present' || b.kind === 'present') return null;
  return a.fp === b.fp;
}

/** Label of a credential field, or null when files and database do not provably differ. */
export function labelCredential(files: CredentialSide, db: CredentialSide, lastApplied: CredentialSide): DriftLabel | null {
  if (sameCredential(files, db) !== false) return null;
  return labelOf(sameCredential(files, lastApplied), sameCredential(db, lastApplied));
}

/**
 * What the last apply recorded for a credential field. A create records no fingerprint (the
 * row id it is keyed on did not exist yet), so `null` means "written, fingerprint unknown".
 * When the database's credential was not rewritten since that apply (credential_updated_at
 * ≤ last_applied_at), what is stored now is what the apply wrote: use it.
 */
export function lastAppliedCredential(
  record: Record<string, unknown> | null,
  field: string,
  db: CredentialSide,
  credentialUpdatedAt: string | null,
  lastAppliedAt: string | null,
): CredentialSide {
  const creds = record?.credentials;
  if (record === null || typeof creds !== 'object' || creds === null) return UNKNOWN;
  if (!Object.prototype.hasOwnProperty.call(creds, field)) return ABSENT;
  const v = (creds as Record<string, unknown>)[field];
  if (typeof v === 'string') return fpSide(v);
  const unchangedSince =
    credentialUpdatedAt !== null && lastAppliedAt !== null && Date.parse(credentialUpdatedAt) <= Date.parse(lastAppliedAt);
  return unchangedSince ? db : PRESENT;
}
