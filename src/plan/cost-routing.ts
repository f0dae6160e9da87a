// Traffic shares of a model facade's backends, price checks and money arithmetic for the cost
// estimator. Kept apart from cost.ts so each can be read (and tested) on its own.
import type { Pricing } from '../domain/types';
import type { CostModel, CostProviderModel, CostState } from './cost-types';

/** provider model id -> share of the facade's traffic, shares summing to 1 (empty: nothing serves). */
export type Shares = Map<string, number>;

/** The state indexed by id, built once per state so the per-row work is lookups only. */
export interface IndexedState {
  providerModels: Map<string, CostProviderModel>;
  models: Map<string, CostModel>;
  /** Shares per model id, computed lazily: most models carry no usage. */
  shares: Map<string, Shares>;
}

export function indexState(s: CostState): IndexedState {
  return {
    providerModels: new Map(s.providerModels.map((p) => [p.id, p])),
    models: new Map(s.models.map((m) => [m.id, m])),
    shares: new Map(),
  };
}

/** Whether a provider model exists in the state and can serve traffic. */
export function serves(s: IndexedState, providerModelId: string): boolean {
  return s.providerModels.get(providerModelId)?.status === 'active';
}

/**
 * How a facade splits its traffic in a state. A backend counts when it is active and its provider
 * model serves. fallback: everything goes to the lowest priority number that has such a backend,
 * split by weight within that level; weighted: split by weight across all of them. A disabled
 * facade serves nothing. Weights are 1..1000 by the schema; should all weights of the chosen
 * backends be 0 or invalid anyway, they split equally rather than divide by zero.
 */
export function sharesOf(s: IndexedState, modelId: string): Shares {
  const cached = s.shares.get(modelId);
  if (cached) return cached;
  const out: Shares = new Map();
  const model = s.models.get(modelId);
  if (model && model.status === 'active') {
    let live = model.backends.filter((b) => b.status === 'active' && serves(s, b.providerModelId));
    if (model.strategy === 'fallback' && live.length > 0) {
      const level = Math.min(...live.map((b) => b.priority));
      live = live.filter((b) => b.priority === level);
    }
    const weightOf = (w: number): number => (Number.isFinite(w) && w > 0 ? w : 0);
    const total = live.reduce((sum, b) => sum + weightOf(b.weight), 0);
    for (const b of live) {
      // The same provider model listed twice (an invalid file) adds up rather than overwrites.
      const share = total > 0 ? weightOf(b.weight) / total : 1 / live.length;
      out.set(b.providerModelId, (out.get(b.providerModelId) ?? 0) + share);
    }
  }
  s.shares.set(modelId, out);
  return out;
}

/** Shares equal within float noise (weights are integers, so real differences are far larger). */
export function sameShares(a: Shares, b: Shares): boolean {
  if (a.size !== b.size) return false;
  for (const [id, share] of a) {
    const other = b.get(id);
    if (other === undefined || Math.abs(other - share) > 1e-12) return false;
  }
  return true;
}

export type PriceProblem = 'missing-price' | 'negative-price' | 'price-out-of-range';

/**
 * The files' maximum price (USD per 1M tokens). A larger price can only come from the database
 * (the console, a hand edit); times a big token count it overflows to Infinity, and then the
 * totals print as NaN. Such a row is left out like an unknown price.
 */
export const MAX_PRICE_PER_MTOK = 100_000;

/** Why a pricing cannot be used, or null when both prices are finite and >= 0. */
export function priceProblem(p: Pricing | null | undefined): PriceProblem | null {
  if (!p) return 'missing-price';
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!ok(p.inputPerMTok) || !ok(p.outputPerMTok)) return 'missing-price';
  if (p.inputPerMTok < 0 || p.outputPerMTok < 0) return 'negative-price';
  if (p.inputPerMTok > MAX_PRICE_PER_MTOK || p.outputPerMTok > MAX_PRICE_PER_MTOK) return 'price-out-of-range';
  return null;
}

/** USD for the tokens at a (checked) pricing; prices are per 1M tokens. */
export function priceTokens(p: Pricing, inputTokens: number, outputTokens: number): number {
  return (inputTokens * p.inputPerMTok + outputTokens * p.outputPerMTok) / 1e6;
}

/**
 * Neumaier's compensated sum: thousands of small amounts added in any order give the same total
 * to the last cent, so the plan's figure does not depend on the order the database returns rows.
 */
export class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

/**
 * Whole cents, half away from zero. toPrecision(15) first strips binary noise so that an amount
 * such as 1.005 (stored as 1.00499999...) rounds the way a person would round it.
 */
export function toCents(usd: number): number {
  const cents = Number((Math.abs(usd) * 100).toPrecision(15));
  const r = Math.round(cents);
  return usd < 0 ? -r : r;
}

export function fromCents(cents: number): number {
  // Adding 0 turns -0 into 0, so JSON never shows "-0".
  return cents / 100 + 0;
}
