// One aligned row per created or updated provider model, in the text and markdown plans: what a
// reviewer needs to see a price or context change without `--output json`:
//
//   gpt-4o                  chat       context 128,000  input $2.50  output $10.00
//   claude-opus-4           chat       context 200,000  input $15.00 → $12.00  output $75.00 → $60.00
//
// Prices are USD per 1M tokens (said once above the rows). For an update, a value that changes
// shows `before → after`. Columns are sized from the rows themselves; an id longer than ID_CAP
// gets a line of its own and its columns go on the next line, so one long fine-tune id
// (`ft:gpt-4o-mini-2024-07-18:acme:support:abc123`) never pushes every other row right.
import type { Change, FieldChange, ProviderModelTarget } from '../plan/types';
import { memberName } from './common';

export const ID_CAP = 32;
export const PRICE_UNIT_NOTE = 'prices in USD per 1M tokens';

/** The fields a row shows; the renderers list the model's other changed fields beneath it. */
export function inRow(path: string): boolean {
  return path === 'kind' || path === 'contextWindow' || path.startsWith('pricing');
}

export interface ModelRow {
  id: string;
  cells: { kind: string; context: string; input: string; output: string };
  /** Some value in the row changes (an update's before → after). */
  changed: boolean;
}

/** 1234567 -> "1,234,567"; null -> "-". */
function count(v: unknown): string {
  if (typeof v !== 'number') return v === null || v === undefined ? '-' : String(v);
  return memo(COUNTS, v, () => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ','));
}

/** 2.5 -> "$2.50", 0.075 -> "$0.075", null -> "-". */
function price(v: unknown): string {
  if (typeof v !== 'number') return v === null || v === undefined ? '-' : String(v);
  return memo(PRICES, v, () => {
    const s = String(v);
    const decimals = s.includes('.') ? s.split('.')[1].length : 0;
    return `$${decimals >= 2 || s.includes('e') ? s : v.toFixed(2)}`;
  });
}

// A plan of 100,000 models shows a few hundred distinct prices and context windows: each is
// formatted once. Bounded: past MEMO_MAX distinct values the rest are formatted every time.
const MEMO_MAX = 10_000;
const COUNTS = new Map<number, string>();
const PRICES = new Map<number, string>();
function memo(cache: Map<number, string>, v: number, make: () => string): string {
  let s = cache.get(v);
  if (s === undefined) {
    s = make();
    if (cache.size < MEMO_MAX) cache.set(v, s);
  }
  return s;
}

function isModelTarget(t: Change['target']): t is ProviderModelTarget {
  return t !== undefined && 'modelId' in t;
}

/** The value after the change (target), and before it (the field's `before`, when it changed). */
function cell(c: Change, f: FieldChange | undefined, after: unknown, fmt: (v: unknown) => string): { text: string; changed: boolean } {
  if (c.action === 'create' || f === undefined) return { text: fmt(f !== undefined ? f.after : after), changed: false };
  return { text: `${fmt(f.before)} → ${fmt(f.after)}`, changed: true };
}

/** The row's fields of a change, found in one pass over its fields. */
function rowFields(c: Change): Partial<Record<'kind' | 'contextWindow' | 'pricing.inputPerMTok' | 'pricing.outputPerMTok' | 'pricing', FieldChange>> {
  const out: ReturnType<typeof rowFields> = {};
  for (const f of c.fields ?? []) {
    if (f.path === 'kind' || f.path === 'contextWindow' || f.path === 'pricing.inputPerMTok' || f.path === 'pricing.outputPerMTok' || f.path === 'pricing') {
      out[f.path] ??= f;
    }
  }
  return out;
}

/** The row of a create or update of a provider model; undefined for deletes (no target). */
export function modelRow(c: Change): ModelRow | undefined {
  const t = c.target;
  if (c.action === 'delete' || !isModelTarget(t)) return undefined;
  const f = rowFields(c);
  const kind = cell(c, f.kind, t.kind, String);
  const context = cell(c, f.contextWindow, t.contextWindow, count);
  const input = cell(c, f['pricing.inputPerMTok'], t.pricing?.inputPerMTok ?? null, price);
  const output = cell(c, f['pricing.outputPerMTok'], t.pricing?.outputPerMTok ?? null, price);
  // A whole pricing object added or removed shows as one `pricing` field.
  const whole = c.action !== 'create' ? f.pricing : undefined;
  if (whole !== undefined) {
    const side = (v: unknown, k: 'inputPerMTok' | 'outputPerMTok'): unknown => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : null);
    input.text = `${price(side(whole.before, 'inputPerMTok'))} → ${price(side(whole.after, 'inputPerMTok'))}`;
    output.text = `${price(side(whole.before, 'outputPerMTok'))} → ${price(side(whole.after, 'outputPerMTok'))}`;
    input.changed = output.changed = true;
  }
  return {
    id: memberName(c.resource),
    cells: { kind: kind.text, context: context.text, input: input.text, output: output.text },
    changed: kind.changed || context.changed || input.changed || output.changed,
  };
}

export interface RowLayout {
  idWidth: number;
  kind: number;
  context: number;
  input: number;
}

export function layoutRows(rows: ModelRow[]): RowLayout {
  const w = (xs: number[]): number => Math.max(0, ...xs);
  return {
    idWidth: w(rows.filter((r) => r.id.length <= ID_CAP).map((r) => r.id.length)),
    kind: w(rows.map((r) => r.cells.kind.length)),
    context: w(rows.map((r) => r.cells.context.length)),
    input: w(rows.map((r) => r.cells.input.length)),
  };
}

/**
 * The row's lines: `lead` + id + columns, or for an id longer than the layout allows, the id on
 * its own line and the columns on the next, under `indent` (the width of `lead` in spaces).
 */
export function rowLines(r: ModelRow, l: RowLayout, lead: string, indent: string, notes = ''): string[] {
  const cols = [
    r.cells.kind.padEnd(l.kind),
    `context ${r.cells.context.padStart(l.context)}`,
    `input ${r.cells.input.padEnd(l.input)}`,
    `output ${r.cells.output}`,
  ].join('  ');
  if (r.id.length > l.idWidth) {
    return [`${lead}${r.id}${notes}`, `${indent}${' '.repeat(l.idWidth)}  ${cols}`.trimEnd()];
  }
  return [`${lead}${r.id.padEnd(l.idWidth)}  ${cols}${notes}`.trimEnd()];
}
