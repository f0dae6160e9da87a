// The planner: desired state (files) × current state (database) → Plan. Pure: no I/O, no
// clock (input.now), no randomness. The result does not depend on the order of any input
// list: everything is indexed by name/id and emitted in one fixed order (sortByChangeOrder).
import type { ProviderModelRow, ProviderRow } from '../domain/rows';
import { applyCascades } from './cascade';
import { compareStrings } from './canonical';
import type { Buckets, Ctx, PlanInput, PlanProblem } from './context';
import { planDesiredProvider, planProviderRemoval } from './providers';
import { planModels } from './routing';
import { routingIndex } from './routing-index';
import { planGrants } from './routing-members';
import { checkRouting, keptModelsWithoutBackends } from './routing-checks';
import type { Diagnostic } from '../config/diagnostics';
import { matchRenamed, rowsOfMatch } from './rename';
import { planDigest } from './serialize';
import { ACTIONS, PLAN_FORMAT_VERSION, type Plan, type ResourceRef, type Summary } from './types';
import { identityOf, sortByChangeOrder } from '../resources/registry';

export type { CredentialStatus, PlanInput, PlanProblem } from './context';
export type { CredentialFieldStatus } from './credentials';
export { lastAppliedOfModel, lastAppliedOfProvider } from './shapes';

/**
 * problems: rows the plan may not touch (ownership, renames). diagnostics: the files' references
 * checked against the database as the plan leaves it (src/plan/routing-checks.ts); an error
 * among them refuses the plan.
 */
export function computePlan(input: PlanInput): { plan: Plan; problems: PlanProblem[]; diagnostics: Diagnostic[] } {
  const rowsByName = new Map<string, ProviderRow>();
  for (const r of input.current.providers) rowsByName.set(r.name, r);
  const modelsByProviderId = new Map<string, ProviderModelRow[]>();
  for (const m of input.current.providerModels) {
    const list = modelsByProviderId.get(m.providerId) ?? [];
    list.push(m);
    modelsByProviderId.set(m.providerId, list);
  }
  const out: Buckets = { changes: [], deletes: [], routingDeletes: [], warnings: [], problems: [] };
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

  // Models, their backends, access grants (after the providers: the checks read their changes).
  const routing = routingIndex(input);
  planModels(ctx, routing);
  planGrants(ctx, routing);

  // One order for display and apply (src/resources/registry.ts): parents' writes before their
  // children's, deletes after, children's before their parents'. Cascades are counted in it.
  const deletes = sortByChangeOrder(out.deletes, (d) => d.change);
  const cascadeWarnings = applyCascades(deletes, input.current);
  const allDeletes = sortByChangeOrder([...out.routingDeletes, ...deletes.map((d) => d.change)], (c) => c);
  const changes = [...sortByChangeOrder(out.changes, (c) => c), ...allDeletes];
  const diagnostics = checkRouting(input, routing, changes);
  out.problems.push(...keptModelsWithoutBackends(input, routing, changes));

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
    (a, b) => compareStrings(problemKey(a.resource), problemKey(b.resource)) || compareStrings(a.code, b.code),
  );
  return { plan, problems, diagnostics };
}

/** Problems by resource (a provider's before its models'), then code. */
function problemKey(r: ResourceRef): string {
  return identityOf(r).join('\u0000');
}
