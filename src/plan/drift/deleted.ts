// A row the files declare and the database lacks: never applied (pending), or applied and
// deleted outside cvctl since (drift; conflict when the files changed it too).
//
// The last-applied record of a managed row lives in the row itself, so it is gone with the
// row. Migration 2 keeps it: a delete trigger on providers and provider_models copies a
// managed row's last_applied into cvctl_deleted_rows when something other than cvctl deletes
// it (a provider's delete also records its models, which the cascade takes with it); cvctl's
// own deletes forget the entry instead. Here that record is the third side of the comparison:
// the files against what the last apply wrote, the database side being "no row".
import type { FieldChange } from '../types';
import { deepEqual, sortKeysDeep } from '../canonical';
import { modelFlat, providerFlat, type ModelShape, type ProviderShape } from '../shapes';
import type { FlatMap } from '../diff';
import type { DriftChange, DriftField, DriftLabel, ProviderSideChange } from './types';

/** One row of cvctl_deleted_rows (of this scope). */
export interface DeletedRow {
  resourceType: 'provider' | 'providerModel';
  provider: string;
  /** '' for a provider. */
  modelId: string;
  rowId: string;
  managedBy: string;
  lastApplied: Record<string, unknown> | null;
  deletedAt: string;
}

export const deletedKey = (provider: string, modelId = ''): string => `${provider}\u0000${modelId}`;

export const NOT_APPLIED = 'in the files, not in the database';
export const DELETED = 'deleted in the database since the last apply';
export const DELETED_AND_CHANGED = 'deleted in the database since the last apply, and changed in the files since';
export const DELETED_UNKNOWN = 'deleted in the database; the last apply did not record enough to tell what the files changed';

/**
 * Labels a create (a row in the files, not in the database). `fingerprints`: the files'
 * credentials fingerprinted with the deleted row's id (the key the last apply's fingerprints use).
 */
export function labelCreate(
  c: ProviderSideChange,
  deleted: DeletedRow | undefined,
  fingerprints: Record<string, string | null> | undefined,
): DriftChange {
  const head = { action: c.action, resource: c.resource, ...(c.cascade !== undefined ? { cascade: c.cascade } : {}) };
  if (deleted === undefined) return { ...head, drift: 'pending', fields: c.fields ?? [], reason: NOT_APPLIED };
  const last = deleted.lastApplied;
  if (last === null) {
    return { ...head, drift: 'conflict', fields: (c.fields ?? []).map((f) => ({ ...f, drift: 'conflict' as const })), reason: DELETED_UNKNOWN };
  }
  const lastFlat: FlatMap = c.resource.type === 'provider' ? providerFlat(last as unknown as ProviderShape) : modelFlat(last as unknown as ModelShape);
  const lastCreds = (last.credentials ?? {}) as Record<string, unknown>;
  const fields: DriftField[] = [];
  const seen = new Set<string>(['name']);
  let changedInFiles = false;
  for (const f of c.fields ?? []) {
    seen.add(f.path);
    if (f.path === 'name') {
      fields.push(f);
      continue;
    }
    const field = f.path.startsWith('credentials.')
      ? credentialField(f, lastCreds, fingerprints)
      : valueField(f, lastFlat.has(f.path) ? lastFlat.get(f.path) : null);
    if (field.drift !== 'drift') changedInFiles = true;
    fields.push(field);
  }
  // Set by the last apply, not in the files any more (a removed label, a credential field).
  for (const [path, v] of lastFlat) if (!seen.has(path) && v !== null && v !== undefined) changedInFiles = true;
  for (const k of Object.keys(lastCreds)) if (!seen.has(`credentials.${k}`)) changedInFiles = true;
  const drift: DriftLabel = changedInFiles ? 'conflict' : 'drift';
  return { ...head, drift, fields, reason: changedInFiles ? DELETED_AND_CHANGED : DELETED };
}

function valueField(f: FieldChange, last: unknown): DriftField {
  const same = deepEqual(f.after, last ?? null);
  return {
    path: f.path,
    drift: same ? 'drift' : 'conflict',
    before: f.before,
    after: f.after,
    ...(same ? {} : { lastApplied: sortKeysDeep(last ?? null) }),
  };
}

/** Credentials compare by keyed fingerprint only; not knowable is a conflict (see label.ts). */
function credentialField(f: FieldChange, lastCreds: Record<string, unknown>, fingerprints: Record<string, string | null> | undefined): DriftField {
  const field = f.path.slice('credentials.'.length);
  const last = lastCreds[field];
  const files = fingerprints?.[field];
  const same = typeof last === 'string' && typeof files === 'string' && last === files;
  return { path: f.path, drift: same ? 'drift' : 'conflict', before: f.before, after: f.after };
}
