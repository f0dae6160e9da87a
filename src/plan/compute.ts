// The planner: desired state (files) × current state (database) → Plan. Pure: no I/O, no
// clock (input.now), no randomness. The result does not depend on the order of any input
// list: everything is indexed by name/id and emitted in one fixed order (see orderChanges).
import type { ProviderModelRow, ProviderRow } from '../domain/rows';
import { applyCascades, type PendingDelete } from './cascade';
import { compareStrings } from './canonical';
import type { Buckets, Ctx, PlanInput, PlanProblem } from './context';
import { planDesiredProvider, planProviderRemoval } from './providers';
import { matchRenamed, rowsOfMatch } from './rename';
import { planDigest } from './serialize';
import { ACTIONS, PLAN_FORMAT_VERSION, type Change, type Plan, type Summary } from './types';

export type { CredentialStatus, PlanInput, PlanProblem } from './context';
export type { CredentialFieldStatus } from './credentials';
export { lastAppliedOfModel, lastAppliedOfProvider } from './shapes';

export function computePlan(input: PlanInput): { plan: Plan; problems: PlanProblem[] } {
  const rowsByName = new Map<string, ProviderRow>();
  for (const r of input.current.providers) rowsByName.set(r.name, r);
  const modelsByProviderId = new Map<string, ProviderModelRow[]>();
  for (const m of input.current.providerModels) {
    const list = modelsByProviderId.get(m.providerId) ?? [];
    list.push(m);
    modelsByProviderId.set(m.providerId, list);
  }
  const out: Buckets = { providers: [], models: [], modelDeletes: [], providerDeletes: [], warnings: [], problems: [] };
  const ctx: Ctx = { input, modelsByProviderId, out };

  const desired = [...input.desired.providers].sort((a, b) => compareStrings(a.spec.name, b.spec.name));
  // Rows a declared provider stands for (its own, or one it renames), or is refused over: never removed.
  const claimed = new Set<string>();
  for (const dp of desired) {
    const match = matchRenamed(dp.spec.name, dp.spec.renamedFrom, (n) => rowsByName.get(n));
    for (const r of rowsOfMatch(match)) claimed.add(r.id);
    planDesiredProvider(ctx, dp, match);
  }

  // Removal considers only rows of THIS scope; other scopes' and unmanaged rows are not ours.
  const removed = input.current.providers
    .filter((r) => r.managedBy === input.scope && !claimed.has(r.id))
    .sort((a, b) => compareStrings(a.name, b.name));
  for (const row of removed) planProviderRemoval(ctx, row);

  const deletes = orderDeletes(out);
  const cascadeWarnings = applyCascades(deletes, input.current);
  const changes = [...orderNonDeletes(out), ...deletes.map((d) => d.change)];

  const summary = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Summary;
  for (const c of changes) summary[c.action] += 1;

  const plan: Plan = {
    formatVersion: PLAN_FORMAT_VERSION,
    scope: input.scope,
    summary,
    changes,
    warnings: [...out.warnings, ...cascadeWarnings],
    meta: {
      createdAt: input.now.toISOString(),
      cvctlVersion: input.cvctlVersion,
      catalogVersion: input.catalogVersion,
      secretsResolved: input.secretsResolved,
    },
  };
  if (input.digest !== false) plan.digest = planDigest(plan);
  const problems = [...out.problems].sort(
    (a, b) => compareStrings(resourceKey(a.resource), resourceKey(b.resource)) || compareStrings(a.code, b.code),
  );
  return { plan, problems };
}

function resourceKey(r: Change['resource']): string {
  return r.type === 'provider' ? `${r.name}` : `${r.provider}\u0000${r.name}`;
}

const byResource = (a: Change, b: Change): number => compareStrings(resourceKey(a.resource), resourceKey(b.resource));

/**
 * Apply order, which is also display order: provider creates/updates/enables/disables (by
 * name) so models have a parent, then model creates/updates/enables/disables (by provider,
 * model id); deletes come last (see orderDeletes).
 */
function orderNonDeletes(out: Buckets): Change[] {
  return [...[...out.providers].sort(byResource), ...[...out.models].sort(byResource)];
}

/** Model deletes (by provider, model id), then provider deletes (by name). */
function orderDeletes(out: Buckets): PendingDelete[] {
  const by = (a: PendingDelete, b: PendingDelete): number => byResource(a.change, b.change);
  return [...[...out.modelDeletes].sort(by), ...[...out.providerDeletes].sort(by)];
}
