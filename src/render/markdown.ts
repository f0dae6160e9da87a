// Pull-request comment rendering (GitHub-flavoured markdown). Summary table first, then
// warnings, then one collapsible section per provider with a `diff` block (GitHub colours
// `+`/`-` lines, `@@` hunk headers and `!` lines). The whole comment is kept under
// maxChars (GitHub rejects comments over 65,536 characters): sections are added in order
// until the next one would not fit, then a note says how much was left out.
//
// Section order: providers whose section deletes something come first, so that the
// changes a reviewer must not miss are never the ones cut; then the rest, each by name.
import { escapeOutput } from '../escape';
import type { Change, Plan } from '../plan/types';
import { ACTIONS } from '../plan/types';
import {
  describeCascade,
  describeField,
  formatValue,
  groupByProvider,
  headerNotes,
  isSensitive,
  markOf,
  modelCounts,
  plural,
  type ProviderGroup,
} from './common';
import { groupChanges, groupLine } from './compact';
import { inRow, layoutRows, modelRow, PRICE_UNIT_NOTE, rowLines, type ModelRow, type RowLayout } from './model-rows';

export interface MarkdownOptions {
  maxChars?: number;
  title?: string;
}

export const DEFAULT_MAX_CHARS = 65000;

/** Inline markdown text: neutralise everything that could start markup or break a table. */
export function mdText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

/** Text inside an HTML element (<summary>, <code>): markdown is not parsed there, HTML is. */
export function htmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An inline code span that survives backticks in the value. */
export function mdCode(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = longest > 0 || s.startsWith(' ') || s.endsWith(' ') ? ' ' : '';
  return `${ticks}${pad}${s}${pad}${ticks}`;
}

export function fenced(lang: string, body: string[]): string {
  const text = body.join('\n');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

/**
 * head, as many whole sections as fit under maxChars, the "not shown" note when some were
 * cut (`note` gets how many were shown), then the footer: the parts to join with newlines.
 */
export function fitSections(
  headText: string,
  footer: string,
  sections: string[],
  maxChars: number,
  note: (shown: number) => string,
): string[] {
  // Room for the "not shown" note, whose numbers are only known at the end.
  const budget = maxChars - headText.length - footer.length - 300;
  const shown: string[] = [];
  let used = 0;
  for (const text of sections) {
    if (used + text.length + 1 > budget) break;
    shown.push(text);
    used += text.length + 1;
  }
  const parts = [headText, ...shown];
  if (shown.length < sections.length) parts.push(note(shown.length));
  parts.push(footer);
  return parts;
}

export function renderPlanMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const head: string[] = [`### ${mdText(opts.title ?? 'cvctl plan')} · scope ${mdCode(plan.scope)}`, ''];
  if (plan.changes.length === 0) {
    head.push('**No changes.** The database matches the files.', '');
  } else {
    head.push('| Action | Count |', '| :-- | --: |');
    for (const a of ACTIONS) head.push(`| ${markOf(a)} ${a} | ${plan.summary[a]} |`);
    head.push(`| **total** | **${plan.changes.length}** |`, '');
    if (plan.changes.some((c) => c.resource.type === 'providerModel' && c.action !== 'delete')) head.push(`<sub>Provider models: ${PRICE_UNIT_NOTE}.</sub>`, '');
  }
  if (plan.meta?.secretsResolved === false) {
    head.push('> [!NOTE]', '> Secrets were not resolved (`--no-resolve-secrets`): credentials show as unknown.', '');
  }
  const shape = shapeLines(plan, Math.floor(maxChars / 4));
  head.push(...shape);
  head.push(...warningLines(plan, Math.floor(maxChars / 4)));
  if (shape.length > 0) head.push('**Details**', '');
  const headText = head.join('\n');
  const footer = footerLine(plan);

  const groups = orderedGroups(plan);
  const parts = fitSections(headText, footer, groups.map(section), maxChars, (shown) => {
    const rest = groups.slice(shown);
    const n = rest.reduce((sum, g) => sum + (g.change ? 1 : 0) + g.models.length, 0);
    return `> **… ${plural(rest.length, 'more provider')} (${plural(n, 'change')}) not shown**; run \`cvctl show plan.json\` for the full plan.\n`;
  });
  // A PR comment must not display reordered or hidden text: bidi and invisible characters escaped.
  return escapeOutput(parts.join('\n'));
}

/**
 * The shape of the change before the details: identical changes grouped with counts
 * (compact.ts), e.g. "**3,000 providers** ~ update `credentials.apiKey: …` (a, b, c, … 2,997 more)".
 * Capped at maxChars like the warnings; the details below are cut separately.
 */
function shapeLines(plan: Plan, maxChars: number): string[] {
  const groups = groupChanges(plan);
  // Only worth a section when some changes repeat; otherwise the details say the same.
  if (groups.length === 0 || groups.length === plan.changes.length) return [];
  const out = ['**Changes by kind**', ''];
  let used = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groupLine(groups[i]);
    const line = `- **${g.count}** ${g.mark}${g.what === '' ? '' : ` ${mdCode(g.what)}`} ${mdText(g.names)}`;
    if (used + line.length > maxChars) {
      out.push(`- … and ${plural(groups.length - i, 'more kind')} of change; run \`cvctl show --compact plan.json\` to see all`);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  out.push('');
  return out;
}

function warningLines(plan: Plan, maxChars: number): string[] {
  if (plan.warnings.length === 0) return [];
  const out = ['**Warnings**', ''];
  let used = 0;
  for (let i = 0; i < plan.warnings.length; i++) {
    const w = plan.warnings[i];
    const line = `- :warning: ${mdCode(w.code)} ${mdText(w.message)}`;
    if (used + line.length > maxChars) {
      out.push(`- … and ${plural(plan.warnings.length - i, 'more warning')}; run \`cvctl show plan.json\` to see all`);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  out.push('');
  return out;
}

function hasDelete(g: ProviderGroup): boolean {
  return g.change?.action === 'delete' || g.models.some((m) => m.action === 'delete');
}

function orderedGroups(plan: Plan): ProviderGroup[] {
  const groups = groupByProvider(plan);
  return [...groups.filter(hasDelete), ...groups.filter((g) => !hasDelete(g))];
}

function summaryOf(g: ProviderGroup): string {
  const name = `provider <code>${htmlText(g.name)}</code>`;
  const head = g.change ? `<b>${markOf(g.change.action)} ${g.change.action}</b> ${name}` : name;
  const extra = [
    ...(g.change ? headerNotes(g.change).map(htmlText) : []),
    ...(g.models.length > 0 ? [`provider models: ${modelCounts(g.models)}`] : []),
  ];
  return extra.length > 0 ? `${head} · ${extra.join(' · ')}` : head;
}

function section(g: ProviderGroup): string {
  const body: string[] = [];
  const c = g.change;
  if (c !== null) {
    body.push(`@@ ${c.action} provider ${JSON.stringify(g.name)} @@`);
    if (c.action === 'delete') {
      body.push(`- provider ${JSON.stringify(g.name)}${c.reason ? ` (${c.reason})` : ''}`);
      const cascade = describeCascade(c.cascade, 'provider');
      if (cascade !== '') body.push(`- ${cascade}`);
    }
    body.push(...diffFields(c, ''));
  }
  if (g.models.length > 0) {
    body.push(`@@ provider models: ${modelCounts(g.models)} @@`);
    const rows = new Map(g.models.map((m) => [m, modelRow(m)] as const));
    const layout = layoutRows([...rows.values()].filter((r): r is ModelRow => r !== undefined));
    for (const m of g.models) body.push(...modelDiff(m, rows.get(m), layout));
  }
  return [`<details><summary>${summaryOf(g)}</summary>`, '', fenced('diff', body), '', '</details>', ''].join('\n');
}

/** Field lines as diff lines: before on a `-` line, after on a `+` line; credentials on `!`. */
function diffFields(c: Change, indent: string): string[] {
  const out: string[] = [];
  // The provider name is in the hunk header already.
  const fields = (c.fields ?? []).filter((f) => !(c.action === 'create' && f.path === 'name'));
  const width = Math.min(40, Math.max(0, ...fields.map((f) => f.path.length + 1)));
  const key = (path: string): string => `${indent}${`${path}:`.padEnd(width)}`;
  for (const f of fields) {
    if (c.action === 'create') {
      out.push(`+ ${key(f.path)} ${describeField(f, 'create')}`);
    } else if (isSensitive(f.after) || isSensitive(f.before)) {
      const desc = describeField(f, c.action);
      const mark = f.after === null ? '-' : f.before === null ? '+' : isSensitive(f.after) && f.after.unknown ? ' ' : '!';
      out.push(`${mark} ${key(f.path)} ${desc}`);
    } else {
      if (f.before !== null) out.push(`- ${key(f.path)} ${formatValue(f.before)}`);
      if (f.after !== null) out.push(`+ ${key(f.path)} ${formatValue(f.after)}`);
    }
  }
  return out;
}

/**
 * A created or updated model is one aligned row (model-rows.ts): `+` for a create, `!` (GitHub
 * colours it) for an update whose kind, context window or prices change, then the update's
 * other fields as -/+ lines.
 */
function modelDiff(m: Change, row: ModelRow | undefined, layout: RowLayout): string[] {
  const id = m.resource.name;
  const notes = headerNotes(m);
  const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  if (m.action === 'delete') {
    const cascade = describeCascade(m.cascade, 'providerModel');
    return [`- ${id}${suffix}${cascade !== '' ? `: ${cascade}` : ''}`];
  }
  if (row === undefined) return [`  ${markOf(m.action)} ${id}${suffix}`, ...diffFields(m, '    ')];
  const diffMark = m.action === 'create' ? '+' : row.changed ? '!' : ' ';
  const lines = rowLines(row, layout, `${diffMark} ${markOf(m.action)} `, `${diffMark}   `, suffix);
  if (m.action === 'create') return lines;
  return [...lines, ...diffFields({ ...m, fields: (m.fields ?? []).filter((f) => !inRow(f.path)) }, '    ')];
}

function footerLine(plan: Plan): string {
  const bits: string[] = [];
  if (plan.meta) {
    bits.push(`cvctl ${htmlText(plan.meta.cvctlVersion)}`, `catalog ${htmlText(plan.meta.catalogVersion)}`);
    bits.push(`planned ${htmlText(plan.meta.createdAt)}`);
  }
  if (plan.digest) bits.push(`digest <code>${htmlText(plan.digest.slice(0, 12))}</code>`);
  return bits.length > 0 ? `<sub>${bits.join(' · ')}</sub>\n` : '';
}
