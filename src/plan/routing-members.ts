// A model's backends and the access grants. A model's `backends` is the complete list: a
// backend of a model this scope manages that the list leaves out is deleted, whoever made it
// (backends have no owner of their own; they follow their model). Grants have their own owner
// (managed_by), like providers: identity (model, subject).
import { subjectIdentity, type ModelBackendSpec, type ModelSpec } from '../domain/routing';
import type { AccessGrantRow, ModelBackendRow, ModelRow } from '../domain/routing-rows';
import { compareStrings } from './canonical';
import { REMOVED, statusAction, takeOverReason, type Ctx } from './context';
import { createFields, diffFlat } from './diff';
import type { RoutingIndex } from './routing-index';
import {
  backendFlat,
  backendRef,
  backendShapeOfSpec,
  backendTarget,
  grantFlat,
  grantOfRow,
  grantOfSpec,
  grantRef,
  grantSubject,
  grantTarget,
} from './routing-shapes';

const ABSENT = Object.freeze({ absent: true as const });

const backendKey = (provider: string, modelId: string): string => `${provider}\u0000${modelId}`;

/** The backends of a declared model: row null when the model is created by this plan. */
export function planBackends(ctx: Ctx, ix: RoutingIndex, m: ModelSpec, row: ModelRow | null): void {
  const current = new Map<string, ModelBackendRow>();
  for (const b of (row && ix.backendsByModelId.get(row.id)) ?? []) {
    // Rows of a provider the files rename are compared under the provider's new name.
    current.set(backendKey(ix.providerRenamedTo.get(b.provider) ?? b.provider, b.providerModel), b);
  }
  const desired = [...m.backends].sort((a, b) => compareStrings(a.provider, b.provider) || compareStrings(a.modelId, b.modelId));
  const seen = new Set<string>();
  for (const b of desired) {
    const key = backendKey(b.provider, b.modelId);
    if (seen.has(key)) continue; // a duplicate: validate reports it
    seen.add(key);
    const r = current.get(key);
    planBackend(ctx, m.name, b, r);
  }
  for (const [key, r] of [...current].sort((a, b) => compareStrings(a[0], b[0]))) {
    if (seen.has(key)) continue;
    ctx.out.routingDeletes.push({
      action: 'delete',
      resource: backendRef(m.name, ix.providerRenamedTo.get(r.provider) ?? r.provider, r.providerModel),
      reason: REMOVED,
      expect: { id: r.id, rowVersion: r.rowVersion },
    });
  }
}

function planBackend(ctx: Ctx, model: string, b: ModelBackendSpec, r: ModelBackendRow | undefined): void {
  const shape = backendShapeOfSpec(b);
  const resource = backendRef(model, b.provider, b.modelId);
  const target = backendTarget(model, b.provider, b.modelId, shape);
  if (r === undefined) {
    ctx.out.changes.push({ action: 'create', resource, fields: createFields(backendFlat(shape)), expect: ABSENT, target });
    return;
  }
  const fields = diffFlat(backendFlat(r), backendFlat(shape));
  if (fields.length === 0) return;
  ctx.out.changes.push({ action: statusAction(r.status, b.status), resource, fields, expect: { id: r.id, rowVersion: r.rowVersion }, target });
}

const grantKey = (model: string, subject: string): string => `${model}\u0000${subject}`;

/**
 * Every declared grant against the rows (a grant of a model the files rename is compared under
 * the new name); then this scope's grants the files no longer declare, unless the plan deletes
 * their model (the database deletes them with it: counted in that delete's cascade).
 */
export function planGrants(ctx: Ctx, ix: RoutingIndex): void {
  const { scope, adopt } = ctx.input;
  const current = new Map<string, AccessGrantRow>();
  for (const rows of ix.grantsByModelId.values()) {
    for (const g of rows) current.set(grantKey(ix.modelRenamedTo.get(g.modelName) ?? g.modelName, subjectIdentity(g.subjectType, g.subject)), g);
  }
  // Subjects computed once per grant, not twice per comparison (5,000 grants: ~60,000 comparisons).
  const desired = (ctx.input.desired.accessGrants ?? [])
    .map((g) => ({ g, subject: grantSubject(g) }))
    .sort((a, b) => compareStrings(a.g.model, b.g.model) || compareStrings(a.subject, b.subject));
  const seen = new Set<string>();
  for (const { g } of desired) {
    const key = grantKey(g.model, subjectIdentity(g.subject.type, g.subject.name));
    if (seen.has(key)) continue; // a duplicate: validate reports it
    seen.add(key);
    const r = current.get(key);
    // `Ana@example.com` in the files is the row `ana@example.com`: the row keeps (and the plan
    // shows) the spelling it has; a new row is written as the files spell it.
    const name = r?.subject ?? g.subject.name;
    const subject = `${g.subject.type}:${name}`;
    const resource = grantRef(g.model, subject);
    const shape = grantOfSpec(g);
    const target = grantTarget(g.model, g.subject.type, name, shape);
    if (r === undefined) {
      ctx.out.changes.push({ action: 'create', resource, fields: createFields(grantFlat(shape)), expect: ABSENT, target });
      continue;
    }
    if (r.managedBy !== scope && !(adopt && r.managedBy === null)) {
      if (r.managedBy === null) {
        ctx.out.warnings.push({
          code: 'unmanaged-grant',
          message: `access grant '${g.model}/${subject}' exists in the database but was not created by cvctl; it is left as it is. Pass --adopt to take it over`,
          resource,
        });
      } else {
        ctx.out.problems.push({
          code: 'owned-by-other-scope',
          message: `access grant '${g.model}/${subject}' is managed by cvctl scope '${r.managedBy}', not '${scope}'; change it from that scope or remove it there first`,
          resource,
          pos: g.pos,
        });
      }
      continue;
    }
    const takeOver = r.managedBy !== scope;
    const fields = diffFlat(grantFlat(grantOfRow(r)), grantFlat(shape));
    if (fields.length === 0 && !takeOver) continue;
    ctx.out.changes.push({
      action: 'update',
      resource,
      fields,
      ...(takeOver ? { adopt: true as const, ...takeOverReason(r.managedBy) } : {}),
      expect: { id: r.id, rowVersion: r.rowVersion },
      target,
    });
  }
  const leftovers = [...current].filter(([key, r]) => r.managedBy === scope && !seen.has(key) && !ix.deletedModels.has(r.modelName));
  for (const [, r] of leftovers.sort((a, b) => compareStrings(a[0], b[0]))) {
    ctx.out.routingDeletes.push({
      action: 'delete',
      resource: grantRef(ix.modelRenamedTo.get(r.modelName) ?? r.modelName, `${r.subjectType}:${r.subject}`),
      reason: REMOVED,
      expect: { id: r.id, rowVersion: r.rowVersion },
    });
  }
}
