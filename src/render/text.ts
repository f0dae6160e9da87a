// Terminal rendering, modelled on `terraform plan`: one block per provider with its model
// changes nested under it, only changed fields, warnings, then the summary line.
import { MAX_PAD, Painter } from './painter';
import { escapeOutput } from '../escape';
import { assertNever } from '../domain/kinds';
import type { Action, Change, FieldChange, Plan } from '../plan/types';
import { ACTIONS } from '../plan/types';
import { groupedLines, providerLines } from './compact';
import { inRow, layoutRows, modelRow, PRICE_UNIT_NOTE, rowLines, type ModelRow } from './model-rows';
import {
  describeCascade,
  describeField,
  groupByProvider,
  headerNotes,
  markOf,
  modelCounts,
  NO_CHANGES,
  summaryLine,
  type ProviderGroup,
} from './common';

export interface TextOptions {
  color: boolean;
  /** `--compact`: identical changes grouped with counts, then one line per provider (compact.ts). */
  compact?: boolean;
}



class PlanPainter extends Painter {
  action(s: string, action: Action): string {
    switch (action) {
      case 'create':
        return this.paint(s, 'green');
      case 'update':
      case 'disable':
      case 'enable':
        return this.paint(s, 'yellow');
      case 'delete':
        return this.paint(s, 'red');
      default:
        return assertNever(action, 'action');
    }
  }
}

export function renderPlanText(plan: Plan, opts: TextOptions): string {
  const p = new PlanPainter(opts.color);
  const lines: string[] = [];
  const groups = groupByProvider(plan);

  if (plan.changes.length > 0) {
    lines.push(`cvctl will make these changes in scope ${JSON.stringify(plan.scope)}:`, '');
    const used = ACTIONS.filter((a) => plan.summary[a] > 0);
    const legend = used.map((a) => `${p.action(markOf(a), a)} ${a}`).join('   ');
    const priced = plan.changes.some((c) => c.resource.type === 'providerModel' && c.action !== 'delete');
    lines.push(`  ${legend}${priced ? p.paint(`   (${PRICE_UNIT_NOTE})`, 'dim') : ''}`, '');
    if (opts.compact) {
      lines.push('By kind of change:', ...groupedLines(plan), '', 'By provider:');
      for (const l of providerLines(plan)) lines.push(`  ${l.action === null ? l.text : p.action(l.text, l.action)}`);
      lines.push('');
    } else {
      for (const g of groups) lines.push(...providerBlock(g, p), '');
    }
  }
  if (plan.meta?.secretsResolved === false) {
    lines.push('Note: secrets were not resolved (--no-resolve-secrets); credentials show as unknown.', '');
  }
  if (plan.warnings.length > 0) {
    lines.push(p.paint('Warnings:', 'yellow'));
    for (const w of plan.warnings) lines.push(`  ${p.paint('!', 'yellow')} ${w.code}: ${w.message}`);
    lines.push('');
  }
  lines.push(plan.changes.length > 0 ? p.paint(summaryLine(plan.summary), 'bold') : p.paint(NO_CHANGES, 'green'));
  // Labels, config values, ids and messages may hold bidi or invisible characters: escaped.
  return escapeOutput(`${lines.join('\n')}\n`, { ansi: opts.color });
}

function withNotes(head: string, c: Change): string {
  const notes = headerNotes(c);
  return notes.length > 0 ? `${head} (${notes.join('; ')})` : head;
}

function providerBlock(g: ProviderGroup, p: PlanPainter): string[] {
  const out: string[] = [];
  const c = g.change;
  const title = `provider ${JSON.stringify(g.name)}`;
  if (c === null) {
    out.push(`  ${title} ${p.paint('(provider unchanged)', 'dim')}`);
  } else {
    out.push(p.action(withNotes(`${markOf(c.action)} ${title}`, c), c.action));
    // The provider name is already in the header; a create need not repeat it.
    out.push(...fieldLines(c, '    ', (f) => f.path !== 'name'));
    if (c.action === 'delete') {
      const cascade = describeCascade(c.cascade, 'provider');
      if (cascade !== '') out.push(`    ${p.paint(cascade, 'red')}`);
    }
  }
  if (g.models.length > 0) {
    out.push(`    provider models: ${modelCounts(g.models)}`);
    out.push(...modelLines(g.models, p));
  }
  return out;
}

function fieldLines(c: Change, indent: string, keep: (f: FieldChange) => boolean = () => true): string[] {
  const fields = (c.fields ?? []).filter(keep);
  const width = Math.min(MAX_PAD, Math.max(0, ...fields.map((f) => f.path.length + 1)));
  return fields.map((f) => `${indent}${`${f.path}:`.padEnd(width)} ${describeField(f, c.action)}`);
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
    const mark = p.action(markOf(m.action), m.action);
    const row = rows.get(m);
    const notes = headerNotes(m);
    const suffix = notes.length > 0 ? ` (${notes.join('; ')})` : '';
    if (row !== undefined) {
      out.push(...rowLines(row, layout, `      ${mark} `, '        ', suffix));
      if (m.action !== 'create') out.push(...fieldLines(m, '          ', (f) => !inRow(f.path)));
      continue;
    }
    out.push(`      ${mark} ${m.resource.name}${suffix}`);
    if (m.action === 'delete') {
      const cascade = describeCascade(m.cascade, 'providerModel');
      if (cascade !== '') out.push(`          ${p.paint(cascade, 'red')}`);
    } else {
      out.push(...fieldLines(m, '          '));
    }
  }
  return out;
}
