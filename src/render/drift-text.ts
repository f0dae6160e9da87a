// Terminal rendering of a drift report: one block per provider, headed by its label, with
// the differing fields as the plan shows them (database → files), its models nested below;
// then warnings and the summary line.
import { MAX_PAD, Painter } from './painter';
import { assertNever } from '../domain/kinds';
import { describeCascade } from './common';
import {
  describeDriftField,
  driftMark,
  driftNotes,
  groupDrift,
  labelCounts,
  labelLegend,
  type DriftGroup,
} from './drift-common';
import { DRIFT_LABELS, NO_DRIFT, driftSummaryLine, type DriftChange, type DriftField, type DriftLabel, type DriftReport } from '../plan/drift/types';

export interface DriftTextOptions {
  color: boolean;
}


class DriftPainter extends Painter {
  label(s: string, label: DriftLabel): string {
    switch (label) {
      case 'drift':
        return this.paint(s, 'yellow');
      case 'pending':
        return this.paint(s, 'green');
      case 'conflict':
        return this.paint(s, 'red');
      case 'unmanaged':
        return this.paint(s, 'dim');
      default:
        return assertNever(label, 'drift label');
    }
  }
}

export function renderDriftText(report: DriftReport, opts: DriftTextOptions): string {
  const p = new DriftPainter(opts.color);
  const lines: string[] = [];
  if (report.changes.length > 0) {
    lines.push(`cvctl drift in scope ${JSON.stringify(report.scope)}: the files and the database differ (values: database → files)`, '');
    const used = DRIFT_LABELS.filter((l) => report.driftSummary[l] > 0);
    for (const l of used) lines.push(`  ${p.label(`[${l}]`, l)} ${labelLegend(l)}`);
    lines.push('');
    for (const g of groupDrift(report.changes)) lines.push(...providerBlock(g, p), '');
  }
  if (!report.meta.secretsResolved) {
    lines.push('Note: secrets were not resolved (--no-resolve-secrets); credentials were not compared.', '');
  }
  if (report.warnings.length > 0) {
    lines.push(p.paint('Warnings:', 'yellow'));
    for (const w of report.warnings) lines.push(`  ${p.paint('!', 'yellow')} ${w.code}: ${w.message}`);
    lines.push('');
  }
  const ignored = report.driftSummary.ignored;
  if (ignored > 0) lines.push(`${ignored} difference${ignored === 1 ? '' : 's'} silenced by ignoreDrift.`);
  lines.push(report.changes.length > 0 ? p.paint(driftSummaryLine(report.driftSummary), 'bold') : p.paint(NO_DRIFT, 'green'));
  return `${lines.join('\n')}\n`;
}

function header(c: DriftChange, what: string, p: DriftPainter, withNotes = true): string {
  const notes = withNotes ? driftNotes(c) : [];
  const text = `${driftMark(c)} ${what} [${c.drift}]${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  return p.label(text, c.drift);
}

function providerBlock(g: DriftGroup, p: DriftPainter): string[] {
  const out: string[] = [];
  const c = g.change;
  const title = `provider ${JSON.stringify(g.name)}`;
  if (c === null) {
    out.push(`  ${title} ${p.paint('(provider unchanged)', 'dim')}`);
  } else {
    out.push(header(c, title, p));
    // A create's name is in the header already.
    out.push(...fieldLines(c, '    ', (f) => !(c.action === 'create' && f.path === 'name')));
    if (c.action === 'delete') {
      const cascade = describeCascade(c.cascade, 'provider');
      if (cascade !== '') out.push(`    ${p.paint(cascade, 'red')}`);
    }
  }
  if (g.models.length > 0) {
    out.push(`    provider models: ${labelCounts(g.models)}`);
    for (const m of g.models) out.push(...modelLines(m, p));
  }
  return out;
}

function fieldLines(c: DriftChange, indent: string, keep: (f: DriftField) => boolean = () => true): string[] {
  const fields = (c.fields ?? []).filter(keep);
  const width = Math.min(MAX_PAD, Math.max(0, ...fields.map((f) => f.path.length + 1)));
  return fields.map((f) => `${indent}${`${f.path}:`.padEnd(width)} ${describeDriftField(f, c)}`);
}

/** A model created or removed is one line (its fields are in the JSON); others show fields. */
function modelLines(m: DriftChange, p: DriftPainter): string[] {
  // Every pending model create has the same reason; once per model would be noise. A model
  // deleted in the database says so.
  const out = [`      ${header(m, m.resource.name, p, m.action !== 'create' || m.drift !== 'pending')}`];
  if (m.action === 'delete') {
    const cascade = describeCascade(m.cascade, 'providerModel');
    if (cascade !== '') out.push(`          ${p.paint(cascade, 'red')}`);
  } else if (m.action !== 'create') {
    out.push(...fieldLines(m, '          '));
  } else if (m.drift === 'conflict') {
    // Deleted in the database and changed in the files: what the files changed.
    out.push(...fieldLines(m, '          ', (f) => f.drift === 'conflict'));
  }
  return out;
}
