// Drift of models, backends and grants (CONTRACT.md sections 4 and 5): each difference the
// planner finds between the files and the database, labelled with what cvctl last applied.
// A model's last-applied record holds its fields and the list of its backends as written
// (src/apply/convert-routing.ts recordBackends); a grant's, its limits and expiry; a managed
// model or grant deleted outside cvctl keeps its record in cvctl_deleted_routing_rows
// (migration 4). So, for a model the scope manages:
//
//   console edits a backend's weight      files = last, database differs  → drift
//   console removes a backend             files = last, no row            → drift
//   console adds a backend                files = last (without it)       → drift
//   files and console both change a value                                 → conflict
//   console deletes the model (or grant)  recorded as deleted             → drift
//   console adds a grant nobody declares  no scope manages it             → unmanaged
import type { AccessGrantRow, ModelRow, RoutingState } from '../../domain/routing-rows';
import { subjectIdentity } from '../../domain/routing';
import { deepEqual, isPlainObject, sortKeysDeep } from '../canonical';
import type { FlatMap } from '../diff';
import { facadeFlat, grantFlat, type FacadeShape, type GrantShape } from '../routing-shapes';
import type { Change, FieldChange } from '../types';
import { DELETED, DELETED_AND_CHANGED, NOT_APPLIED } from './deleted';
import { labelValues } from './label';
import { changeHead, combineLabels, type DriftChange, type DriftField, type DriftLabel } from './types';

/** One row of cvctl_deleted_routing_rows (of this scope). */
export interface DeletedRoutingRow {
  resourceType: 'model' | 'accessGrant';
  model: string;
  /** '' for a model; `group:NAME` or `user:EMAIL` for a grant. */
  member: string;
  lastApplied: Record<string, unknown> | null;
}

export type RoutingChange = Extract<Change, { resource: { type: 'model' | 'modelBackend' | 'accessGrant' } }>;
export const isRoutingChange = (c: Change): c is RoutingChange =>
  c.resource.type === 'model' || c.resource.type === 'modelBackend' || c.resource.type === 'accessGrant';

interface RoutingIx {
  models: Map<string, ModelRow>;
  grants: Map<string, AccessGrantRow>;
  deleted: Map<string, DeletedRoutingRow>;
  /** Renames the files make that are not applied yet: new name -> the row's current name. */
  renamedFrom: Map<string, string>;
}

const grantKey = (model: string, type: string, subject: string): string => `${model}\u0000${subjectIdentity(type as 'user' | 'group', subject)}`;
const splitSubject = (s: string): [string, string] => {
  const i = s.indexOf(':');
  return [s.slice(0, i), s.slice(i + 1)];
};

export function routingIndex(routing: RoutingState | undefined, deleted: DeletedRoutingRow[], changes: readonly Change[]): RoutingIx {
  const renamedFrom = new Map<string, string>();
  for (const c of changes) if (c.resource.type === 'model' && c.renamedFrom !== undefined) renamedFrom.set(c.resource.name, c.renamedFrom);
  return {
    models: new Map((routing?.models ?? []).map((m) => [m.name, m])),
    grants: new Map((routing?.grants ?? []).map((g) => [grantKey(g.modelName, g.subjectType, g.subject), g])),
    deleted: new Map(deleted.map((d) => [`${d.resourceType}\u0000${d.model}\u0000${d.member}`, d])),
    renamedFrom,
  };
}

const head = changeHead;

/** Each field labelled against the last-applied record (flattened as the plan's paths are). */
function labelFields(c: RoutingChange, last: FlatMap | null): DriftChange | null {
  const fields: DriftField[] = (c.fields ?? []).map((f: FieldChange) => {
    const l = last === null ? undefined : last.has(f.path) ? last.get(f.path) : null;
    return { ...f, drift: labelValues(f.after, f.before, l), ...(l !== undefined ? { lastApplied: sortKeysDeep(l) } : {}) };
  });
  if (fields.length === 0) return null;
  return { ...head(c), drift: combineLabels(fields.map((f) => f.drift ?? 'conflict')), fields };
}

/** The backend as the model's last-applied record lists it: undefined when the record lists none (unknown). */
function lastBackend(record: Record<string, unknown> | null | undefined, provider: string, providerModel: string): Record<string, unknown> | null | undefined {
  const list = record?.backends;
  if (!Array.isArray(list)) return undefined;
  const ref = `${provider}/${providerModel}`;
  const b = list.find((x): x is Record<string, unknown> => isPlainObject(x) && x.providerModel === ref);
  return b === undefined ? null : { priority: b.priority, weight: b.weight, status: b.status };
}

/** A backend: its values in the files, the database and the last apply compared whole (null: no such backend). */
function labelBackend(ix: RoutingIx, c: Extract<RoutingChange, { resource: { type: 'modelBackend' } }>): DriftChange {
  const r = c.resource;
  const model = ix.models.get(ix.renamedFrom.get(r.model) ?? r.model);
  // A model deleted outside cvctl: its backends as its last apply recorded them.
  const deleted = ix.deleted.get(`model\u0000${r.model}\u0000`);
  // A model in neither the database nor the deleted rows was never applied: its backends are
  // pending like the model itself (not a conflict for want of a record).
  if (model === undefined && deleted === undefined && c.action === 'create') return { ...head(c), drift: 'pending', ...(c.fields ? { fields: c.fields } : {}), reason: NOT_APPLIED };
  const record = model !== undefined ? model.lastApplied : deleted?.lastApplied;
  const last = lastBackend(record, r.provider, r.name);
  const values = (fs: FieldChange[], side: 'before' | 'after'): Record<string, unknown> => Object.fromEntries(fs.map((f) => [f.path, f[side]]));
  if (c.action === 'create' || c.action === 'delete') {
    const present = c.action === 'create' ? 'files' : 'database';
    const value = c.action === 'create' ? values(c.fields ?? [], 'after') : undefined;
    // The side that has the backend, against the record: `last` null means the apply did not write it.
    let label: DriftLabel;
    if (last === undefined) label = 'conflict';
    else if (last === null) label = present === 'files' ? 'pending' : 'drift';
    else if (present === 'files') label = deepEqual(pick(value!), last) ? 'drift' : 'conflict';
    else label = 'pending';
    const why = label === 'drift' ? (present === 'files' ? DELETED : 'added in the database since the last apply') : undefined;
    return { ...head(c), drift: label, ...(c.fields ? { fields: c.fields } : {}), ...(why !== undefined ? { reason: why } : {}) };
  }
  const flat: FlatMap | null = last === undefined ? null : new Map(Object.entries(last ?? {}));
  return labelFields(c, flat) ?? { ...head(c), drift: 'conflict' };
}

const pick = (v: Record<string, unknown>): Record<string, unknown> => ({ priority: v.priority, weight: v.weight, status: v.status });

/** A model or grant the files declare and the database lacks: never applied, or deleted outside cvctl. */
function labelCreate(c: RoutingChange, deleted: DeletedRoutingRow | undefined, flatten: (r: Record<string, unknown>) => FlatMap): DriftChange {
  if (deleted === undefined) return { ...head(c), drift: 'pending', fields: c.fields ?? [], reason: NOT_APPLIED };
  if (deleted.lastApplied === null) return { ...head(c), drift: 'conflict', fields: c.fields ?? [], reason: DELETED };
  const last = flatten(deleted.lastApplied);
  const changed = (c.fields ?? []).some((f) => f.path !== 'name' && last.has(f.path) && !deepEqual(last.get(f.path), f.after));
  return { ...head(c), drift: changed ? 'conflict' : 'drift', fields: c.fields ?? [], reason: changed ? DELETED_AND_CHANGED : DELETED };
}

const modelFlatOf = (r: Record<string, unknown>): FlatMap => facadeFlat(r as unknown as FacadeShape, typeof r.name === 'string' ? r.name : undefined);
const grantFlatOf = (r: Record<string, unknown>): FlatMap => grantFlat(r as unknown as GrantShape);

/** A planned routing change → a labelled difference, or null when nothing provably differs. */
export function labelRouting(ix: RoutingIx, c: RoutingChange): DriftChange | null {
  if (c.adopt) return { ...head(c), drift: 'unmanaged', fields: c.fields ?? [], adopt: true, reason: 'made outside cvctl; declared in the files: `cvctl plan --adopt` takes it over' };
  if (c.resource.type === 'modelBackend') return labelBackend(ix, c as Extract<RoutingChange, { resource: { type: 'modelBackend' } }>);
  if (c.action === 'delete') return { ...head(c), drift: 'pending' };
  if (c.resource.type === 'model') {
    if (c.action === 'create') return labelCreate(c, ix.deleted.get(`model\u0000${c.resource.name}\u0000`), modelFlatOf);
    const row = ix.models.get(c.renamedFrom ?? c.resource.name);
    return labelFields(c, row?.lastApplied ? modelFlatOf(row.lastApplied) : null);
  }
  const r = c.resource as { model: string; subject: string };
  const [type, subject] = splitSubject(r.subject);
  const key = grantKey(r.model, type, subject);
  if (c.action === 'create') {
    const d = [...ix.deleted.values()].find((x) => x.resourceType === 'accessGrant' && grantKey(x.model, ...splitSubject(x.member)) === key);
    return labelCreate(c, d, grantFlatOf);
  }
  const row = ix.grants.get(grantKey(ix.renamedFrom.get(r.model) ?? r.model, type, subject));
  return labelFields(c, row?.lastApplied ? grantFlatOf(row.lastApplied) : null);
}

/**
 * Models and grants no scope manages that the files do not declare (declared ones came as adopt
 * updates). As for provider models (reported on providers the scope manages), a console grant is
 * reported on a model this scope manages; console models, and grants on them, only when the
 * files declare models at all: a scope that manages providers alone has not taken on the
 * request path, and its drift must not fail on every model the console has always held.
 */
export function unmanagedRouting(
  routing: RoutingState | undefined,
  scope: string,
  declaredModels: Set<string>,
  declaredGrants: Set<string>,
): DriftChange[] {
  const out: DriftChange[] = [];
  const modelsToo = declaredModels.size > 0;
  const managed = new Set((routing?.models ?? []).filter((m) => m.managedBy === scope).map((m) => m.name));
  for (const m of routing?.models ?? []) {
    if (!modelsToo || m.managedBy !== null || declaredModels.has(m.name)) continue;
    out.push({ action: 'none', resource: { type: 'model', name: m.name }, drift: 'unmanaged', reason: 'made outside cvctl, not in the files' });
  }
  const consoleMade = new Set((routing?.models ?? []).filter((m) => m.managedBy === null).map((m) => m.name));
  for (const g of routing?.grants ?? []) {
    if (g.managedBy !== null || declaredGrants.has(grantKey(g.modelName, g.subjectType, g.subject))) continue;
    if (!managed.has(g.modelName) && !(modelsToo && consoleMade.has(g.modelName))) continue;
    out.push({
      action: 'none',
      resource: { type: 'accessGrant', model: g.modelName, subject: `${g.subjectType}:${g.subject}` },
      drift: 'unmanaged',
      reason: 'made outside cvctl, not in the files',
    });
  }
  return out;
}

export const declaredGrantKey = grantKey;
