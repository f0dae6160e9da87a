// Current state of the request path past the providers (CONTRACT.md sections 5 and 6): model
// facades, their backends and access grants as read by src/state/read-routing.ts, and the
// usage aggregate read by src/state/read-usage.ts. Plain rows, consumed by src/plan.
import type { ModelKind, OnRemove, ProviderStatus } from './kinds';

export const SUBJECT_TYPES = ['user', 'group'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** A user-facing model (facade). Columns added by migration 4 have defaults for console rows. */
export interface ModelRow {
  id: string;
  name: string;
  /** NULL for a model made in the console without one. */
  kind: ModelKind | null;
  status: ProviderStatus;
  description: string | null;
  labels: Record<string, string>;
  /**
   * The file's routing keys as cvctl wrote them ({"strategy": "fallback", ...}), or null (the
   * defaults). The console may write here too: consumers check the values, not only the type.
   */
  routing: Record<string, unknown> | null;
  /** Scope that manages the row, or null when it was made outside cvctl (the console). */
  managedBy: string | null;
  protected: boolean;
  onRemove: OnRemove;
  /** The spec as last applied by cvctl (backends included), or null. */
  lastApplied: Record<string, unknown> | null;
  lastAppliedAt: string | null;
  /** PostgreSQL xmin (see ProviderRow.rowVersion): changes on every UPDATE, whoever makes it. */
  rowVersion: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * One model_backends row with the names a plan compares with the files. Backends have no owner
 * of their own: they follow their model's managedBy.
 */
export interface ModelBackendRow {
  id: string;
  modelId: string;
  modelName: string;
  providerModelId: string;
  /** The provider's name: with providerModel, the file's `providerModel: PROVIDER/MODEL_ID`. */
  provider: string;
  /** provider_models.model_id (e.g. `gpt-4o`). */
  providerModel: string;
  providerModelKind: ModelKind;
  providerModelStatus: ProviderStatus;
  providerStatus: ProviderStatus;
  /** As stored; console rows made before migration 4 may hold 0 (the old default). */
  priority: number;
  weight: number;
  status: ProviderStatus;
  rowVersion: number;
}

export interface AccessGrantRow {
  id: string;
  modelId: string;
  modelName: string;
  subjectType: SubjectType;
  subject: string;
  /** The file's limit keys as written ({"requestsPerMinute": 600}); {} for none. */
  limits: Record<string, unknown>;
  expiresAt: string | null;
  managedBy: string | null;
  lastApplied: Record<string, unknown> | null;
  lastAppliedAt: string | null;
  rowVersion: number;
  createdAt: string;
  updatedAt: string;
}

/** Every model, backend and grant, each list in a deterministic order (see read-routing.ts). */
export interface RoutingState {
  models: ModelRow[];
  backends: ModelBackendRow[];
  grants: AccessGrantRow[];
}

/** Days [from, to], both inclusive, as 'YYYY-MM-DD' (UTC). */
export interface UsageWindow {
  from: string;
  to: string;
  days: number;
}

/** Usage of one (model, provider model) pair summed over a window. */
export interface UsageTotal {
  /** NULL: the model was deleted since (or the gateway recorded none): "unattributed". */
  modelId: string | null;
  /** NULL: the provider model was deleted since. */
  providerModelId: string | null;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UsageReport {
  window: UsageWindow;
  /** Absent: no usage table, or one cvctl cannot read (see warnings); no estimate is made. */
  totals?: UsageTotal[];
  /** Why usage was not read or what was left out, as one sentence each. */
  warnings: string[];
}
