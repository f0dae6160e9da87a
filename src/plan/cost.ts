// The cost estimate of a plan (CONTRACT.md section 6), as a pure function of the window's usage,
// the state before and the state the plan leaves. The method, with a worked example, is in
// docs/cost-and-policy.md; the rules in short:
//
//   before  every usage row at the current price of the provider model that served it.
//   after   the same tokens: a row stays on its provider model (at its new price) when its
//           facade's routing is unchanged and that provider model still serves; otherwise it is
//           re-split over the facade's new backends, or lost when nothing serves it. A row whose
//           facade was deleted (model_id null, "unattributed") stays on its provider model if
//           that still serves, and is lost otherwise.
//   items   each row's after - before goes to one item, the first that applies: the facade is
//           removed or disabled (model, removed); its provider model stops serving
//           (providerModel, removed); the facade's routing changes (model, routing); otherwise
//           (providerModel, price).
//
// A row that cannot be priced (missing, negative or out-of-range price, before or after, or the provider model
// that served it already deleted) is left out of before, after and every item, and counted in
// `excluded` with its cause: a total that silently treats an unknown price as 0 would be wrong,
// and a reviewer is better served by a warning.
import {
  fromCents,
  indexState,
  priceProblem,
  priceTokens,
  sameShares,
  serves,
  sharesOf,
  Sum,
  toCents,
  type IndexedState,
} from './cost-routing';
import type { Pricing } from '../domain/types';
import type {
  CostExclusion,
  CostInput,
  CostItem,
  CostResource,
  CostReason,
  CostWindow,
  ExclusionCause,
  PlanCost,
  UsageAggregate,
  UsageTotals,
} from './cost-types';

interface Attribution {
  resource: CostResource;
  reason: CostReason;
}

/** Where a row's tokens go after the plan: provider model id -> share (empty: lost). */
interface Destination {
  to: Array<[string, number]>;
  attribution: Attribution;
}

/**
 * What every row of one (facade, provider model) pair gets: the pair decides the prices, the
 * routing and the item, the row only brings token counts. Worked out once per pair, so the
 * per-row work is arithmetic (the aggregate has one row per pair; un-aggregated input many).
 */
type PairOutcome =
  | { excluded: ExclusionCause; subject: string }
  | { before: Pricing; after: Pricing; item: ItemSum; lost: boolean; unattributed: boolean };

interface ItemSum {
  attribution: Attribution;
  delta: Sum;
}

function totals(): UsageTotals {
  return { rows: 0, requests: 0, inputTokens: 0, outputTokens: 0 };
}

function addTotals(t: UsageTotals, row: UsageAggregate): void {
  t.rows += 1;
  t.requests += row.requests;
  t.inputTokens += row.inputTokens;
  t.outputTokens += row.outputTokens;
}

function validCount(n: unknown): boolean {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0;
}

function pmResource(s: IndexedState, id: string): CostResource {
  const pm = s.providerModels.get(id);
  return { type: 'providerModel', provider: pm?.provider ?? '?', name: pm?.name ?? id };
}

/** The provider model's resource named as the plan leaves it (a renamed provider shows its new name). */
function pmResourceAfter(before: IndexedState, after: IndexedState, id: string): CostResource {
  return after.providerModels.has(id) ? pmResource(after, id) : pmResource(before, id);
}

function destination(row: UsageAggregate, pmId: string, before: IndexedState, after: IndexedState): Destination {
  const stay: Array<[string, number]> = [[pmId, 1]];
  const pmGone = !serves(after, pmId);
  const facade = row.modelId !== null ? before.models.get(row.modelId) : undefined;
  if (!facade) {
    // Unattributed: nothing routes this traffic any more; it stays where it was served, if it can.
    const reason: CostReason = pmGone ? 'removed' : 'price';
    return { to: pmGone ? [] : stay, attribution: { resource: pmResourceAfter(before, after, pmId), reason } };
  }
  const facadeAfter = after.models.get(facade.id);
  if (!facadeAfter || facadeAfter.status !== 'active') {
    return { to: [], attribution: { resource: { type: 'model', name: facade.name }, reason: 'removed' } };
  }
  const sharesAfter = sharesOf(after, facade.id);
  const routingChanged = !sameShares(sharesOf(before, facade.id), sharesAfter);
  if (!routingChanged && !pmGone) {
    return { to: stay, attribution: { resource: pmResourceAfter(before, after, pmId), reason: 'price' } };
  }
  const to = [...sharesAfter].filter(([, share]) => share > 0);
  const attribution: Attribution = pmGone
    ? { resource: pmResource(before, pmId), reason: 'removed' }
    : { resource: { type: 'model', name: facadeAfter.name }, reason: 'routing' };
  return { to, attribution };
}

/** The pair's prices and item; `after` is the traffic-weighted price over where its tokens go. */
function pairOutcome(row: UsageAggregate, before: IndexedState, after: IndexedState, acc: Accumulator): PairOutcome {
  const pmId = row.providerModelId;
  const served = pmId !== null ? before.providerModels.get(pmId) : undefined;
  if (pmId === null || !served) return { excluded: 'deleted-provider-model', subject: 'usage' };
  const beforeProblem = priceProblem(served.pricing);
  if (beforeProblem) return { excluded: beforeProblem, subject: `${served.provider}/${served.name}` };

  const dest = destination(row, pmId, before, after);
  const afterPrice: Pricing = { inputPerMTok: 0, outputPerMTok: 0 };
  for (const [id, share] of dest.to) {
    const pm = after.providerModels.get(id)!;
    const problem = priceProblem(pm.pricing);
    if (problem) return { excluded: problem, subject: `${pm.provider}/${pm.name}` };
    afterPrice.inputPerMTok += share * pm.pricing!.inputPerMTok;
    afterPrice.outputPerMTok += share * pm.pricing!.outputPerMTok;
  }
  return {
    before: served.pricing!,
    after: afterPrice,
    item: acc.itemFor(dest.attribution),
    lost: dest.to.length === 0,
    unattributed: row.modelId === null || !before.models.has(row.modelId),
  };
}

function resourceKey(r: CostResource): string {
  return r.type === 'model' ? `model\u0000${r.name}` : `providerModel\u0000${r.provider}\u0000${r.name}`;
}

/** Collects the rows' outcomes; sums stay unrounded until result(). */
class Accumulator {
  private readonly before = new Sum();
  private readonly after = new Sum();
  private readonly items = new Map<string, ItemSum>();
  private readonly unattributed = { totals: totals(), before: new Sum(), after: new Sum() };
  private readonly lost = { totals: totals(), before: new Sum() };
  private readonly excluded = { totals: totals(), causes: new Map<string, CostExclusion>() };

  itemFor(attribution: Attribution): ItemSum {
    const key = `${resourceKey(attribution.resource)}\u0000${attribution.reason}`;
    let item = this.items.get(key);
    if (!item) this.items.set(key, (item = { attribution, delta: new Sum() }));
    return item;
  }

  exclude(row: UsageAggregate, cause: ExclusionCause, subject: string): void {
    addTotals(this.excluded.totals, row);
    const key = `${cause}\u0000${subject}`;
    const c = this.excluded.causes.get(key) ?? { cause, subject, rows: 0 };
    c.rows += 1;
    this.excluded.causes.set(key, c);
  }

  add(row: UsageAggregate, o: PairOutcome): void {
    if ('excluded' in o) return this.exclude(row, o.excluded, o.subject);
    const before = priceTokens(o.before, row.inputTokens, row.outputTokens);
    const after = priceTokens(o.after, row.inputTokens, row.outputTokens);
    this.before.add(before);
    this.after.add(after);
    o.item.delta.add(after - before);
    if (o.unattributed) {
      addTotals(this.unattributed.totals, row);
      this.unattributed.before.add(before);
      this.unattributed.after.add(after);
    }
    if (o.lost) {
      addTotals(this.lost.totals, row);
      this.lost.before.add(before);
    }
  }

  result(window: CostWindow): PlanCost {
    const beforeCents = toCents(this.before.value);
    const afterCents = toCents(this.after.value);
    const items: CostItem[] = [];
    for (const { attribution, delta } of this.items.values()) {
      const cents = toCents(delta.value);
      // An item that rounds to nothing (a routing change between equal prices) is not news.
      if (cents !== 0) items.push({ resource: attribution.resource, reason: attribution.reason, delta: fromCents(cents) });
    }
    items.sort(
      (a, b) =>
        Math.abs(b.delta) - Math.abs(a.delta) ||
        (resourceKey(a.resource) < resourceKey(b.resource) ? -1 : resourceKey(a.resource) > resourceKey(b.resource) ? 1 : 0) ||
        (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0),
    );
    const cost: PlanCost = {
      currency: 'USD',
      windowDays: window.days,
      from: window.from,
      to: window.to,
      before: fromCents(beforeCents),
      after: fromCents(afterCents),
      delta: fromCents(afterCents - beforeCents),
      items,
    };
    const u = this.unattributed;
    if (u.totals.rows > 0) {
      cost.unattributed = { ...u.totals, before: fromCents(toCents(u.before.value)), after: fromCents(toCents(u.after.value)) };
    }
    if (this.lost.totals.rows > 0) cost.lost = { ...this.lost.totals, before: fromCents(toCents(this.lost.before.value)) };
    if (this.excluded.totals.rows > 0) {
      const causes = [...this.excluded.causes.values()].sort((a, b) => b.rows - a.rows || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0));
      cost.excluded = { ...this.excluded.totals, causes };
    }
    return cost;
  }
}

function hasUsage(row: UsageAggregate): boolean {
  // A row with NaN or negative counts is still "usage" (to be excluded and reported), not silence.
  return !(row.requests === 0 && row.inputTokens === 0 && row.outputTokens === 0);
}

/**
 * The plan's `cost` object, or undefined when the window holds no usage (then the plan has no
 * `cost` key). Amounts are summed unrounded and rounded to cents once; delta is after - before of
 * the rounded amounts, so the three always agree.
 */
export function estimateCost(input: CostInput): PlanCost | undefined {
  if (!input.usage.some(hasUsage)) return undefined;
  const before = indexState(input.before);
  const after = indexState(input.after);
  const acc = new Accumulator();
  const pairs = new Map<string, PairOutcome>();
  for (const row of input.usage) {
    if (!hasUsage(row)) continue;
    if (!(validCount(row.requests) && validCount(row.inputTokens) && validCount(row.outputTokens))) {
      acc.exclude(row, 'invalid-usage', 'usage');
      continue;
    }
    const key = `${row.modelId ?? ''}\u0000${row.providerModelId ?? ''}`;
    let pair = pairs.get(key);
    if (!pair) pairs.set(key, (pair = pairOutcome(row, before, after, acc)));
    acc.add(row, pair);
  }
  return acc.result(input.window);
}

const CAUSE_TEXT: Record<ExclusionCause, string> = {
  'missing-price': 'has no price',
  'negative-price': 'has a negative price',
  'price-out-of-range': 'has a price above $100,000 per 1M tokens (the files\' maximum)',
  'deleted-provider-model': 'was served by a provider model that no longer exists',
  'invalid-usage': 'has a negative or non-numeric count',
};

/** The plan warnings a cost estimate carries: what was left out, and unattributed usage. */
export function costWarnings(cost: PlanCost): string[] {
  const out: string[] = [];
  for (const c of cost.excluded?.causes ?? []) {
    const rows = `${c.rows} usage ${c.rows === 1 ? 'row' : 'rows'}`;
    // The cause text is singular ("has", "was"): rows are its subject only without a provider model.
    const plural = c.rows === 1 ? CAUSE_TEXT[c.cause] : CAUSE_TEXT[c.cause].replace(/^has /, 'have ').replace(/^was /, 'were ');
    const what = c.subject === 'usage' ? `${rows} ${plural}` : `${rows} on ${c.subject}: it ${CAUSE_TEXT[c.cause]}`;
    out.push(`cost estimate: ${what}; left out of before, after and delta`);
  }
  const u = cost.unattributed;
  if (u) {
    out.push(
      `cost estimate: ${u.requests} requests (${u.inputTokens + u.outputTokens} tokens, $${u.before.toFixed(2)}) were made through model facades that no longer exist (unattributed); priced at the provider model that served them`,
    );
  }
  return out;
}
