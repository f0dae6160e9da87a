// Desired state of the request path past the providers (CONTRACT.md section 5): user-facing
// Models with their routing and backends, and access grants. Produced by src/config (every
// default applied, every element with where it was written), consumed by the planner.
import type { ModelKind, OnRemove, ProviderStatus } from './kinds';
import type { RenamedFrom, SourcePos } from './types';

export const ROUTING_STRATEGIES = ['fallback', 'weighted'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const FAILOVER_TRIGGERS = ['rate-limit', 'server-error', 'timeout', 'context-length'] as const;
export type FailoverTrigger = (typeof FAILOVER_TRIGGERS)[number];

export const GRANT_SUBJECT_TYPES = ['group', 'user'] as const;
export type GrantSubjectType = (typeof GRANT_SUBJECT_TYPES)[number];

/** The defaults of an omitted `routing` (or of each omitted key in it). */
export const DEFAULT_ROUTING: Readonly<RoutingSpec> = Object.freeze({
  strategy: 'fallback',
  retries: 1,
  failoverOn: ['rate-limit', 'server-error', 'timeout'] as FailoverTrigger[],
});
export const DEFAULT_PRIORITY = 1;
export const DEFAULT_WEIGHT = 100;

export interface RoutingSpec {
  strategy: RoutingStrategy;
  /** Further attempts after the first, 0..5. */
  retries: number;
  failoverOn: FailoverTrigger[];
}

/** One entry of a model's `backends` (defaults applied). */
export interface ModelBackendSpec {
  /** The provider name: `providerModel` up to its first '/'. */
  provider: string;
  /** The provider model id: `providerModel` after its first '/' (may itself hold '/'). */
  modelId: string;
  priority: number;
  weight: number;
  status: ProviderStatus;
  /** Where `providerModel` is written: every diagnostic about the backend points here. */
  pos: SourcePos;
}

/** A model's own values: what a spec, a plan target and a last-applied record have in common. */
export interface ModelValues {
  kind: ModelKind;
  status: ProviderStatus;
  description: string | null;
  labels: Record<string, string>;
  protected: boolean;
  onRemove: OnRemove;
  /** The file's keys as written (defaults applied): stored in models.routing. */
  routing: RoutingSpec;
}

/** A user-facing Model as written in a file (defaults applied). */
export interface ModelSpec extends ModelValues {
  name: string;
  /** Earlier names (`renamedFrom`): the row under one of them is renamed, keeping its backends and grants. */
  renamedFrom?: RenamedFrom[];
  /** In file order; the complete list (a backend not listed is removed). */
  backends: ModelBackendSpec[];
  pos: SourcePos;
}

export interface GrantSubject {
  type: GrantSubjectType;
  /** The group name, or the user's email as written. */
  name: string;
}

/** The file's keys as written: only those set are present. */
export interface GrantLimits {
  requestsPerMinute?: number;
  tokensPerDay?: number;
  monthlyBudgetUsd?: number;
}

export interface AccessGrantSpec {
  /** Name of the model (in the files or, checked at plan time, in the database). */
  model: string;
  subject: GrantSubject;
  limits: GrantLimits;
  /** `expiresAt` as an ISO 8601 UTC time (a date alone is 00:00 UTC of that day), or null. */
  expiresAt: string | null;
  /** Where the grant starts (its first key). */
  pos: SourcePos;
  /** Where `model` is written (unknown-model diagnostics point here). */
  modelPos: SourcePos;
}

/** `group:engineering`, `user:ana@example.com`: how plans name a grant's subject (CONTRACT.md section 4). */
export function subjectKey(s: GrantSubject): string {
  return `${s.type}:${s.name}`;
}

/**
 * The identity of a grant for duplicate checks: (model, subject), a user's email compared
 * without regard to case (mail systems treat `Ana@Example.com` and `ana@example.com` as one).
 */
export function grantIdentity(g: Pick<AccessGrantSpec, 'model' | 'subject'>): string {
  return `${g.model}\u0000${subjectIdentity(g.subject.type, g.subject.name)}`;
}

/**
 * A subject as compared, in the files and against the database alike: `user:` + the email in
 * lower case, `group:` + the name as written. Only the comparison folds case: a row keeps the
 * spelling it was written with, and plans show it.
 */
export function subjectIdentity(type: GrantSubject['type'], name: string): string {
  return `${type}:${type === 'user' ? name.toLowerCase() : name}`;
}

/** `openai-prod/gpt-4o` -> ['openai-prod', 'gpt-4o'], split at the first '/'; undefined without one. */
export function splitProviderModel(ref: string): [string, string] | undefined {
  const i = ref.indexOf('/');
  return i <= 0 || i === ref.length - 1 ? undefined : [ref.slice(0, i), ref.slice(i + 1)];
}
