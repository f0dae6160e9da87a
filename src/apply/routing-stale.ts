// The stale check of the routing rows a plan touches (models, backends, grants), inside the apply
// transaction, as ./stale-check.ts does for providers: every row the plan changes was recorded
// with its version (xmin) or as absent; it is locked FOR UPDATE and compared. It also resolves
// the ids of the parents the routing changes name by natural key (a backend's model and provider
// model, a grant's model) when the plan does not write them. At most five statements, whatever
// the number of rows (their SQL: src/state/routing-locks.ts).
import type { Queryable } from '../state/database';
import { isChangeOf, type Change, type Plan, type ResourceRef } from '../plan/types';
import { resourceKey } from '../resources/registry';
import type { Versioned } from '../state/row-locks';
import {
  countModelChildren,
  lockBackendRows,
  lockGrantRows,
  lockModels,
  providerModelIds,
  type LockedBackend,
  type LockedFacade,
  type LockedGrant,
} from '../state/routing-locks';
import { describe } from './stale-check';

export type { LockedBackend, LockedFacade, LockedGrant };

export interface LockedRouting {
  models: Map<string, LockedFacade>;
  /** By name, every model the plan names (changed or a parent), as it is now. */
  modelsByName: Map<string, LockedFacade>;
  backends: Map<string, LockedBackend>;
  grants: Map<string, LockedGrant>;
  /** Row ids of parents by resource key (models and provider models the plan names but does not write). */
  parentIds: Map<string, string>;
  stale: string[];
}

const expectedIds = (cs: Change[]): string[] => cs.flatMap((c) => ('id' in c.expect ? [c.expect.id] : []));

function checkVersions<R extends { id: string; v: number | string }>(cs: Change[], byId: Map<string, R>, stale: string[]): void {
  for (const c of cs) {
    if (!('id' in c.expect)) continue;
    const row = byId.get(c.expect.id);
    if (!row) stale.push(`${describe(c)} was deleted since the plan was made`);
    else if (Number(row.v) !== c.expect.rowVersion) stale.push(`${describe(c)} was changed since the plan was made`);
  }
}

export async function checkAndLockRouting(tx: Queryable, plan: Plan, providerRenames: Map<string, string>): Promise<LockedRouting> {
  const out: LockedRouting = { models: new Map(), modelsByName: new Map(), backends: new Map(), grants: new Map(), parentIds: new Map(), stale: [] };
  const modelChanges = plan.changes.filter((c) => isChangeOf(c, 'model'));
  const backendChanges = plan.changes.filter((c) => isChangeOf(c, 'modelBackend'));
  const grantChanges = plan.changes.filter((c) => isChangeOf(c, 'accessGrant'));
  if (modelChanges.length + backendChanges.length + grantChanges.length === 0) return out;
  const written = new Map(plan.changes.map((c) => [resourceKey(c.resource), c] as const));
  const stale = out.stale;

  // 1. Models: the changed ones by id, and by name those created (absent?), renamed (new name free?) or named as parents.
  const names = new Set<string>();
  for (const c of modelChanges) names.add((c.resource as ResourceRef<'model'>).name);
  for (const c of [...backendChanges, ...grantChanges]) names.add((c.resource as { model: string }).model);
  const mrows = await lockModels(tx, expectedIds(modelChanges), [...names]);
  const mById = new Map(mrows.map((r) => [r.id, r]));
  for (const r of mrows) {
    out.models.set(r.id, r);
    out.modelsByName.set(r.name, r);
  }
  checkVersions(modelChanges, mById, stale);
  for (const c of modelChanges) {
    const name = (c.resource as ResourceRef<'model'>).name;
    const taken = out.modelsByName.get(name);
    if ('absent' in c.expect && taken) stale.push(`${describe(c)} was created in the database since the plan was made`);
    else if ('id' in c.expect && c.renamedFrom !== undefined && taken && taken.id !== c.expect.id) {
      stale.push(`a model named '${name}' was created in the database since the plan was made`);
    }
  }
  for (const name of names) {
    const key = resourceKey({ type: 'model', name });
    const row = out.modelsByName.get(name);
    if (!written.has(key) && row) out.parentIds.set(key, row.id);
  }

  // 2. Provider models named by backends the plan writes without writing them (under their provider's
  // current name: a provider the plan renames is still under its earlier name).
  const earlier = new Map([...providerRenames].map(([from, to]) => [to, from]));
  const pmRefs = new Map<string, { provider: string; name: string }>();
  for (const c of backendChanges) {
    const r = c.resource as ResourceRef<'modelBackend'>;
    const parent = resourceKey({ type: 'providerModel', provider: r.provider, name: r.name });
    if (!written.has(parent)) pmRefs.set(parent, { provider: r.provider, name: r.name });
  }
  if (pmRefs.size > 0) {
    const refs = [...pmRefs.values()];
    const pms = await providerModelIds(tx, refs.map((r) => earlier.get(r.provider) ?? r.provider), refs.map((r) => r.name));
    for (const r of pms) {
      out.parentIds.set(resourceKey({ type: 'providerModel', provider: providerRenames.get(r.provider) ?? r.provider, name: r.modelId }), r.id);
    }
  }
  await lockBackends(tx, out, backendChanges, written);
  await lockGrants(tx, out, grantChanges, written);
  if (stale.length === 0) stale.push(...(await modelCascades(tx, modelChanges)));
  return out;
}

/** The id of a parent row: written by the plan (a create's id is assigned later: null), or as read now. */
function parentId(out: LockedRouting, written: Map<string, Change>, ref: ResourceRef): string | null | undefined {
  const c = written.get(resourceKey(ref));
  if (c !== undefined) return 'id' in c.expect ? c.expect.id : null;
  return out.parentIds.get(resourceKey(ref));
}

async function lockBackends(tx: Queryable, out: LockedRouting, changes: Change[], written: Map<string, Change>): Promise<void> {
  if (changes.length === 0) return;
  // Creates under existing parents: is the pair taken now?
  const pairs: Array<[string, string, Change]> = [];
  for (const c of changes) {
    if (!('absent' in c.expect)) continue;
    const r = c.resource as ResourceRef<'modelBackend'>;
    const m = parentId(out, written, { type: 'model', name: r.model });
    const pm = parentId(out, written, { type: 'providerModel', provider: r.provider, name: r.name });
    if (m && pm) pairs.push([m, pm, c]);
  }
  const rows = await lockBackendRows(tx, expectedIds(changes), pairs.map((p) => p[0]), pairs.map((p) => p[1]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const r of rows) out.backends.set(r.id, r);
  checkVersions(changes, byId, out.stale);
  const taken = new Set(rows.map((r) => `${r.modelId}\u0000${r.providerModelId}`));
  for (const [m, pm, c] of pairs) if (taken.has(`${m}\u0000${pm}`)) out.stale.push(`${describe(c)} was created in the database since the plan was made`);
}

async function lockGrants(tx: Queryable, out: LockedRouting, changes: Change[], written: Map<string, Change>): Promise<void> {
  if (changes.length === 0) return;
  const keys: Array<[string, string, string, Change]> = [];
  for (const c of changes) {
    if (!('absent' in c.expect)) continue;
    const r = c.resource as ResourceRef<'accessGrant'>;
    const m = parentId(out, written, { type: 'model', name: r.model });
    const i = r.subject.indexOf(':');
    if (m) keys.push([m, r.subject.slice(0, i), r.subject.slice(i + 1), c]);
  }
  const rows = await lockGrantRows(tx, expectedIds(changes), keys.map((k) => k[0]), keys.map((k) => k[1]), keys.map((k) => k[2]));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const r of rows) out.grants.set(r.id, r);
  checkVersions(changes, byId, out.stale);
  const taken = new Set(rows.map((r) => `${r.modelId}\u0000${r.subjectType}\u0000${r.subject}`));
  for (const [m, t, s, c] of keys) if (taken.has(`${m}\u0000${t}\u0000${s}`)) out.stale.push(`${describe(c)} was created in the database since the plan was made`);
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * A model's delete takes its backends and grants (ON DELETE CASCADE): counted again now. The
 * model rows are locked FOR UPDATE, so no new child can reference them until this transaction ends.
 */
async function modelCascades(tx: Queryable, modelChanges: Change[]): Promise<string[]> {
  const deletes = modelChanges.filter((c) => c.action === 'delete' && 'id' in c.expect && c.cascade);
  if (deletes.length === 0) return [];
  const now = await countModelChildren(tx, expectedIds(deletes));
  const out: string[] = [];
  for (const c of deletes) {
    const n = now.get((c.expect as { id: string }).id) ?? { backends: 0, grants: 0 };
    const planned = c.cascade!;
    if (n.backends !== planned.modelBackends) out.push(`${describe(c)} now has ${plural(n.backends, 'model backend')}; the plan deletes ${planned.modelBackends} with it`);
    else if (n.grants !== (planned.accessGrants ?? 0)) out.push(`${describe(c)} now has ${plural(n.grants, 'access grant')}; the plan deletes ${planned.accessGrants ?? 0} with it`);
  }
  return out;
}
