// Terminal rendering, modelled on `terraform plan`: one block per provider with its model
// changes nested under it, only changed fields, warnings, then the summary line.
import { escapeOutput } from '../escape';
import type { Action, Change, FieldChange, Plan } from '../plan/types';
import { ACTIONS } from '../plan/types';
import { groupedLines, providerLines } from './compact';
import { inRow, layoutRows, modelRow, PRICE_UNIT_NOTE, rowLines, type ModelRow } from './model-rows';
import {
  describeField,
  groupByProvider,
  headerNotes,
  markOf,
  memberName,
  membersLabel,
  modelCounts,
  NO_CHANGES,
  summaryLine,
  type ProviderGroup,
} from './common';
import { costTextLines } from './cost';
import { modelBlock, routingByModel, withRoutingGroups } from './model-block';
import type { ModelRouting } from '../plan/routing-view';
import { TEXT_MARKS } from './routing';
import type { RowMark } from './routing-view';
import { policyTextLines } from './policy';
import { cascadeLines, fieldLines as alignedFieldLines, Painter, providerBlock as frame, warningLines, type Style } from './text-common';

export interface TextOptions {
  color: boolean;
  /** `--compact`: identical changes grouped with counts, then one line per provider (compact.ts). */
  compact?: boolean;
}

const ACTION_STYLE: Record<Action, Style> = { create: 'green', update: 'yellow', disable: 'yellow', enable: 'yellow', delete: 'red' };

type PlanPainter = Painter<Action>;

export function renderPlanText(plan: Plan, opts: TextOptions): string {
  const p = new Painter(opts.color, ACTION_STYLE);
  const lines: string[] = [];
  const groups = withRoutingGroups(groupByProvider(plan), plan);
  const routing = routingByModel(plan);

  if (plan.changes.length > 0) {
    lines.push(`cvctl will make these changes in scope ${JSON.stringify(plan.scope)}:`, '');
    const used = ACTIONS.filter((a) => plan.summary[a] > 0);
    const legend = used.map((a) => `${p.as(markOf(a), a)} ${a}`).join('   ');
    const priced = plan.changes.some((c) => c.resource.type === 'providerModel' && c.action !== 'delete');
    lines.push(`  ${legend}${priced ? p.paint(`   (${PRICE_UNIT_NOTE})`, 'dim') : ''}`, '');
    if (opts.compact) {
      const byModel = plan.changes.some((c) => c.resource.type === 'model' || c.resource.type === 'modelBackend' || c.resource.type === 'accessGrant');
      lines.push('By kind of change:', ...groupedLines(plan), '', byModel ? 'By provider and model:' : 'By provider:');
      for (const l of providerLines(plan)) lines.push(`  ${l.action === null ? l.text : p.as(l.text, l.action)}`);
      lines.push('');
    } else {
      for (const g of groups) lines.push(...providerBlock(g, p, routing.get(g.name)), '');
    }
  }
  if (plan.meta?.secretsResolved === false) {
    lines.push('Note: secrets were not resolved (--no-resolve-secrets); credentials show as unknown.', '');
  }
  lines.push(...costTextLines(plan.cost, p));
  lines.push(...warningLines(plan.warnings, p));
  lines.push(...policyTextLines(plan.policy, p));
  lines.push(plan.changes.length > 0 ? p.paint(summaryLine(plan.summary), 'bold') : p.paint(NO_CHANGES, 'green'));
  // Labels, config values, ids and messages may hold bidi or invisible characters: escaped.
  return escapeOutput(`${lines.join('\n')}\n`, { ansi: opts.color });
}

function withNotes(head: string, c: Change): string {
  const notes = headerNotes(c);
  return notes.length > 0 ? `${head} (${notes.join('; ')})` : head;
}

const ROW_STYLE: Record<RowMark, Style | null> = { added: 'green', removed: 'red', changed: 'yellow', same: null };

/**
 * A provider with its provider models; or a model with its routing rows and grants (model-block.ts),
 * `view` its routing before and after, when the plan re-routes it.
 */
function providerBlock(g: ProviderGroup, p: PlanPainter, view?: ModelRouting): string[] {
  const c = g.change;
  const block = g.kind === 'model' ? modelBlock(g, view, '    ', TEXT_MARKS) : null;
  const members = block?.rest ?? g.models;
  const models = members.length > 0 ? { counts: modelCounts(members), lines: () => modelLines(members, p) } : null;
  const tail = (block?.lines ?? []).map((l) => (ROW_STYLE[l.mark] === null ? l.text : p.paint(l.text, ROW_STYLE[l.mark]!)));
  const out = frame(g, c === null ? null : (title) => ownLines(c, title, p, view !== undefined), null, p);
  out.push(...tail);
  if (models !== null) out.push(`    ${membersLabel(g.kind)}: ${models.counts}`, ...models.lines());
  return out;
}

function ownLines(c: Change, title: string, p: PlanPainter, routed: boolean): string[] {
  // The routing rows show the strategy (`routing: fallback → weighted`).
  const shown = (f: FieldChange): boolean => f.path !== 'name' && !(routed && f.path === 'routing.strategy');
  return [
    p.as(withNotes(`${markOf(c.action)} ${title}`, c), c.action),
    // The provider name is already in the header; a create need not repeat it.
    ...fieldLines(c, '    ', shown),
    ...(c.action === 'delete' ? cascadeLines(c.cascade, c.resource.type, '    ', p) : []),
  ];
}

function fieldLines(c: Change, indent: string, keep: (f: FieldChange) => boolean = () => true): string[] {
  return alignedFieldLines((c.fields ?? []).filter(keep), indent, (f) => describeField(f, c.action));
}

/**
 * One aligned row per created or updated model (id, kind, context window, both prices; an
 * update's changed values as before → after: model-rows.ts), then an update's other changed
 * fields (status, source) beneath it. Deletes show what they cascade to.
 */
function modelLines(models: Change[], p: PlanPainter): string[] {
  const out: string[] = [];
  const rows = new Map(models.map((m) => [m, modelRow(m)] as const));
  const layout = layoutRows([...rows.values()].filter((r): r is ModelRow => r !== undefined));
  for (const m of models) {
    const mark = p.as(markOf(m.action), m.action);
    const row = rows.get(m);
    const notes = headerNotes(m);
    const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
    if (row !== undefined) {
      out.push(...rowLines(row, layout, `      ${mark} `, '        ', suffix));
      if (m.action !== 'create') out.push(...fieldLines(m, '          ', (f) => !inRow(f.path)));
      continue;
    }
    out.push(`      ${mark} ${memberName(m.resource)}${suffix}`);
    if (m.action === 'delete') {
      out.push(...cascadeLines(m.cascade, m.resource.type, '          ', p));
    } else {
      out.push(...fieldLines(m, '          '));
    }
  }
  return out;
}
