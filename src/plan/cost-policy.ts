// What `plan` adds to a computed plan (issue 16): the cost estimate (CONTRACT.md section 6) and
// the policy check (section 7), both judged on the database as the plan leaves it
// (state-after.ts). Pure: the caller reads the rows, the routing and the usage aggregate in the
// plan's read snapshot and passes them in; this decides what goes into the plan.
import type { CurrentState } from '../domain/rows';
import type { ModelBackendRow, ModelRow, UsageReport } from '../domain/routing-rows';
import type { DesiredState } from '../domain/types';
import { sortDiagnostics } from '../config/diagnostics';
import { costWarnings, estimateCost } from './cost';
import { checkPolicy } from './policy';
import { policyInputsFromDesired } from './policy-inputs';
import { routingViews } from './routing-view';
import { costState, policyView, rowsOfDatabase, stateAfterPlan, type PlanRows } from './state-after';
import type { Plan, PlanWarning, PolicyBasisEntry, PolicyViolation } from './types';
import { compareStrings } from './canonical';

export interface CostPolicyInput {
  /** The rows the plan was computed from. */
  current: Pick<CurrentState, 'providers' | 'providerModels'>;
  /** Model facades and backends, read in the same snapshot: the cost estimate and the plan's routing view read them. */
  routing?: { models: readonly ModelRow[]; backends: readonly ModelBackendRow[] };
  /** The window's usage (readUsage); absent with `--no-cost`. */
  usage?: UsageReport;
  /** The files: their policy (absent: none) judges what they declare. */
  desired: DesiredState;
}

function warning(message: string): PlanWarning {
  // The code says it already: "cost-estimate: 3 usage rows …", not "cost-estimate: cost estimate: …".
  return { code: 'cost-estimate', message: message.replace(/^cost estimate: /, '') };
}

/** The provider models some model's backend names, on either side: all the routing view looks up. */
function backendReach(...sides: PlanRows[]): Set<string> {
  const reach = new Set<string>();
  for (const rows of sides) for (const b of rows.backends.values()) reach.add(b.providerModelKey);
  return reach;
}

/**
 * The plan with `routing` (when some model's routing changes), `cost` (when the window holds
 * usage), `policy` (when the files hold one) and their warnings. The digest is left to the
 * caller: it covers these too, and is computed once.
 */
export function addCostAndPolicy(plan: Plan, input: CostPolicyInput): Plan {
  const totals = input.usage?.totals ?? [];
  const warnings = (input.usage?.warnings ?? []).map(warning);
  const policy = input.desired.policy;
  // Routing moves only with a change to a model, a backend, or the provider side they stand on.
  const routes = plan.changes.length > 0 && ((input.routing?.models.length ?? 0) > 0 || plan.changes.some((c) => c.resource.type === 'model'));
  if (totals.length === 0 && !policy && !routes) return warnings.length > 0 ? { ...plan, warnings: [...plan.warnings, ...warnings] } : plan;

  const before = rowsOfDatabase(input.current, input.routing);
  const after = stateAfterPlan(before, plan, { reachable: true });
  const out: Plan = { ...plan };
  if (routes) {
    const reach = backendReach(before, after);
    const views = routingViews(costState(before, reach), costState(after, reach));
    if (views.length > 0) out.routing = views;
  }
  if (totals.length > 0) {
    // Only the provider models usage or routing can reach: the estimator looks up no other.
    const reach = backendReach(before, after);
    for (const u of totals) if (u.providerModelId !== null) reach.add(u.providerModelId);
    const cost = estimateCost({ window: input.usage!.window, usage: totals, before: costState(before, reach), after: costState(after, reach) });
    if (cost) {
      out.cost = cost;
      warnings.push(...costWarnings(cost).map(warning));
    }
  }
  if (policy) {
    const basis = new Map<string, PolicyBasisEntry>();
    const subjects = policyInputsFromDesired(input.desired, policyView(after), (provider, modelId, status) => {
      basis.set(`${provider}\u0000${modelId}`, { provider, modelId, serving: status ?? 'absent' });
    });
    const violations: PolicyViolation[] = sortDiagnostics(checkPolicy(policy, subjects, out.cost)).map((d) => ({
      severity: d.severity === 'error' ? 'error' : 'warning',
      code: d.code,
      message: d.message,
      file: d.file,
      line: d.line,
      column: d.column,
    }));
    // What the verdict read from rows the plan leaves alone: apply checks they still serve as
    // judged (a provider the plan writes is held to the plan by the stale check already).
    const written = new Set(plan.changes.flatMap((c) => (c.resource.type === 'provider' ? [c.resource.name] : c.resource.type === 'providerModel' ? [c.resource.provider] : [])));
    const rested = policy.requireFallback?.value ? [...basis.values()].filter((b) => !written.has(b.provider)) : [];
    out.policy = rested.length > 0 ? { violations, basis: rested.sort((a, b) => compareStrings(a.provider, b.provider) || compareStrings(a.modelId, b.modelId)) } : { violations };
  }
  out.warnings = [...plan.warnings, ...warnings];
  return out;
}
