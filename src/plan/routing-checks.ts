// The plan-time half of the routing checks (issue 15): the files' references that validate could
// not check without the database (src/config/routing-refs.ts checkDeferredReferences), checked
// against the database AS THE PLAN LEAVES IT: a provider the plan deletes or disables, a model it
// deletes or renames away, no longer serve. And a model of this scope the plan keeps active
// although the files no longer declare it (protected) must keep an active backend too. Pure.
import { checkDeferredReferences, deferredReferences, type DatabaseProviderModel, type ReferenceLookup } from '../config/routing-refs';
import type { Diagnostic } from '../config/diagnostics';
import type { ProviderStatus } from '../domain/kinds';
import type { ModelRow } from '../domain/routing-rows';
import { isChangeOf, type Change } from './types';
import type { PlanInput, PlanProblem } from './context';
import type { RoutingIndex } from './routing-index';
import { modelRef } from './routing-shapes';

interface ProviderAfter {
  deleted: boolean;
  status: ProviderStatus;
}

/**
 * What the plan does to each database provider and provider model (by name), for the lookup.
 * Only changes under a provider name the database has: the lookup asks about database rows only,
 * so the others (a first apply's 100,000 creates) need no entry.
 */
function effects(changes: readonly Change[], dbProviders: ReadonlySet<string>): { providers: Map<string, ProviderAfter>; models: Map<string, ProviderAfter> } {
  const providers = new Map<string, ProviderAfter>();
  const models = new Map<string, ProviderAfter>();
  for (const c of changes) {
    if (isChangeOf(c, 'provider')) {
      const name = c.renamedFrom ?? c.resource.name;
      if (!dbProviders.has(name)) continue;
      providers.set(name, c.action === 'delete' ? { deleted: true, status: 'disabled' } : { deleted: false, status: c.target.status });
    } else if (isChangeOf(c, 'providerModel')) {
      if (!dbProviders.has(c.resource.provider)) continue;
      const key = `${c.resource.provider}\u0000${c.resource.name}`;
      models.set(key, c.action === 'delete' ? { deleted: true, status: 'disabled' } : { deleted: false, status: c.target.status });
    }
  }
  return { providers, models };
}

export function referenceLookup(input: PlanInput, ix: RoutingIndex, changes: readonly Change[]): ReferenceLookup {
  const fx = effects(changes, new Set(input.current.providers.map((p) => p.name)));
  const providerById = new Map(input.current.providers.map((p) => [p.id, p]));
  const pmByKey = new Map<string, DatabaseProviderModel & { providerName: string }>();
  for (const pm of input.current.providerModels) {
    const p = providerById.get(pm.providerId);
    if (p === undefined || ix.providerRenamedTo.has(p.name)) continue; // renamed away: not under this name after the plan
    const pAfter = fx.providers.get(p.name);
    const mAfter = fx.models.get(`${p.name}\u0000${pm.modelId}`);
    pmByKey.set(`${p.name}\u0000${pm.modelId}`, {
      providerName: p.name,
      kind: pm.kind,
      status: mAfter?.status ?? pm.status,
      providerStatus: pAfter?.status ?? p.status,
      deleted: (pAfter?.deleted ?? false) || (mAfter?.deleted ?? false),
      ...(pAfter?.deleted ? { deletedBy: `provider '${p.name}' is removed from the files, and deleting it deletes its provider models` } : {}),
    });
  }
  return {
    providerModel: (provider, modelId) => pmByKey.get(`${provider}\u0000${modelId}`),
    hasModel: (name) => ix.models.has(name) && !ix.deletedModels.has(name) && !ix.modelRenamedTo.has(name),
  };
}

/** Diagnostics of the declared models and grants the plan writes, against the database after the plan. */
export function checkRouting(input: PlanInput, ix: RoutingIndex, changes: readonly Change[]): Diagnostic[] {
  const models = (input.desired.models ?? []).filter((m) => !ix.skippedModels.has(m.name));
  if (models.length === 0 && (input.desired.accessGrants ?? []).length === 0) return [];
  const desired = { ...input.desired, models };
  // Nothing deferred (every backend's provider and every grant's model is in the files):
  // checkDeferredReferences would find nothing, so neither it nor the lookup is built.
  const deferred = deferredReferences(desired);
  if (deferred.backends.length === 0 && deferred.grants.length === 0) return [];
  return checkDeferredReferences(desired, referenceLookup(input, ix, changes));
}

/**
 * Models of this scope the plan keeps active without declaring them (protected) whose every
 * backend the plan breaks (its provider or provider model deleted or disabled): refused, as a
 * declared model would be. Models made in the console only get the cascade's warning.
 */
export function keptModelsWithoutBackends(input: PlanInput, ix: RoutingIndex, changes: readonly Change[]): PlanProblem[] {
  if (ix.keptRemoved.length === 0) return [];
  const lookup = referenceLookup(input, ix, changes);
  const out: PlanProblem[] = [];
  for (const row of ix.keptRemoved) {
    if (row.status !== 'active' || !servedBefore(ix, row)) continue;
    const serving = (ix.backendsByModelId.get(row.id) ?? []).filter((b) => {
      if (b.status !== 'active') return false;
      const pm = lookup.providerModel(b.provider, b.providerModel);
      return pm !== undefined && !pm.deleted && pm.status === 'active' && pm.providerStatus === 'active';
    });
    if (serving.length > 0) continue;
    out.push({
      code: 'model-without-active-backend',
      message: `model '${row.name}' is protected and stays active, but this plan leaves it no active backend; keep a provider model it routes to, or disable or delete the model first`,
      resource: modelRef(row.name),
    });
  }
  return out;
}

/** Whether the model had an active backend before the plan (a model already broken is not the plan's doing). */
function servedBefore(ix: RoutingIndex, row: ModelRow): boolean {
  return (ix.backendsByModelId.get(row.id) ?? []).some((b) => b.status === 'active' && b.providerModelStatus === 'active' && b.providerStatus === 'active');
}
