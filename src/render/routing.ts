// A model's routing and its access grants as a reviewer reads them, for the text plan and the
// markdown PR comment's diff blocks:
//
//   routing: fallback
//   ~ openai-prod/gpt-4o                p1  w100 → w50  100% → 50%
//   + anthropic-main/claude-sonnet-4-6  p1  w50           0% → 50%  (added)
//   - azure-eu/gpt-4o                   p2  w100          0%        (removed)
//
//   + group:engineering → chat-default  600 req/min, 5,000,000 tokens/day, $2,000/month, expires 2027-06-30
//
// Rows come from routing-view.ts (shares included). Names are escaped here (a console-made row
// can hold a line break); the caller's whole-output escape catches the rest.
import { escapeControl } from '../escape';
import type { GrantLimits } from '../domain/routing';
import { percent, routingRows, type ModelRouting, type RoutingBackend, type RoutingRow, type RowMark } from './routing-view';

/** The first character of each row: the text plan's marks, or a markdown `diff` block's. */
export type RowMarks = Record<RowMark, string>;
export const TEXT_MARKS: RowMarks = { added: '+', removed: '-', changed: '~', same: ' ' };
/** GitHub colours `+` green, `-` red and `!` orange in a diff block. */
export const DIFF_MARKS: RowMarks = { added: '+', removed: '-', changed: '!', same: ' ' };

/** Names longer than this get no padding of their own: one long id must not push every row right. */
const NAME_CAP = 48;

function side<T>(r: RoutingRow, pick: (b: RoutingBackend) => T, fmt: (v: T) => string): string {
  if (r.before === null || r.after === null) return fmt(pick((r.after ?? r.before) as RoutingBackend));
  const [a, b] = [pick(r.before), pick(r.after)];
  return a === b ? fmt(a) : `${fmt(a)} → ${fmt(b)}`;
}

function shareCell(r: RoutingRow, m: ModelRouting): string {
  // A model created or deleted has one side only: its shares need no arrow.
  if (m.before === null) return percent(r.shareAfter);
  if (m.after === null) return percent(r.shareBefore);
  if (r.shareBefore === r.shareAfter) return percent(r.shareAfter);
  return `${percent(r.shareBefore)} → ${percent(r.shareAfter)}`;
}

function notes(r: RoutingRow, m: ModelRouting): string[] {
  const out: string[] = [];
  // A whole model created or deleted marks every row already.
  if (r.mark === 'added' && m.before !== null) out.push('added');
  if (r.mark === 'removed' && m.after !== null) out.push('removed');
  const status = side(r, (b) => b.status, String);
  if (status !== 'active') out.push(status);
  const now = r.after ?? r.before;
  if (now !== null && now.serving === false) out.push('provider model not serving');
  return out;
}

/** `routing: fallback → weighted`, and whether the model itself serves. */
export function routingHeader(m: ModelRouting): string {
  const s = (x: ModelRouting['before']): string => x?.strategy ?? '';
  const strategy = m.before === null || m.after === null || s(m.before) === s(m.after) ? s(m.after ?? m.before) : `${s(m.before)} → ${s(m.after)}`;
  const status = (m.after ?? m.before)?.status;
  const wasOff = m.before?.status === 'disabled';
  const tail = status === 'disabled' ? ' (model disabled: serves no traffic)' : wasOff && m.after !== null ? ' (model enabled)' : '';
  return `routing: ${strategy}${tail}`;
}

/**
 * The header and one aligned row per backend, each line after `indent` and its mark. Rows are
 * in the order traffic tries them (routing-view.ts).
 */
export function routingLines(m: ModelRouting, indent: string, marks: RowMarks, rows: RoutingRow[] = routingRows(m)): string[] {
  const cells = rows.map((r) => ({
    mark: marks[m.before === null ? 'added' : m.after === null ? 'removed' : r.mark],
    name: escapeControl(r.name),
    p: side(r, (b) => b.priority, (v) => `p${v}`),
    w: side(r, (b) => b.weight, (v) => `w${v}`),
    share: shareCell(r, m),
    notes: notes(r, m),
  }));
  const width = (xs: string[]): number => Math.max(0, ...xs.map((x) => x.length));
  const nameW = width(cells.map((c) => c.name).filter((n) => n.length <= NAME_CAP));
  const pW = width(cells.map((c) => c.p));
  const wW = width(cells.map((c) => c.w));
  // Shares aligned on their arrow; a share that does not change stands in the "after" column.
  const arrow = ' → ';
  const beforeW = width(cells.map((c) => (c.share.includes(arrow) ? c.share.split(arrow)[0] : '')));
  const shareText = (s: string): string => {
    const i = s.indexOf(arrow);
    return i < 0 ? `${' '.repeat(beforeW > 0 ? beforeW + arrow.length : 0)}${s}` : `${s.slice(0, i).padStart(beforeW)}${s.slice(i)}`;
  };
  const shareW = width(cells.map((c) => shareText(c.share)));
  const out = [`  ${routingHeader(m)}`];
  if (cells.length === 0) out.push('    (no backends)');
  for (const c of cells) {
    const tail = c.notes.length > 0 ? `  (${c.notes.join(', ')})` : '';
    const line = `${c.mark} ${c.name.padEnd(nameW)}  ${c.p.padEnd(pW)}  ${c.w.padEnd(wW)}  ${shareText(c.share).padEnd(shareW)}${tail}`;
    out.push(line.trimEnd());
  }
  return out.map((l) => `${indent}${l}`);
}

// One formatter each, made once and only when a grant is shown: toLocaleString with options
// builds a new one per call (~35 µs; 5,000 grants' limits took 0.19 s of a first apply on
// L+routing: docs/benchmarks-scale.md), and making them costs ~14 ms, which a command that shows
// no grant need not pay at start-up.
let formats: { count: Intl.NumberFormat; whole: Intl.NumberFormat; cents: Intl.NumberFormat } | undefined;
const numberFormats = (): NonNullable<typeof formats> =>
  (formats ??= {
    count: new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }),
    whole: new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 }),
    cents: new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  });

/** 5000000 -> "5,000,000". */
function count(n: number): string {
  return numberFormats().count.format(n);
}

/** 2000 -> "$2,000", 12.5 -> "$12.50". */
function usd(n: number): string {
  const f = numberFormats();
  return `$${(Number.isInteger(n) ? f.whole : f.cents).format(n)}`;
}

/** The limits a grant can carry, in the order a reviewer reads them, with how each one reads. */
const LIMITS: ReadonlyArray<[keyof GrantLimits, (v: number) => string, string]> = [
  ['requestsPerMinute', (v) => `${count(v)} req/min`, 'no req/min limit'],
  ['tokensPerDay', (v) => `${count(v)} tokens/day`, 'no tokens/day limit'],
  ['monthlyBudgetUsd', (v) => `${usd(v)}/month`, 'no monthly budget'],
];

/** A grant as one side of a change has it. */
export interface GrantView {
  model: string;
  /** `group:engineering`, `user:ana@example.com`. */
  subject: string;
  limits: GrantLimits;
  /** ISO 8601 UTC, or null. */
  expiresAt: string | null;
}

/** `2027-06-30` for midnight UTC (how a date in the files is stored), the full time otherwise. */
export function expiryText(iso: string | null): string {
  if (iso === null) return 'no expiry';
  const m = /^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.000)?(?:Z|\+00:00)$/.exec(iso);
  return `expires ${m !== null ? m[1] : iso}`;
}

function limitValue(l: GrantLimits, key: keyof GrantLimits): number | undefined {
  const v = l[key];
  return typeof v === 'number' ? v : undefined;
}

/**
 * Who may call what, with limits: `group:engineering → chat-default  600 req/min, …, expires
 * 2027-06-30`. With both sides, a limit that changes reads `600 req/min → 1,200 req/min`; a
 * limit set on neither side is left out, and a grant with none says `no limits`.
 */
export function grantText(before: GrantView | null, after: GrantView | null): string {
  const g = after ?? before;
  if (g === null) return '';
  const parts: string[] = [];
  for (const [key, fmt, none] of LIMITS) {
    const a = before !== null && after !== null ? limitValue(before.limits, key) : undefined;
    const b = limitValue(g.limits, key);
    const show = (v: number | undefined): string => (v === undefined ? none : fmt(v));
    if (before === null || after === null || a === b) {
      if (b !== undefined) parts.push(fmt(b));
    } else {
      parts.push(`${show(a)} → ${show(b)}`);
    }
  }
  if (parts.length === 0) parts.push('no limits');
  const expBefore = before !== null && after !== null ? expiryText(before.expiresAt) : null;
  const expAfter = expiryText(g.expiresAt);
  if (expBefore !== null && expBefore !== expAfter) parts.push(`${expBefore} → ${expAfter}`);
  else if (g.expiresAt !== null) parts.push(expAfter);
  return `${escapeControl(g.subject)} → ${escapeControl(g.model)}  ${parts.join(', ')}`;
}
