// The current routing rows indexed for one planning run, and what the model planner learns on
// the way that the members' planner and the plan-time checks need (which models it deletes,
// which removed ones it keeps, renames).
import type { AccessGrantRow, ModelBackendRow, ModelRow } from '../domain/routing-rows';
import type { ProviderRow } from '../domain/rows';
import type { DesiredState } from '../domain/types';
import { matchedRow, matchRenamed } from './rename';
import type { PlanInput } from './context';

export interface RoutingIndex {
  /** By name. */
  models: Map<string, ModelRow>;
  /** By model id, in the order read (priority first). */
  backendsByModelId: Map<string, ModelBackendRow[]>;
  grantsByModelId: Map<string, AccessGrantRow[]>;
  /** A provider's name in the database -> its name in the files, for the providers the files rename. */
  providerRenamedTo: Map<string, string>;
  /** A model's name in the database -> its name in the files, for the models the files rename. */
  modelRenamedTo: Map<string, string>;
  /** Models (by name) this plan deletes. */
  deletedModels: Set<string>;
  /** Models of this scope the files no longer declare that stay (protected). */
  keptRemoved: ModelRow[];
  /** Declared models left alone: made in the console, not adopted. */
  skippedModels: Set<string>;
}

function group<R>(rows: readonly R[], key: (r: R) => string): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

function renames<R extends { name: string }>(declared: ReadonlyArray<{ name: string; renamedFrom?: Array<{ name: string }> }>, rows: Map<string, R>): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of declared) {
    const row = matchedRow(matchRenamed(d.name, d.renamedFrom, (n) => rows.get(n)));
    if (row !== undefined && row.name !== d.name) out.set(row.name, d.name);
  }
  return out;
}

export function routingIndex(input: PlanInput): RoutingIndex {
  const routing = input.current.routing ?? { models: [], backends: [], grants: [] };
  const models = new Map(routing.models.map((m) => [m.name, m]));
  const desired: DesiredState = input.desired;
  const providers = new Map<string, ProviderRow>(input.current.providers.map((p) => [p.name, p]));
  return {
    models,
    backendsByModelId: group(routing.backends, (b) => b.modelId),
    grantsByModelId: group(routing.grants, (g) => g.modelId),
    providerRenamedTo: renames(desired.providers.map((p) => p.spec), providers),
    modelRenamedTo: renames(desired.models ?? [], models),
    deletedModels: new Set(),
    keptRemoved: [],
    skippedModels: new Set(),
  };
}
