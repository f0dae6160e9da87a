// The PR comment's picture of a routing change: a Mermaid flowchart (GitHub renders ```mermaid
// blocks in comments) of each changed Model → its backends, each edge labelled with the
// backend's priority and its share of the model's traffic before → after. Removed backends and
// backends that take no traffic (disabled, or their provider model is) hang on dashed edges
// (`-.->`), added ones on thick edges (`==>`), so a reviewer sees the traffic move at a glance.
//
// Safety: node ids are generated (`m3`, `m3b2`), never taken from a name, so no name can be a
// Mermaid keyword or reach the syntax. Every name is escaped for reading first (src/escape.ts:
// a line break or bidi control shows as `\n`, `\u202e`), then every character outside a small
// safe set becomes a Mermaid entity code (`#35;`), inside a double-quoted label: a quote,
// bracket, pipe, backtick, `<`, `%%` or a fence cannot end the label, the statement or the
// code block.
//
// Size: GitHub rejects a comment over 65,536 characters and Mermaid refuses large graphs, so the
// diagram has a budget (models drawn, backends per model, characters); what is past it is
// counted in one line under the diagram, never drawn in part.
import { escapeControl } from '../escape';
import { percent, routingChanged, routingRows, type ModelRouting, type RoutingRow } from './routing-view';

export interface MermaidOptions {
  /** Models drawn at most (default 20). */
  maxModels?: number;
  /** Backends drawn per model at most; the rest are one "… N more" node (default 12). */
  maxBackends?: number;
  /** Characters of the whole block, fence and note included (default 12,000). */
  maxChars?: number;
}

export const MERMAID_DEFAULTS = { maxModels: 20, maxBackends: 12, maxChars: 12_000 } as const;

/** Characters of a name shown in a node; longer names end in `…` (the rows above show them whole). */
const LABEL_CAP = 60;

/** "1 more model", "9,980 more models". */
function plural(n: number, one: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : `${one}s`}`;
}

/** Characters a label may hold as they are; everything else becomes `#<code point>;`. */
const SAFE = /[A-Za-z0-9 ._\-/:@+,=()]/;

/** A name as Mermaid label text: readable-escaped, capped, then entity-coded outside SAFE. */
export function mermaidText(name: string): string {
  const chars = Array.from(escapeControl(name));
  const code = (cs: string[]): string => cs.map((c) => (SAFE.test(c) ? c : `#${c.codePointAt(0)};`)).join('');
  return chars.length > LABEL_CAP ? `${code(chars.slice(0, LABEL_CAP - 1))}…` : code(chars);
}

function edgeLabel(r: RoutingRow, m: ModelRouting): string {
  const parts: string[] = [];
  if (r.mark === 'added' && m.before !== null) parts.push('added');
  if (r.mark === 'removed' && m.after !== null) parts.push('removed');
  const now = r.after ?? r.before;
  if (now !== null && (now.status === 'disabled' || now.serving === false)) parts.push('no traffic');
  const p = r.before !== null && r.after !== null && r.before.priority !== r.after.priority ? `p${r.before.priority} → p${r.after.priority}` : `p${now?.priority ?? ''}`;
  parts.push(p);
  if (m.before === null) parts.push(percent(r.shareAfter));
  else if (m.after === null) parts.push(percent(r.shareBefore));
  else parts.push(r.shareBefore === r.shareAfter ? percent(r.shareAfter) : `${percent(r.shareBefore)} → ${percent(r.shareAfter)}`);
  // `<0.1%` and `>99.9%` are this module's own text, but `<` would still open a tag in an HTML label.
  return parts.join(' · ').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

function arrow(r: RoutingRow, m: ModelRouting): string {
  const now = r.after ?? r.before;
  const dead = r.after === null || m.after === null || now?.status === 'disabled' || now?.serving === false;
  if (dead) return '-.->';
  return r.mark === 'added' || m.before === null ? '==>' : '-->';
}

function modelLabel(m: ModelRouting): string {
  const s = (x: ModelRouting['before']): string => x?.strategy ?? '';
  const strategy = m.before !== null && m.after !== null && s(m.before) !== s(m.after) ? `${s(m.before)} → ${s(m.after)}` : s(m.after ?? m.before);
  const state = m.before === null ? ' · new' : m.after === null ? ' · deleted' : m.after.status === 'disabled' ? ' · disabled' : '';
  return `${mermaidText(m.model)} · ${strategy}${state}`;
}

/** One model's statements: its node, an edge per backend (up to maxBackends), the classes. */
function modelLines(m: ModelRouting, i: number, maxBackends: number): string[] {
  const id = `m${i}`;
  const rows = routingRows(m);
  const out = [`  ${id}(["${modelLabel(m)}"])`];
  if (m.after === null) out.push(`  class ${id} removed`);
  else if (m.before === null) out.push(`  class ${id} added`);
  rows.slice(0, maxBackends).forEach((r, j) => {
    const b = `${id}b${j}`;
    out.push(`  ${id} ${arrow(r, m)}|"${edgeLabel(r, m)}"| ${b}["${mermaidText(r.name)}"]`);
    if (r.mark === 'removed' || m.after === null) out.push(`  class ${b} removed`);
    else if (r.mark === 'added' || m.before === null) out.push(`  class ${b} added`);
  });
  if (rows.length > maxBackends) out.push(`  ${id} -.- ${id}more["… ${plural(rows.length - maxBackends, 'more backend')}"]`);
  return out;
}

const HEAD = ['```mermaid', 'flowchart LR'];
const TAIL = [
  '  classDef added stroke:#1a7f37,stroke-width:2px',
  '  classDef removed stroke:#cf222e,stroke-dasharray:4 3,color:#57606a',
  '```',
];

/**
 * The diagram's lines (fence included) for the models whose routing changes, then, when some
 * were left out, one line saying how many; nothing when no routing changes. Within the budget
 * whatever the input: 10,000 changed models draw the first maxModels that fit.
 */
export function routingMermaid(models: readonly ModelRouting[], opts: MermaidOptions = {}): string[] {
  const maxModels = opts.maxModels ?? MERMAID_DEFAULTS.maxModels;
  const maxBackends = opts.maxBackends ?? MERMAID_DEFAULTS.maxBackends;
  const maxChars = opts.maxChars ?? MERMAID_DEFAULTS.maxChars;
  const changed = models.filter((m) => routingChanged(m));
  if (changed.length === 0) return [];
  const size = (ls: string[]): number => ls.reduce((n, l) => n + l.length + 1, 0);
  // Room for the fence, the class definitions and the "not drawn" line, whose number is known last.
  let used = size(HEAD) + size(TAIL) + 160;
  const body: string[] = [];
  let drawn = 0;
  for (const m of changed) {
    if (drawn >= maxModels) break;
    const ls = modelLines(m, drawn, maxBackends);
    if (used + size(ls) > maxChars) break;
    body.push(...ls);
    used += size(ls);
    drawn += 1;
  }
  if (drawn === 0) return [`<sub>${plural(changed.length, 'model')} with routing changes: too large to draw; the rows in the details show each backend.</sub>`];
  const out = [...HEAD, ...body, ...TAIL];
  const left = changed.length - drawn;
  if (left > 0) out.push(`<sub>… and ${plural(left, 'more model')} with routing changes, not drawn; the details list every backend.</sub>`);
  return out;
}
