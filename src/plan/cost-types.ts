// Inputs and output of the cost estimator (CONTRACT.md section 6). The estimator is pure: the
// caller reads usage with one aggregate query and describes the database state before the plan
// and the state the plan leaves, in these small shapes, so the estimator knows nothing of the
// database, the files or the plan's change list.
import type { Pricing } from '../domain/types';

/**
 * Usage over the window, aggregated per (model facade, provider model): one row per pair, not
 * per day. Token and request counts are numbers (pg returns bigint as text: the caller parses).
 */
export interface UsageAggregate {
  /** models.id of the facade called; null when the model was deleted (ON DELETE SET NULL). */
  modelId: string | null;
  /** provider_models.id of the upstream that served; null when it was deleted. */
  providerModelId: string | null;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export interface CostWindow {
  /** First day of the window, YYYY-MM-DD. */
  from: string;
  /** Last day of the window, YYYY-MM-DD (inclusive). */
  to: string;
  days: number;
}

export interface CostProviderModel {
  /**
   * Identity: the same key in the before and the after state for the same row (the database id;
   * a renamed provider keeps its rows' ids). A provider model the plan creates gets any key that
   * is unique, e.g. `new:openai-prod/gpt-4o`.
   */
  id: string;
  /** Provider name (as the state has it: after a rename, the new name in the after state). */
  provider: string;
  /** Provider model id, e.g. `gpt-4o`. */
  name: string;
  /**
   * Whether it can serve traffic: `disabled` when the provider model or its provider is disabled.
   * The caller folds the provider's status in, so this file needs no provider shapes.
   */
  status: 'active' | 'disabled';
  /** USD per 1M tokens; null when unknown. */
  pricing: Pricing | null;
}

export interface CostBackend {
  providerModelId: string;
  priority: number;
  weight: number;
  status: 'active' | 'disabled';
}

export interface CostModel {
  id: string;
  name: string;
  status: 'active' | 'disabled';
  strategy: 'fallback' | 'weighted';
  backends: CostBackend[];
}

/** A state of the rows that decide price and routing; removed rows are simply absent. */
export interface CostState {
  providerModels: CostProviderModel[];
  models: CostModel[];
}

export interface CostInput {
  window: CostWindow;
  usage: UsageAggregate[];
  /** The database as it is (current prices and routing). */
  before: CostState;
  /** The database as the plan leaves it. */
  after: CostState;
}

export type CostResource =
  | { type: 'providerModel'; provider: string; name: string }
  | { type: 'model'; name: string };

export type CostReason = 'price' | 'routing' | 'removed';

export interface CostItem {
  resource: CostResource;
  reason: CostReason;
  /** USD, rounded to cents. */
  delta: number;
}

/** Why usage rows could not be priced (they are left out of before, after and delta alike). */
export type ExclusionCause = 'missing-price' | 'negative-price' | 'price-out-of-range' | 'deleted-provider-model' | 'invalid-usage';

export interface CostExclusion {
  cause: ExclusionCause;
  /** `provider/model` for a price problem, `usage` otherwise. */
  subject: string;
  rows: number;
}

/** Totals of a set of usage rows (extension beyond the contract). */
export interface UsageTotals {
  rows: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

/** The `cost` object of the plan JSON (contract section 6, plus the extensions marked). */
export interface PlanCost {
  currency: 'USD';
  windowDays: number;
  from: string;
  to: string;
  before: number;
  after: number;
  /** Always exactly `after - before` of the rounded amounts. */
  delta: number;
  /** Sorted by |delta|, largest first. */
  items: CostItem[];
  /** extension: usage whose model facade was deleted (model_id null), priced at its provider model. */
  unattributed?: UsageTotals & { before: number; after: number };
  /** extension: usage that no longer reaches any backend after the plan. */
  lost?: UsageTotals & { before: number };
  /** extension: usage left out because it could not be priced, and why. */
  excluded?: UsageTotals & { causes: CostExclusion[] };
}
