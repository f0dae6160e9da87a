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
  groupByProvider,
  headerNotes,
  isSensitive,
  markOf,
  memberName,
  membersLabel,
  modelCounts,
  plural,
  type ProviderGroup,
} from './common';
import {
  cappedBullets,
  countTable,
  DEFAULT_MAX_CHARS,
  detailsSection,
  diffFieldLines,
  fitSections,
  headingLines,
  htmlText,
  mdCode,
  mdText,
  type MarkdownOptions,
  notShownNote,
  valueDiff,
  warningBullets,
} from './markdown-common';
import { groupChanges, groupLine } from './compact';
import { costMarkdownLines } from './cost';
import { policyMarkdownLines } from './policy';
import { modelBlock, routingByModel, withRoutingGroups } from './model-block';
import { MERMAID_DEFAULTS, routingMermaid } from './mermaid';
import { DIFF_MARKS } from './routing';
import type { ModelRouting } from '../plan/routing-view';
import { inRow, layoutRows, modelRow, PRICE_UNIT_NOTE, rowLines, type ModelRow, type RowLayout } from './model-rows';

export function renderPlanMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const rows = ACTIONS.map((a) => [`${markOf(a)} ${a}`, String(plan.summary[a])]);
  const head = [
    ...headingLines(opts.title ?? 'cvctl plan', plan.scope),
    ...countTable([['Action', ':--'], ['Count', '--:']], rows, plan.changes.length, '**No changes.** The database matches the files.'),
  ];
  if (plan.changes.some((c) => c.resource.type === 'providerModel' && c.action !== 'delete')) head.push(`<sub>Provider models: ${PRICE_UNIT_NOTE}.</sub>`, '');
  if (plan.meta?.secretsResolved === false) {
    head.push('> [!NOTE]', '> Secrets were not resolved (`--no-resolve-secrets`): credentials show as unknown.', '');
  }
  head.push(...policyMarkdownLines(plan.policy, Math.floor(maxChars / 8)));
  head.push(...costMarkdownLines(plan.cost));
  head.push(...routingDiagram(plan, maxChars));
  const shape = shapeLines(plan, Math.floor(maxChars / 4));
  head.push(...shape);
  head.push(...warningBullets(plan.warnings, Math.floor(maxChars / 4), 'cvctl show plan.json'));
  if (shape.length > 0) head.push('**Details**', '');
  const headText = head.join('\n');
  const footer = footerLine(plan);

  const groups = orderedGroups(plan);
  const routing = routingByModel(plan);
  const parts = fitSections(headText, footer, groups.map((g) => section(g, g.kind === 'model' ? routing.get(g.name) : undefined)), maxChars, (shown) =>
    notShownNote(groups.slice(shown), 'change', '`cvctl show plan.json` for the full plan'),
  );
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
  const lines = groups.map(groupLine).map((g) => `- **${g.count}** ${g.mark}${g.what === '' ? '' : ` ${mdCode(g.what)}`} ${mdText(g.names)}`);
  return cappedBullets('**Changes by kind**', lines, maxChars, (n) => `- … and ${plural(n, 'more kind')} of change; run \`cvctl show --compact plan.json\` to see all`);
}

function hasDelete(g: ProviderGroup): boolean {
  return g.change?.action === 'delete' || g.models.some((m) => m.action === 'delete');
}

/**
 * Where routing changes, a Mermaid flowchart of each re-routed model → its backends (mermaid.ts),
 * within a fifth of the comment (and the diagram's own cap), so the sections below keep room.
 */
function routingDiagram(plan: Plan, maxChars: number): string[] {
  const lines = routingMermaid(plan.routing ?? [], { maxChars: Math.min(MERMAID_DEFAULTS.maxChars, Math.floor(maxChars / 5)) });
  return lines.length > 0 ? ['**Routing**', '', ...lines, ''] : [];
}

function orderedGroups(plan: Plan): ProviderGroup[] {
  const groups = withRoutingGroups(groupByProvider(plan), plan);
  return [...groups.filter(hasDelete), ...groups.filter((g) => !hasDelete(g))];
}

function section(g: ProviderGroup, view?: ModelRouting): string {
  const body: string[] = [];
  const c = g.change;
  const block = g.kind === 'model' ? modelBlock(g, view, '', DIFF_MARKS) : null;
  const members = block?.rest ?? g.models;
  if (c === null && block !== null && block.lines.length > 0) body.push(`@@ model ${JSON.stringify(g.name)} (model unchanged) @@`);
  if (c !== null) {
    body.push(`@@ ${c.action} ${g.kind} ${JSON.stringify(g.name)} @@`);
    if (c.action === 'delete') {
      body.push(`- ${g.kind} ${JSON.stringify(g.name)}${c.reason ? ` (${c.reason})` : ''}`);
      const cascade = describeCascade(c.cascade, c.resource.type);
      if (cascade !== '') body.push(`- ${cascade}`);
    }
    // The routing rows show the strategy (`routing: fallback → weighted`).
    body.push(...diffFields(view !== undefined ? { ...c, fields: (c.fields ?? []).filter((f) => f.path !== 'routing.strategy') } : c, ''));
  }
  body.push(...(block?.lines ?? []).map((l) => l.text));
  if (members.length > 0) {
    body.push(`@@ ${membersLabel(g.kind)}: ${modelCounts(members)} @@`);
    const rows = new Map(members.map((m) => [m, modelRow(m)] as const));
    const layout = layoutRows([...rows.values()].filter((r): r is ModelRow => r !== undefined));
    for (const m of members) body.push(...modelDiff(m, rows.get(m), layout));
  }
  const name = `${g.kind} <code>${htmlText(g.name)}</code>`;
  const head = g.change ? `<b>${markOf(g.change.action)} ${g.change.action}</b> ${name}` : name;
  const extra = [
    ...(g.change ? headerNotes(g.change).map(htmlText) : []),
    ...(g.models.length > 0 ? [`${membersLabel(g.kind)}: ${modelCounts(g.models)}`] : []),
  ];
  return detailsSection(head, extra, body);
}

/** Before on a `-` line, after on a `+` line; a credential on one line, `!` when it changes. */
function diffFields(c: Change, indent: string): string[] {
  return diffFieldLines(c, indent, (f, key) => {
    if (!isSensitive(f.after) && !isSensitive(f.before)) return valueDiff(f, key);
    const mark = f.after === null ? '-' : f.before === null ? '+' : isSensitive(f.after) && f.after.unknown ? ' ' : '!';
    return [`${mark} ${key} ${describeField(f, c.action)}`];
  });
}

/**
 * A created or updated model is one aligned row (model-rows.ts): `+` for a create, `!` (GitHub
 * colours it) for an update whose kind, context window or prices change, then the update's
 * other fields as -/+ lines.
 */
function modelDiff(m: Change, row: ModelRow | undefined, layout: RowLayout): string[] {
  const id = memberName(m.resource);
  const notes = headerNotes(m);
  const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  if (m.action === 'delete') {
    const cascade = describeCascade(m.cascade, m.resource.type);
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
