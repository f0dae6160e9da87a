// The database's models (with their routing and backends) and access grants → blocks of the
// file format (CONTRACT.md section 5), in the contract's key order. Pure.
//
// Selection mirrors providers (export.ts): this scope's rows, plus those no scope manages with
// includeUnmanaged. Backends have no owner of their own: they follow their model. Grants are
// selected by their own owner, so a grant this scope manages on a model it does not (another
// scope's, or a console-made one) is still exported: a grant may name a model that is only in
// the database.
//
// Exact where the format can say what the row holds, so export → validate → plan shows no
// change; where it cannot (a console row outside the file's ranges: priority 0, weight 0, a
// routing value cvctl does not know), the nearest valid value is written and a note says
// that `cvctl plan` will show it changing.
import type { ModelKind } from '../domain/kinds';
import {
  DEFAULT_ROUTING,
  FAILOVER_TRIGGERS,
  ROUTING_STRATEGIES,
  type FailoverTrigger,
  type RoutingStrategy,
} from '../domain/routing';
import type { AccessGrantRow, ModelBackendRow, ModelRow, RoutingState } from '../domain/routing-rows';
import { compareStrings, sortKeysDeep } from '../plan/canonical';

/** The rows written to one model's file: the model (when selected) and the selected grants naming it. */
export interface RoutingSelection {
  /** The model's name: also the file's (`models/<name>.yaml`). */
  name: string;
  model: ModelRow | null;
  backends: ModelBackendRow[];
  grants: AccessGrantRow[];
}

export interface SelectedRouting {
  items: RoutingSelection[];
  /** Grants on exported models left out (not this scope's; console-made without includeUnmanaged). */
  skippedGrants: number;
}

export function selectRouting(state: RoutingState, scope: string, includeUnmanaged: boolean): SelectedRouting {
  const ours = (managedBy: string | null): boolean => managedBy === scope || (includeUnmanaged && managedBy === null);
  const items = new Map<string, RoutingSelection>();
  const item = (name: string): RoutingSelection => {
    let it = items.get(name);
    if (it === undefined) {
      it = { name, model: null, backends: [], grants: [] };
      items.set(name, it);
    }
    return it;
  };
  const selectedIds = new Set<string>();
  for (const m of state.models) {
    if (!ours(m.managedBy)) continue;
    item(m.name).model = m;
    selectedIds.add(m.id);
  }
  // read-routing.ts orders backends as traffic tries them (priority, provider, model id): kept.
  for (const b of state.backends) if (selectedIds.has(b.modelId)) item(b.modelName).backends.push(b);
  let skippedGrants = 0;
  for (const g of state.grants) {
    if (ours(g.managedBy)) item(g.modelName).grants.push(g);
    else if (selectedIds.has(g.modelId)) skippedGrants += 1;
  }
  return { items: [...items.values()].sort((a, b) => compareStrings(a.name, b.name)), skippedGrants };
}

/** What a model or grant block is, and where the row could not be written exactly. */
export interface RoutingBlocks {
  model: Record<string, unknown> | null;
  grants: Record<string, unknown>[];
  /** Each an inexact value, as "backend 'p/m': priority 0 written as 1". */
  inexact: string[];
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The stored routing keys with the defaults for those absent; an unknown value becomes its default (noted). */
function routingBlock(stored: Record<string, unknown> | null, inexact: string[]): Record<string, unknown> {
  const r = stored ?? {};
  let strategy: RoutingStrategy = DEFAULT_ROUTING.strategy;
  if (r.strategy !== undefined) {
    if ((ROUTING_STRATEGIES as readonly unknown[]).includes(r.strategy)) strategy = r.strategy as RoutingStrategy;
    else inexact.push(`routing.strategy ${JSON.stringify(r.strategy)} written as ${JSON.stringify(strategy)}`);
  }
  let retries = DEFAULT_ROUTING.retries;
  if (r.retries !== undefined) {
    if (isInt(r.retries, 0, 5)) retries = r.retries;
    else inexact.push(`routing.retries ${JSON.stringify(r.retries)} written as ${retries}`);
  }
  let failoverOn: FailoverTrigger[] = [...DEFAULT_ROUTING.failoverOn];
  if (r.failoverOn !== undefined) {
    const ok = Array.isArray(r.failoverOn) && r.failoverOn.every((t) => (FAILOVER_TRIGGERS as readonly unknown[]).includes(t));
    if (ok) failoverOn = [...(r.failoverOn as FailoverTrigger[])];
    else inexact.push(`routing.failoverOn ${JSON.stringify(r.failoverOn)} written as the default`);
  }
  return { strategy, retries, failoverOn };
}

function backendBlock(b: ModelBackendRow, inexact: string[]): Record<string, unknown> {
  const name = `${b.provider}/${b.providerModel}`;
  const clamp = (what: string, v: number, min: number, max: number): number => {
    if (isInt(v, min, max)) return v;
    const to = Math.min(max, Math.max(min, Math.round(Number.isFinite(v) ? v : min)));
    inexact.push(`backend '${name}': ${what} ${v} written as ${to}`);
    return to;
  };
  return { providerModel: name, priority: clamp('priority', b.priority, 1, 100), weight: clamp('weight', b.weight, 1, 1000), status: b.status };
}

/**
 * A console model has no kind of its own (NULL): the kind its backends agree on, else `chat`
 * (the format's default). A kind the backends contradict is the planner's diagnostic to give.
 */
function kindOf(m: ModelRow, backends: ModelBackendRow[]): ModelKind {
  if (m.kind !== null) return m.kind;
  const kinds = new Set(backends.map((b) => b.providerModelKind));
  return kinds.size === 1 ? [...kinds][0] : 'chat';
}

export function modelBlock(m: ModelRow, backends: ModelBackendRow[], inexact: string[]): Record<string, unknown> {
  const block: Record<string, unknown> = { name: m.name, kind: kindOf(m, backends), status: m.status };
  if (m.description !== null) block.description = m.description;
  if (Object.keys(m.labels).length > 0) block.labels = sortKeysDeep(m.labels);
  block.protected = m.protected;
  block.onRemove = m.onRemove;
  block.routing = routingBlock(m.routing, inexact);
  block.backends = backends.map((b) => backendBlock(b, inexact));
  return block;
}

/** The limit keys the format knows, in its order; anything else a console wrote is left out (noted). */
const LIMIT_KEYS = ['requestsPerMinute', 'tokensPerDay', 'monthlyBudgetUsd'] as const;

/** `2027-06-30` for midnight UTC (how a date in the files is stored), the full RFC 3339 time otherwise. */
export function expiryWritten(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.0+)?Z$/.exec(iso);
  return m !== null ? m[1] : iso;
}

export function grantBlock(g: AccessGrantRow, inexact: string[]): Record<string, unknown> {
  const block: Record<string, unknown> = { model: g.modelName, subject: { [g.subjectType]: g.subject } };
  const limits: Record<string, unknown> = {};
  for (const k of LIMIT_KEYS) {
    const v = g.limits[k];
    if (v === undefined) continue;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) limits[k] = v;
    else inexact.push(`grant '${g.subjectType}:${g.subject}' on '${g.modelName}': limits.${k} ${JSON.stringify(v)} left out`);
  }
  for (const k of Object.keys(g.limits).sort(compareStrings)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(k)) inexact.push(`grant '${g.subjectType}:${g.subject}' on '${g.modelName}': unknown limit '${k}' left out`);
  }
  if (Object.keys(limits).length > 0) block.limits = limits;
  if (g.expiresAt !== null) block.expiresAt = expiryWritten(g.expiresAt);
  return block;
}

export function routingBlocks(s: RoutingSelection): RoutingBlocks {
  const inexact: string[] = [];
  const model = s.model !== null ? modelBlock(s.model, s.backends, inexact) : null;
  const grants = s.grants.map((g) => grantBlock(g, inexact));
  return { model, grants, inexact };
}
