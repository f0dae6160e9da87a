// What a reviewer needs to see of a model's routing: its backends before and after a change,
// each with the share of the model's traffic it gets on either side. The renderers (routing.ts
// for text and markdown, mermaid.ts for the PR comment's diagram) draw these rows; they never
// compute a share themselves. Shares come from src/plan/cost-routing.ts, the one definition of
// how a model splits its traffic (the cost estimate uses the same), so the plan's "50%" and the
// cost estimate's 50% cannot disagree.
import { compareStrings } from '../plan/canonical';
import { indexState, sharesOf, type Shares } from '../plan/cost-routing';
import type { CostState } from '../plan/cost-types';
import type { ModelRouting, RoutingBackend, RoutingSide } from '../plan/routing-view';

export type { ModelRouting, RoutingBackend, RoutingSide };

/** How a backend row differs between the sides. */
export type RowMark = 'added' | 'removed' | 'changed' | 'same';

/** One backend, both sides merged (by provider and provider model id). */
export interface RoutingRow {
  /** `provider/providerModel`, as the files write it. */
  name: string;
  mark: RowMark;
  before: RoutingBackend | null;
  after: RoutingBackend | null;
  /** Share of the model's traffic, 0..1 (0 when absent from that side). */
  shareBefore: number;
  shareAfter: number;
}

export function backendName(b: Pick<RoutingBackend, 'provider' | 'providerModel'>): string {
  return `${b.provider}/${b.providerModel}`;
}

/** The identity of a backend within its model (a name can hold any character, so no separator is safe). */
function keyOf(b: RoutingBackend): string {
  return JSON.stringify([b.provider, b.providerModel]);
}

/** Shares of one side, by backend key: the state cost-routing.ts expects, with one model in it. */
export function sideShares(side: RoutingSide | null): Shares {
  if (side === null) return new Map();
  const state: CostState = {
    providerModels: side.backends.map((b) => ({
      id: keyOf(b),
      provider: b.provider,
      name: b.providerModel,
      status: b.serving === false ? 'disabled' : 'active',
      pricing: null,
    })),
    models: [
      {
        id: 'm',
        name: 'm',
        status: side.status,
        strategy: side.strategy,
        backends: side.backends.map((b) => ({ providerModelId: keyOf(b), priority: b.priority, weight: b.weight, status: b.status })),
      },
    ],
  };
  return sharesOf(indexState(state), 'm');
}

function sameBackend(a: RoutingBackend, b: RoutingBackend): boolean {
  return a.priority === b.priority && a.weight === b.weight && a.status === b.status && (a.serving !== false) === (b.serving !== false);
}

/**
 * The rows of a model, ordered as traffic tries them: by priority (the after side's, or the
 * before side's for a removed backend), then by name. Shares always sum to 1 per side (or 0
 * when nothing serves).
 */
export function routingRows(m: ModelRouting): RoutingRow[] {
  const before = sideShares(m.before);
  const after = sideShares(m.after);
  const rows = new Map<string, RoutingRow>();
  for (const b of m.before?.backends ?? []) {
    rows.set(keyOf(b), { name: backendName(b), mark: 'removed', before: b, after: null, shareBefore: before.get(keyOf(b)) ?? 0, shareAfter: 0 });
  }
  for (const a of m.after?.backends ?? []) {
    const k = keyOf(a);
    const r = rows.get(k);
    const shareAfter = after.get(k) ?? 0;
    if (r === undefined) {
      rows.set(k, { name: backendName(a), mark: 'added', before: null, after: a, shareBefore: 0, shareAfter });
    } else {
      r.after = a;
      r.shareAfter = shareAfter;
      r.mark = r.before !== null && sameBackend(r.before, a) ? 'same' : 'changed';
    }
  }
  const prio = (r: RoutingRow): number => (r.after ?? r.before)?.priority ?? 0;
  return [...rows.values()].sort((a, b) => prio(a) - prio(b) || compareStrings(a.name, b.name));
}

/** Whether anything a reviewer of the routing cares about moves: a backend, a share, the strategy, the model's status. */
export function routingChanged(m: ModelRouting, rows = routingRows(m)): boolean {
  if (m.before === null || m.after === null) return true;
  if (m.before.strategy !== m.after.strategy || m.before.status !== m.after.status) return true;
  return rows.some((r) => r.mark !== 'same' || Math.abs(r.shareBefore - r.shareAfter) > 1e-12);
}

/**
 * A share as a percentage a person reads: whole numbers where exact, one decimal otherwise;
 * a share too small to show as 0.1% is `<0.1%`, never `0%` (it does get traffic), and
 * one short of everything is `>99.9%`, never `100%`.
 */
export function percent(share: number): string {
  if (!(share > 0)) return '0%';
  if (share >= 1) return '100%';
  const tenths = Math.round(share * 1000) / 10;
  if (tenths <= 0) return '<0.1%';
  if (tenths >= 100) return '>99.9%';
  return `${tenths}%`;
}
