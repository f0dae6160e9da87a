// Schema-valid `models` and `accessGrants` entries -> ModelSpec / AccessGrantSpec with every
// default applied, so the planner never has to know which keys were optional. Like
// build-spec.ts, positions come from a callback and this file knows nothing about YAML.
import type { ModelKind, OnRemove, ProviderStatus } from '../domain/kinds';
import {
  DEFAULT_PRIORITY,
  DEFAULT_ROUTING,
  DEFAULT_WEIGHT,
  splitProviderModel,
  type AccessGrantSpec,
  type FailoverTrigger,
  type GrantLimits,
  type GrantSubject,
  type ModelBackendSpec,
  type ModelSpec,
  type RoutingSpec,
  type RoutingStrategy,
} from '../domain/routing';
import type { SourcePos } from '../domain/types';
import { copy, list, record, renamedFromOf, type Raw } from './build-spec';
import type { PathSeg } from './event-index';

export interface ItemContext {
  /** Path of this entry in its document, e.g. ['models', 3]. */
  path: PathSeg[];
  /** Position of the node at a path in the same document. */
  pos: (path: PathSeg[]) => SourcePos;
}

function routing(raw: Raw): RoutingSpec {
  return {
    strategy: (raw.strategy as RoutingStrategy | undefined) ?? DEFAULT_ROUTING.strategy,
    retries: (raw.retries as number | undefined) ?? DEFAULT_ROUTING.retries,
    failoverOn: Array.isArray(raw.failoverOn) ? (raw.failoverOn.map(String) as FailoverTrigger[]) : [...DEFAULT_ROUTING.failoverOn],
  };
}

function backend(raw: Raw, ctx: ItemContext): ModelBackendSpec | undefined {
  const split = typeof raw.providerModel === 'string' ? splitProviderModel(raw.providerModel) : undefined;
  if (!split) return undefined; // the schema reported it
  return {
    provider: split[0],
    modelId: split[1],
    priority: (raw.priority as number | undefined) ?? DEFAULT_PRIORITY,
    weight: (raw.weight as number | undefined) ?? DEFAULT_WEIGHT,
    status: (raw.status as ProviderStatus | undefined) ?? 'active',
    pos: ctx.pos([...ctx.path, 'providerModel']),
  };
}

export function buildModelSpec(raw: Raw, ctx: ItemContext): ModelSpec {
  const backends: ModelBackendSpec[] = [];
  list(raw.backends).forEach((b, i) => {
    const spec = backend(record(b), { path: [...ctx.path, 'backends', i], pos: ctx.pos });
    if (spec) backends.push(spec);
  });
  const spec: ModelSpec = {
    name: String(raw.name),
    kind: (raw.kind as ModelKind | undefined) ?? 'chat',
    status: (raw.status as ProviderStatus | undefined) ?? 'active',
    description: typeof raw.description === 'string' ? raw.description : null,
    labels: copy(record(raw.labels)) as Record<string, string>,
    protected: raw.protected === true,
    onRemove: (raw.onRemove as OnRemove | undefined) ?? 'delete',
    routing: routing(record(raw.routing)),
    backends,
    pos: ctx.pos(ctx.path),
  };
  const renamed = renamedFromOf(raw.renamedFrom, ctx);
  if (renamed.length > 0) spec.renamedFrom = renamed;
  return spec;
}

function subjectOf(raw: Raw): GrantSubject {
  return typeof raw.user === 'string' ? { type: 'user', name: raw.user } : { type: 'group', name: String(raw.group) };
}

function limitsOf(raw: Raw): GrantLimits {
  const out: GrantLimits = {};
  if (typeof raw.requestsPerMinute === 'number') out.requestsPerMinute = raw.requestsPerMinute;
  if (typeof raw.tokensPerDay === 'number') out.tokensPerDay = raw.tokensPerDay;
  if (typeof raw.monthlyBudgetUsd === 'number') out.monthlyBudgetUsd = raw.monthlyBudgetUsd;
  return out;
}

const EXPIRY = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2})))?$/;

/**
 * `2027-06-30` (00:00 UTC of that day) or an RFC 3339 time -> its ISO 8601 UTC form; undefined
 * for a shape the schema allows that is no real time (`2027-02-30`, `25:00:00`, `+24:00`):
 * Date.parse would roll those over silently.
 */
export function expiryInstant(written: string): string | undefined {
  const m = EXPIRY.exec(written);
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x)));
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo! - 1 || day.getUTCDate() !== d) return undefined;
  if (h! > 23 || mi! > 59 || s! > 59) return undefined;
  let offset = 0;
  if (m[9] !== undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0${m[7]}`) * 1000);
  return new Date(day.getTime() + ((h! * 60 + mi! - offset) * 60 + s!) * 1000 + ms).toISOString();
}

export function buildGrantSpec(raw: Raw, ctx: ItemContext): AccessGrantSpec {
  const expires = typeof raw.expiresAt === 'string' ? expiryInstant(raw.expiresAt) : undefined;
  return {
    model: String(raw.model),
    subject: subjectOf(record(raw.subject)),
    limits: limitsOf(record(raw.limits)),
    expiresAt: expires ?? null,
    pos: ctx.pos(ctx.path),
    modelPos: ctx.pos([...ctx.path, 'model']),
  };
}
