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
  private readonly modelByName = new Map<string, string>();
  /**
   * provider key \0 model id -> provider model key, built on first use: only a backend names a
   * provider model without its id, and most plans would otherwise index 100,000 rows for nothing.
   */
  private pmIndex: Map<string, string> | null = null;

  /** The maps copied so far: a map is copied on its first write, so the input stays as it was. */
  private readonly copied = new Set<keyof PlanRows>();
  /** Whether a row was removed: only then can children be left without their parent. */
  private removed = false;

  constructor(
    current: PlanRows,
    /** With `reachable` (see stateAfterPlan): `provider \0 modelId` of every provider model a backend change names. */
    private readonly namedByBackends: ReadonlySet<string> | null,
  ) {
    this.rows = { ...current };
    for (const p of this.rows.providers.values()) this.providerByName.set(p.name, p.key);
    for (const m of this.rows.models.values()) this.modelByName.set(m.name, m.key);
  }

  /** A map to write to (a row is replaced, never changed in place). */
  private w<K extends keyof PlanRows>(k: K): PlanRows[K] {
    if (!this.copied.has(k)) {
      this.rows[k] = new Map(this.rows[k] as Map<string, unknown>) as PlanRows[K];
      this.copied.add(k);
    }
    return this.rows[k];
  }

  private remove(k: keyof PlanRows, key: string): void {
    this.w(k).delete(key);
    this.removed = true;
  }

  /** The row a change is about: the id the plan recorded; a create (no id) makes a new row. */
  private keyOf(expect: RowExpectation, created: string): string {
    return 'id' in expect ? expect.id : created;
  }

  private pmByName(): Map<string, string> {
    if (this.pmIndex === null) {
      this.pmIndex = new Map();
      for (const m of this.rows.providerModels.values()) this.pmIndex.set(pmNameKey(m.providerKey, m.modelId), m.key);
    }
    return this.pmIndex;
  }

  pmKey(provider: string, modelId: string): string | undefined {
    const p = this.providerByName.get(provider);
    return p === undefined ? undefined : this.pmByName().get(pmNameKey(p, modelId));
  }

  provider(c: ChangeOf<'provider'>): void {
    const key = this.keyOf(c.expect, `new:provider:${c.resource.name}`);
    const old = this.rows.providers.get(key);
    if (old) this.providerByName.delete(old.name);
    if (c.action === 'delete') {
      this.remove('providers', key);
      return;
    }
    this.w('providers').set(key, { key, name: c.target.name, status: c.target.status });
    this.providerByName.set(c.target.name, key);
  }

  providerModel(c: ChangeOf<'providerModel'>): void {
    if (c.action === 'create' && this.namedByBackends !== null && !this.namedByBackends.has(pmNameKey(c.resource.provider, c.resource.name))) return;
    const key = this.keyOf(c.expect, `new:providerModel:${c.resource.provider}/${c.resource.name}`);
    const old = this.rows.providerModels.get(key);
    if (old) this.pmIndex?.delete(pmNameKey(old.providerKey, old.modelId));
    if (c.action === 'delete') {
      this.remove('providerModels', key);
      return;
    }
    const owner = old?.providerKey ?? this.providerByName.get(c.resource.provider);
    // A provider model of a provider the state does not know cannot be placed (a plan never holds one).
    if (owner === undefined) return;
    this.w('providerModels').set(key, { key, providerKey: owner, modelId: c.target.modelId, status: c.target.status, pricing: c.target.pricing });
    this.pmIndex?.set(pmNameKey(owner, c.target.modelId), key);
  }

  model(c: RoutingChange<'model', ModelTarget>): void {
    const key = this.keyOf(c.expect, `new:model:${c.resource.name}`);
    const old = this.rows.models.get(key);
    if (old) this.modelByName.delete(old.name);
    if (c.action === 'delete') {
      this.remove('models', key);
      return;
    }
    this.w('models').set(key, { key, name: c.target.name, status: c.target.status, strategy: c.target.routing.strategy });
    this.modelByName.set(c.target.name, key);
  }

  modelBackend(c: RoutingChange<'modelBackend', ModelBackendTarget>): void {
    const modelKey = this.modelByName.get(c.resource.model);
    const pmKey = this.pmKey(c.resource.provider, c.resource.name);
    if (modelKey === undefined || pmKey === undefined) return;
    const key = backendKey(modelKey, pmKey);
    if (c.action === 'delete') {
      this.remove('backends', key);
      return;
    }
    const t = c.target;
    this.w('backends').set(key, { modelKey, providerModelKey: pmKey, priority: t.priority, weight: t.weight, status: t.status });
  }

  /** Children of removed rows go with them (ON DELETE CASCADE). */
  finish(): PlanRows {
    if (!this.removed) return this.rows;
    const { providers, models } = this.rows;
    const providerModels = this.w('providerModels');
    for (const [k, m] of providerModels) if (!providers.has(m.providerKey)) providerModels.delete(k);
    const backends = this.w('backends');
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
  model: (e, c) => e.model(c),
  modelBackend: (e, c) => e.modelBackend(c),
  accessGrant: () => undefined,
};

function applyChange(e: Editor, c: Change): void {
  // The entry matches the change's own type; TypeScript cannot correlate the two unions.
  (APPLY[c.resource.type] as (e: Editor, c: Change) => void)(e, c);
}

/**
 * The rows as the plan leaves them: each change's target written over its row (or added, or the
 * row removed), in the plan's own order (writes top-down, then deletes bottom-up), then the
 * children of removed rows removed. `current` is left as it was.
 *
 * `reachable`: only what the cost estimate, the routing view and the policy's database lookups
 * can reach. A provider model the plan creates is new: no usage names it, no backend in the
 * database does, and its provider is one the files declare (policy judges it from the files);
 * unless a backend change names it, it is left out (a first apply of L creates 100,000).
 */
export function stateAfterPlan(current: PlanRows, plan: Pick<Plan, 'changes'>, o: { reachable?: boolean } = {}): PlanRows {
  let named: Set<string> | null = null;
  if (o.reachable === true) {
    named = new Set<string>();
    for (const c of plan.changes) if (c.resource.type === 'modelBackend') named.add(pmNameKey(c.resource.provider, c.resource.name));
  }
  const e = new Editor(current, named);
  for (const c of plan.changes) applyChange(e, c);
  return e.finish();
}

/**
 * The rows in the estimator's shape: a provider model serves only when it and its provider are
 * active. `only`: the provider models the estimate can reach (those that served usage or back a
 * model); the estimator looks up no other, and dataset L has 100,000 of them.
 */
export function costState(rows: PlanRows, only?: ReadonlySet<string>): CostState {
  const providerModels: CostState['providerModels'] = [];
  const pms = only ? [...only].flatMap((k) => rows.providerModels.get(k) ?? []) : rows.providerModels.values();
  for (const m of pms) {
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
