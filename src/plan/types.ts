// The Plan: versioned, serializable data (CONTRACT.md section 4). Apply reads only this;
// renderers render only this. Fields marked "extension" are additions beyond the contract.
import type { ProviderStatus } from '../domain/kinds';
import type { GrantLimits, GrantSubjectType, ModelValues } from '../domain/routing';
import type { ProviderModelValues, ProviderValues, SecretRef, SourcePos } from '../domain/types';
import type { PlanCost } from './cost-types';
import type { ModelRouting } from './routing-view';

export const PLAN_FORMAT_VERSION = 1;

export const ACTIONS = ['create', 'update', 'disable', 'enable', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * The resource types a plan holds. Each has one module in src/resources/ (identity, fields,
 * level); adding one adds its ref and its target below (CONTRACT.md section 5 adds `model`
 * {name}, `modelBackend` {model, provider, name} and `accessGrant` {model, subject}).
 */
export const RESOURCE_TYPES = ['provider', 'providerModel', 'model', 'modelBackend', 'accessGrant'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface ResourceRefs {
  provider: { type: 'provider'; name: string };
  providerModel: { type: 'providerModel'; provider: string; name: string };
  model: { type: 'model'; name: string };
  /** name: the provider model id. */
  modelBackend: { type: 'modelBackend'; model: string; provider: string; name: string };
  /** subject: `group:NAME` or `user:EMAIL` (subjectKey in src/domain/routing.ts). */
  accessGrant: { type: 'accessGrant'; model: string; subject: string };
}
export type ResourceRef<T extends ResourceType = ResourceType> = ResourceRefs[T];

/**
 * How a credential shows in a plan: never its value. `changed` is null when it is not known
 * (secrets not resolved: then `unknown` is true too), never `false` for "don't know".
 */
export interface SensitiveValue {
  sensitive: true;
  changed: boolean | null;
  prefix: string | null;
  /** extension: true when secrets were not resolved (`plan --no-resolve-secrets`). */
  unknown?: true;
}

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface Cascade {
  providerModels: number;
  modelBackends: number;
  modelsLeftWithoutBackends: string[];
  /** extension: on a model's delete, the access grants the database deletes with it. */
  accessGrants?: number;
}

/** Optimistic-concurrency expectation recorded at plan time and checked at apply time. */
export type RowExpectation =
  | { absent: true }
  | { id: string; rowVersion: number };

/** A credential to (re)write: the reference, re-resolved at apply time, never the value. */
export interface CredentialTarget {
  ref: SecretRef;
  /** Directory of the declaring YAML file, relative to the working directory. */
  baseDir: string;
  pos: SourcePos;
  /** HMAC fingerprint seen at plan time (when it could be computed), checked at apply time. */
  fingerprint?: string;
}

export interface ProviderTarget extends ProviderValues {
  name: string;
  /** Credential fields to write; null when the stored credentials stay as they are. */
  credentials: Record<string, CredentialTarget> | null;
  /** The record stored in last_applied (for 3-way drift). */
  lastApplied: Record<string, unknown>;
}

export interface ProviderModelTarget extends ProviderModelValues {
  lastApplied: Record<string, unknown>;
}

/**
 * A user-facing Model (CONTRACT.md section 5). Added to RESOURCE_TYPES with its registry module
 * (src/resources/model.ts); its backends are separate `modelBackend` changes.
 */
export interface ModelTarget extends ModelValues {
  name: string;
  lastApplied: Record<string, unknown>;
}

/** One row of model_backends: identity (model, provider, providerModel id). */
export interface ModelBackendTarget {
  model: string;
  provider: string;
  /** The provider model id. */
  providerModel: string;
  priority: number;
  weight: number;
  status: ProviderStatus;
}

/** One row of access_grants: identity (model, subject). */
export interface AccessGrantTarget {
  model: string;
  subjectType: GrantSubjectType;
  /** The group name or the user's email. */
  subject: string;
  /** The file's keys as written: only those set are present. */
  limits: GrantLimits;
  /** ISO 8601 UTC time, or null. */
  expiresAt: string | null;
  lastApplied: Record<string, unknown>;
}

export interface Targets {
  provider: ProviderTarget;
  providerModel: ProviderModelTarget;
  model: ModelTarget;
  modelBackend: ModelBackendTarget;
  accessGrant: AccessGrantTarget;
}

/** Why a change exists (extension): a closed set, written in plan JSON as these texts. */
export const REASON = {
  removed: 'removed from files',
  removedDisable: 'removed from files; onRemove: disable',
} as const;
export type TakeOverReason = `take over from cvctl scope '${string}'`;
export type Reason = (typeof REASON)[keyof typeof REASON] | TakeOverReason;
export type ReasonCode = 'removed' | 'removed-disable' | 'take-over';

export function takeOverReason(owner: string): TakeOverReason {
  return `take over from cvctl scope '${owner}'`;
}

export function reasonCode(r: Reason): ReasonCode {
  if (r === REASON.removed) return 'removed';
  if (r === REASON.removedDisable) return 'removed-disable';
  return 'take-over';
}

/** What every change has, whatever its resource type and action. */
interface ChangeCommon {
  /** What the change shows; a credential's value is {"sensitive": true, ...} (fields marked sensitive in src/resources). */
  fields?: FieldChange[];
  cascade?: Cascade;
  /** true when this update takes over a row made outside cvctl (`--adopt`). */
  adopt?: true;
  /** The row's name before this update (`renamedFrom` in the files); the row keeps its id. */
  renamedFrom?: string;
  /** extension: why the change exists. */
  reason?: Reason;
  /** extension: stale-plan check. */
  expect: RowExpectation;
}

export type WriteAction = Exclude<Action, 'delete'>;

/** A create/update/enable/disable: carries the full target state of its resource type. */
export type WriteChange<T extends ResourceType = ResourceType, A extends WriteAction = WriteAction> = {
  [K in A]: ChangeCommon & { action: K; resource: ResourceRefs[T]; /** extension: the full target state. */ target: Targets[T] };
}[A];

/** A delete carries no target. */
export type DeleteChange<T extends ResourceType = ResourceType> = ChangeCommon & {
  action: 'delete';
  resource: ResourceRefs[T];
  target?: undefined;
};

export type ChangeOf<T extends ResourceType> = WriteChange<T> | DeleteChange<T>;

/** A discriminated union on resource.type × action: switch on both, exhaustively. */
export type Change = { [T in ResourceType]: ChangeOf<T> }[ResourceType];

/**
 * Narrows a change by its resource type (TypeScript narrows a union by a member's own
 * discriminant, `action`, but not by a nested one, `resource.type`); then by action.
 */
export function isChangeOf<T extends ResourceType>(c: Change, type: T): c is Extract<Change, { resource: { type: T } }> {
  return c.resource.type === type;
}

export interface PlanWarning {
  code: string;
  message: string;
  resource?: ResourceRef;
}

export type Summary = Record<Action, number>;

/** A policy rule broken (a diagnostic: `policy-*` code, file, line and column of what violates). */
export interface PolicyViolation {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

/**
 * extension: a row the policy verdict rests on that the plan neither writes nor reads from the
 * files: a provider model of a provider the files do not declare, which some declared model's
 * backend stands on (requireFallback asks whether it serves). apply re-reads each one in its
 * transaction and refuses the plan as stale when it serves differently now (src/apply/policy-basis.ts).
 */
export interface PolicyBasisEntry {
  provider: string;
  modelId: string;
  /** After the plan, as judged: `absent` when no such provider model exists. */
  serving: 'active' | 'disabled' | 'absent';
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  scope: string;
  summary: Summary;
  changes: Change[];
  warnings: PlanWarning[];
  /** What the plan does to spend (CONTRACT.md section 6); absent when the window holds no usage or with `--no-cost`. */
  cost?: PlanCost;
  /** Policy violations (CONTRACT.md section 7); absent when the files hold no policy. apply refuses a plan with any. */
  policy?: { violations: PolicyViolation[]; basis?: PolicyBasisEntry[] };
  /**
   * extension: the routing of each model the plan changes, before and after (src/plan/routing-view.ts),
   * for the renderers' traffic shares and the PR comment's diagram. Display only: apply never reads
   * it, and checkPlanConsistency refuses a plan whose routing is not what its changes imply.
   */
  routing?: ModelRouting[];
  /** extension: metadata, not part of the digest's meaning but covered by it. */
  meta?: {
    createdAt: string;
    cvctlVersion: string;
    catalogVersion: string;
    secretsResolved: boolean;
  };
  /** extension: sha256 over the canonical JSON of everything else; detects edited plan files. */
  digest?: string;
  /** extension: the authentication tag of a saved plan (src/plan/auth.ts); absent on untrusted plans. */
  auth?: PlanAuth;
}

/** A wrapped plan-signing key carried by a plan made for a database that has no key yet. */
export interface WrappedPlanKey {
  /** base64 of the KEK-wrapped key. */
  wrapped: string;
  kekId: string;
}

export interface PlanAuth {
  alg: 'HMAC-SHA256';
  /** Identifies the signing key (a one-way function of it): tells "another key" from "edited". */
  keyId: string;
  /** The KEK that wraps the database's key, as recorded in cvctl_keys when the plan was made. */
  kekId: string;
  /** Present only when the database had no key yet: the key apply installs (src/apply/plan-key.ts). */
  newKey?: WrappedPlanKey;
  /** hex HMAC-SHA-256 over the whole canonical plan except this member. */
  tag: string;
}
