// The rows that decide price and routing, as the database holds them and as a plan leaves them
// (issue 16): the cost estimator prices usage on both (cost.ts), and the policy rules judge the
// second (policy-inputs.ts). Pure: stateAfterPlan applies each change's target generically,
// without knowing how the plan was made, so whatever the plan shows is what is priced.
//
// A row is identified by a key: the database id for an existing row (a change that updates,
// disables or deletes a row carries that id in `expect`, so a renamed provider is found without
// its earlier name), `new:...` for a row the plan creates. Deleting a row takes its children
// with it, as the database's ON DELETE CASCADE does: a provider its provider models, a provider
// model or a model its backends.
import type { CurrentState } from '../domain/rows';
import type { ModelBackendRow, ModelRow } from '../domain/routing-rows';
import type { ProviderStatus } from '../domain/kinds';
import type { Pricing } from '../domain/types';
import type { RoutingStrategy } from '../domain/routing';
import type { CostState } from './cost-types';
import type { PolicyDbView } from './policy-inputs';
import type { Change, ChangeOf, ModelBackendTarget, ModelTarget, Plan, ResourceType, RowExpectation } from './types';

export interface ProviderState {
  key: string;
  name: string;
  status: ProviderStatus;
}

export interface ProviderModelState {
  key: string;
  providerKey: string;
  modelId: string;
  /** Its own status; a disabled provider's models serve nothing whatever this says (costState folds it in). */
  status: ProviderStatus;
  pricing: Pricing | null;
}

export interface ModelState {
  key: string;
  name: string;
  status: ProviderStatus;
  strategy: RoutingStrategy;
}

export interface BackendState {
  modelKey: string;
  providerModelKey: string;
  priority: number;
  weight: number;
  status: ProviderStatus;
}

/** Everything is keyed by row key; removed rows are absent. */
export interface PlanRows {
  providers: Map<string, ProviderState>;
  providerModels: Map<string, ProviderModelState>;
  models: Map<string, ModelState>;
  /** By `modelKey \0 providerModelKey` (one backend per pair, as model_backends' unique key has it). */
  backends: Map<string, BackendState>;
}

const backendKey = (modelKey: string, pmKey: string): string => `${modelKey}\u0000${pmKey}`;
const pmNameKey = (providerKey: string, modelId: string): string => `${providerKey}\u0000${modelId}`;

/** The routing keys as stored: the console may write anything there, so only a known value counts. */
function strategyOf(routing: ModelRow['routing']): RoutingStrategy {
  return routing?.strategy === 'weighted' ? 'weighted' : 'fallback';
}

/** The database's rows; `routing` absent (no models read) is no models. */
export function rowsOfDatabase(
  current: Pick<CurrentState, 'providers' | 'providerModels'>,
  routing?: { models: readonly ModelRow[]; backends: readonly ModelBackendRow[] },
): PlanRows {
  const rows: PlanRows = { providers: new Map(), providerModels: new Map(), models: new Map(), backends: new Map() };
  for (const p of current.providers) rows.providers.set(p.id, { key: p.id, name: p.name, status: p.status });
  for (const m of current.providerModels) {
    rows.providerModels.set(m.id, { key: m.id, providerKey: m.providerId, modelId: m.modelId, status: m.status, pricing: m.pricing });
  }
  for (const m of routing?.models ?? []) rows.models.set(m.id, { key: m.id, name: m.name, status: m.status, strategy: strategyOf(m.routing) });
  for (const b of routing?.backends ?? []) {
    rows.backends.set(backendKey(b.modelId, b.providerModelId), {
      modelKey: b.modelId,
      providerModelKey: b.providerModelId,
      priority: b.priority,
      weight: b.weight,
      status: b.status,
    });
  }
  return rows;
}

/** The rows being changed, with name indexes kept up to date as changes rename and create rows. */
class Editor {
  readonly rows: PlanRows;
  private readonly providerByName = new Map<string, string>();
  private readonly pmByName = new Map<string, string>();
  private readonly modelByName = new Map<string, string>();

  constructor(current: PlanRows) {
    // Copies of the maps; a row is replaced, never changed in place, so the input stays as it was.
    this.rows = {
      providers: new Map(current.providers),
      providerModels: new Map(current.providerModels),
      models: new Map(current.models),
      backends: new Map(current.backends),
    };
    for (const p of this.rows.providers.values()) this.providerByName.set(p.name, p.key);
    for (const m of this.rows.providerModels.values()) this.pmByName.set(pmNameKey(m.providerKey, m.modelId), m.key);
    for (const m of this.rows.models.values()) this.modelByName.set(m.name, m.key);
  }

  /** The row a change is about: its id when the plan recorded one, else its name now. */
  private keyOf(expect: RowExpectation, byName: string | undefined): string | undefined {
    return 'id' in expect ? expect.id : byName;
  }

  providerKey(name: string): string | undefined {
    return this.providerByName.get(name);
  }

  pmKey(provider: string, modelId: string): string | undefined {
    const p = this.providerByName.get(provider);
    return p === undefined ? undefined : this.pmByName.get(pmNameKey(p, modelId));
  }

  provider(c: ChangeOf<'provider'>): void {
    const key = this.keyOf(c.expect, this.providerByName.get(c.resource.name)) ?? `new:provider:${c.resource.name}`;
    const old = this.rows.providers.get(key);
    if (old) this.providerByName.delete(old.name);
    if (c.action === 'delete') {
      this.rows.providers.delete(key);
      return;
    }
    this.rows.providers.set(key, { key, name: c.target.name, status: c.target.status });
    this.providerByName.set(c.target.name, key);
  }

  providerModel(c: ChangeOf<'providerModel'>): void {
    const providerKey = this.providerByName.get(c.resource.provider);
    const byName = providerKey === undefined ? undefined : this.pmByName.get(pmNameKey(providerKey, c.resource.name));
    const key = this.keyOf(c.expect, byName) ?? `new:providerModel:${c.resource.provider}/${c.resource.name}`;
    const old = this.rows.providerModels.get(key);
    if (old) this.pmByName.delete(pmNameKey(old.providerKey, old.modelId));
    if (c.action === 'delete') {
      this.rows.providerModels.delete(key);
      return;
    }
    const owner = old?.providerKey ?? providerKey;
    // A provider model of a provider the state does not know cannot be placed (a plan never holds one).
    if (owner === undefined) return;
    this.rows.providerModels.set(key, { key, providerKey: owner, modelId: c.target.modelId, status: c.target.status, pricing: c.target.pricing });
    this.pmByName.set(pmNameKey(owner, c.target.modelId), key);
  }

  model(c: RoutingChange<'model', ModelTarget>): void {
    const key = this.keyOf(c.expect, this.modelByName.get(c.resource.name)) ?? `new:model:${c.resource.name}`;
    const old = this.rows.models.get(key);
    if (old) this.modelByName.delete(old.name);
    if (c.action === 'delete') {
      this.rows.models.delete(key);
      return;
    }
    this.rows.models.set(key, { key, name: c.target.name, status: c.target.status, strategy: c.target.routing.strategy });
    this.modelByName.set(c.target.name, key);
  }

  modelBackend(c: RoutingChange<'modelBackend', ModelBackendTarget>): void {
    const modelKey = this.modelByName.get(c.resource.model);
    const pmKey = this.pmKey(c.resource.provider, c.resource.name);
    if (modelKey === undefined || pmKey === undefined) return;
    const key = backendKey(modelKey, pmKey);
    if (c.action === 'delete') {
      this.rows.backends.delete(key);
      return;
    }
    const t = c.target;
    this.rows.backends.set(key, { modelKey, providerModelKey: pmKey, priority: t.priority, weight: t.weight, status: t.status });
  }

  /** Children of removed rows go with them (ON DELETE CASCADE). */
  finish(): PlanRows {
    const { providers, providerModels, models, backends } = this.rows;
    for (const [k, m] of providerModels) if (!providers.has(m.providerKey)) providerModels.delete(k);
    for (const [k, b] of backends) if (!models.has(b.modelKey) || !providerModels.has(b.providerModelKey)) backends.delete(k);
    return this.rows;
  }
}

/**
 * A change to a model or a backend, in the shape `route` adds to the Change union (CONTRACT.md
 * section 5: `model` {name}, `modelBackend` {model, provider, name}). Until those types are in
 * RESOURCE_TYPES a plan holds none; the editor already applies them.
 */
type RoutingRefs = {
  model: { type: 'model'; name: string };
  modelBackend: { type: 'modelBackend'; model: string; provider: string; name: string };
};
export type RoutingChange<T extends keyof RoutingRefs, Target> =
  | { action: 'create' | 'update' | 'disable' | 'enable'; resource: RoutingRefs[T]; expect: RowExpectation; target: Target }
  | { action: 'delete'; resource: RoutingRefs[T]; expect: RowExpectation; target?: undefined };

/**
 * One entry per resource type of the Change union: when a type joins RESOURCE_TYPES, the compiler
 * asks for its entry here (models and backends: `(e, c) => e.model(c)`, `(e, c) => e.modelBackend(c)`).
 * Access grants decide neither price nor routing: their entry does nothing.
 */
const APPLY: { [T in ResourceType]: (e: Editor, c: ChangeOf<T>) => void } = {
  provider: (e, c) => e.provider(c),
  providerModel: (e, c) => e.providerModel(c),
};

function applyChange(e: Editor, c: Change): void {
  // The entry matches the change's own type; TypeScript cannot correlate the two unions.
  (APPLY[c.resource.type] as (e: Editor, c: Change) => void)(e, c);
}

/**
 * The rows as the plan leaves them: each change's target written over its row (or added, or the
 * row removed), in the plan's own order (writes top-down, then deletes bottom-up), then the
 * children of removed rows removed. `current` is left as it was.
 */
export function stateAfterPlan(current: PlanRows, plan: Pick<Plan, 'changes'>): PlanRows {
  const e = new Editor(current);
  for (const c of plan.changes) applyChange(e, c);
  return e.finish();
}

/** The rows in the estimator's shape: a provider model serves only when it and its provider are active. */
export function costState(rows: PlanRows): CostState {
  const providerModels: CostState['providerModels'] = [];
  for (const m of rows.providerModels.values()) {
    const p = rows.providers.get(m.providerKey);
    if (!p) continue;
    const status = m.status === 'active' && p.status === 'active' ? 'active' : 'disabled';
    providerModels.push({ id: m.key, provider: p.name, name: m.modelId, status, pricing: m.pricing });
  }
  const backends = new Map<string, CostState['models'][number]['backends']>();
  for (const b of rows.backends.values()) {
    const list = backends.get(b.modelKey) ?? [];
    list.push({ providerModelId: b.providerModelKey, priority: b.priority, weight: b.weight, status: b.status });
    backends.set(b.modelKey, list);
  }
  const models = [...rows.models.values()].map((m) => ({ id: m.key, name: m.name, status: m.status, strategy: m.strategy, backends: backends.get(m.key) ?? [] }));
  return { providerModels, models };
}

/**
 * The rows as policy-inputs.ts's database view (providers and provider models by key). Removed
 * rows are absent and disabled ones disabled already, so no `leavesUnusable` is needed.
 */
export function policyView(rows: PlanRows): PolicyDbView {
  return {
    providers: [...rows.providers.values()].map((p) => ({ id: p.key, name: p.name, status: p.status })),
    providerModels: [...rows.providerModels.values()].map((m) => ({ providerId: m.providerKey, modelId: m.modelId, status: m.status })),
  };
}
