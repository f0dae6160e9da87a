// A model's routing before and after a plan, as the plan carries it for its renderers (the
// routing rows of text and markdown, the PR comment's Mermaid diagram: src/render/routing*.ts,
// src/render/mermaid.ts). Built from the same two states the cost estimate prices (the
// database's rows, and the rows as the plan leaves them), so the routing a reviewer reads and
// the routing the estimate assumes are one. Pure.
import type { ProviderStatus } from '../domain/kinds';
import type { RoutingStrategy } from '../domain/routing';
import { compareStrings } from './canonical';
import type { CostModel, CostState } from './cost-types';

/** One backend of a model as one side (before or after) has it. */
export interface RoutingBackend {
  /** Provider name. */
  provider: string;
  /** Provider model id (e.g. `gpt-4o`). */
  providerModel: string;
  priority: number;
  weight: number;
  status: ProviderStatus;
  /**
   * false when the provider model or its provider is disabled or missing: the backend is listed
   * but cannot take traffic. Absent: it can.
   */
  serving?: boolean;
}

/** A model's routing on one side of a change. */
export interface RoutingSide {
  /** The model's own status: a disabled model serves nothing. */
  status: ProviderStatus;
  strategy: RoutingStrategy;
  backends: RoutingBackend[];
}

/** A model's routing before and after: `before` null for a model the plan creates, `after` null for one it deletes. */
export interface ModelRouting {
  model: string;
  before: RoutingSide | null;
  after: RoutingSide | null;
}

function sideOf(m: CostModel | undefined, pms: Map<string, CostState['providerModels'][number]>): RoutingSide | null {
  if (m === undefined) return null;
  const backends: RoutingBackend[] = [];
  for (const b of m.backends) {
    const pm = pms.get(b.providerModelId);
    // A backend always has its provider model (ON DELETE CASCADE); a state without it is not drawn.
    if (pm === undefined) continue;
    const row: RoutingBackend = { provider: pm.provider, providerModel: pm.name, priority: b.priority, weight: b.weight, status: b.status };
    if (pm.status !== 'active') row.serving = false;
    backends.push(row);
  }
  // The order traffic tries them, so the saved plan reads the same whatever order rows were read in.
  backends.sort((x, y) => x.priority - y.priority || compareStrings(x.provider, y.provider) || compareStrings(x.providerModel, y.providerModel));
  return { status: m.status, strategy: m.strategy, backends };
}

/** Both sides route alike: same status, strategy and backends (order aside). */
function sameSide(a: RoutingSide, b: RoutingSide): boolean {
  if (a.status !== b.status || a.strategy !== b.strategy || a.backends.length !== b.backends.length) return false;
  const key = (x: RoutingBackend): string => JSON.stringify([x.provider, x.providerModel, x.priority, x.weight, x.status, x.serving !== false]);
  const ka = a.backends.map(key).sort(compareStrings);
  const kb = b.backends.map(key).sort(compareStrings);
  return ka.every((k, i) => k === kb[i]);
}

/**
 * The models whose routing differs between the two states (created, deleted, a backend added,
 * removed or changed, the strategy or the model's status changed, or a backend's provider model
 * starting or stopping to serve), by name (the after side's for a renamed model). Models are
 * matched by id, so a renamed model is one entry.
 */
export function routingViews(before: CostState, after: CostState): ModelRouting[] {
  const pmsBefore = new Map(before.providerModels.map((p) => [p.id, p]));
  const pmsAfter = new Map(after.providerModels.map((p) => [p.id, p]));
  const modelsBefore = new Map(before.models.map((m) => [m.id, m]));
  const modelsAfter = new Map(after.models.map((m) => [m.id, m]));
  const out: ModelRouting[] = [];
  for (const id of new Set([...modelsBefore.keys(), ...modelsAfter.keys()])) {
    const b = sideOf(modelsBefore.get(id), pmsBefore);
    const a = sideOf(modelsAfter.get(id), pmsAfter);
    if (b !== null && a !== null && sameSide(b, a)) continue;
    const name = (modelsAfter.get(id) ?? modelsBefore.get(id))!.name;
    out.push({ model: name, before: b, after: a });
  }
  return out.sort((x, y) => compareStrings(x.model, y.model));
}
