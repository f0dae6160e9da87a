// The guards of ./plan-guards.ts for models, backends and grants, against the rows as they are
// now (locked by ./routing-stale.ts): a protected model is never deleted; a row is changed only
// by the scope that manages it, or adopted (`adopt: true`) when no scope does; a backend belongs
// to its model (it is written only on a model this scope manages, creates or adopts in the same
// plan); and an update writes exactly the fields it shows.
import { diffFlat } from '../plan/diff';
import { differingPaths, inconsistent, plainFields } from '../plan/consistency';
import { backendFlat, facadeFlat, facadeOfRow, grantFlat, grantOfRow, type FacadeShape } from '../plan/routing-shapes';
import { isChangeOf, type Change, type FieldChange, type Plan } from '../plan/types';
import { checkOwner, guard } from './plan-guards';
import type { LockedRouting } from './routing-stale';

function list(paths: string[]): string {
  return paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` (and ${paths.length - 5} more)` : '');
}

function writesWhatItShows(c: Change, expected: FieldChange[]): void {
  const diff = differingPaths(plainFields(c), expected);
  if (diff.length > 0) throw inconsistent(c, `writes other values than it shows (${list(diff)})`);
}

export function checkRoutingGuards(plan: Plan, rows: LockedRouting): void {
  const scope = plan.scope;
  // Models this plan creates, or takes over (adopt), by name: their backends are this scope's to write.
  const claimedModels = new Set<string>();
  // The model's name in the database, by the name the plan gives it (a rename not applied yet).
  const earlierName = new Map<string, string>();
  for (const c of plan.changes) {
    if (!isChangeOf(c, 'model') || c.action === 'delete') continue;
    if (c.action === 'create' || c.adopt === true) claimedModels.add(c.resource.name);
    if (c.renamedFrom !== undefined) earlierName.set(c.resource.name, c.renamedFrom);
  }
  const renamedAdopted = new Set(plan.changes.flatMap((c) => (isChangeOf(c, 'model') && c.adopt === true && c.renamedFrom !== undefined ? [c.resource.name] : [])));
  const dbName = (model: string): string => earlierName.get(model) ?? model;

  for (const c of plan.changes) {
    if (isChangeOf(c, 'model')) {
      if (!('id' in c.expect)) continue; // creates: checked without the database
      const row = rows.models.get(c.expect.id);
      if (!row) continue; // the stale check refused a vanished row already
      if (row.name !== c.resource.name && row.name !== c.renamedFrom) throw inconsistent(c, `is row '${row.name}' in the database`);
      if (c.action === 'delete' && row.protected) throw guard(c, 'is protected: the plan deletes it, and cvctl never deletes a protected model');
      checkOwner(c, row.managedBy, scope, renamedAdopted.has(c.resource.name));
      if (c.action === 'delete') continue;
      const t = c.target;
      writesWhatItShows(c, diffFlat(facadeFlat(facadeOfRow(row), row.name), facadeFlat(t as unknown as FacadeShape, t.name)));
    } else if (isChangeOf(c, 'modelBackend')) {
      const r = c.resource;
      const model = rows.modelsByName.get(dbName(r.model));
      // A backend is written only on a model this scope manages, or creates or adopts in this plan.
      if (!claimedModels.has(r.model) && model !== undefined && model.managedBy !== scope) {
        const owner = model.managedBy === null ? 'was not created by cvctl' : `is managed by cvctl scope '${model.managedBy}', not '${scope}'`;
        throw guard(c, `belongs to model '${model.name}', which ${owner}, and the plan does not adopt the model`);
      }
      if (!('id' in c.expect)) continue;
      const row = rows.backends.get(c.expect.id);
      if (!row) continue;
      if (row.model !== dbName(r.model) || row.providerModel !== r.name) throw inconsistent(c, `is row '${row.model}: ${row.provider}/${row.providerModel}' in the database`);
      if (c.action === 'delete') continue;
      writesWhatItShows(c, diffFlat(backendFlat(row), backendFlat(c.target)));
    } else if (isChangeOf(c, 'accessGrant')) {
      if (!('id' in c.expect)) continue;
      const row = rows.grants.get(c.expect.id);
      if (!row) continue;
      if (row.model !== dbName(c.resource.model) || `${row.subjectType}:${row.subject}` !== c.resource.subject) {
        throw inconsistent(c, `is row '${row.model}/${row.subjectType}:${row.subject}' in the database`);
      }
      checkOwner(c, row.managedBy, scope);
      if (c.action === 'delete') continue;
      writesWhatItShows(c, diffFlat(grantFlat(grantOfRow(row)), grantFlat(c.target)));
    }
  }
}
