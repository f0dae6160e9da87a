// Terminal rendering of a drift report: one block per provider, headed by its label, with
// the differing fields as the plan shows them (database → files), its models nested below;
// then warnings and the summary line.
import {
  describeDriftField,
  driftSummaryLine,
  driftMark,
  driftNotes,
  groupDrift,
  labelCounts,
  labelLegend,
  NO_DRIFT,
  type DriftGroup,
} from './drift-common';
import { cascadeLines, fieldLines as alignedFieldLines, Painter, providerBlock as block, warningLines, type Style } from './text-common';
import { memberName } from './common';
import { DRIFT_LABELS, type DriftChange, type DriftField, type DriftLabel, type DriftReport } from '../plan/drift/types';

export interface DriftTextOptions {
  color: boolean;
}

const LABEL_STYLE: Record<DriftLabel, Style> = { drift: 'yellow', pending: 'green', conflict: 'red', unmanaged: 'dim' };

type DriftPainter = Painter<DriftLabel>;

export function renderDriftText(report: DriftReport, opts: DriftTextOptions): string {
  const p = new Painter(opts.color, LABEL_STYLE);
  const lines: string[] = [];
  if (report.changes.length > 0) {
    lines.push(`cvctl drift in scope ${JSON.stringify(report.scope)}: the files and the database differ (values: database → files)`, '');
    const used = DRIFT_LABELS.filter((l) => report.driftSummary[l] > 0);
    for (const l of used) lines.push(`  ${p.as(`[${l}]`, l)} ${labelLegend(l)}`);
    lines.push('');
    for (const g of groupDrift(report.changes)) lines.push(...providerBlock(g, p), '');
  }
  if (!report.meta.secretsResolved) {
    lines.push('Note: secrets were not resolved (--no-resolve-secrets); credentials were not compared.', '');
  }
  lines.push(...warningLines(report.warnings, p));
  const ignored = report.driftSummary.ignored;
  if (ignored > 0) lines.push(`${ignored} difference${ignored === 1 ? '' : 's'} silenced by ignoreDrift.`);
  lines.push(report.changes.length > 0 ? p.paint(driftSummaryLine(report.driftSummary), 'bold') : p.paint(NO_DRIFT, 'green'));
  return `${lines.join('\n')}\n`;
}

function header(c: DriftChange, what: string, p: DriftPainter, withNotes = true): string {
  const notes = withNotes ? driftNotes(c) : [];
  const text = `${driftMark(c)} ${what} [${c.drift}]${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  return p.as(text, c.drift);
}

function providerBlock(g: DriftGroup, p: DriftPainter): string[] {
  const c = g.change;
  const models = g.models.length > 0 ? { counts: labelCounts(g.models), lines: () => g.models.flatMap((m) => modelLines(m, p)) } : null;
  return block(g, c === null ? null : (title) => ownLines(c, title, p), models, p);
}

function ownLines(c: DriftChange, title: string, p: DriftPainter): string[] {
  return [
    header(c, title, p),
    // A create's name is in the header already.
    ...fieldLines(c, '    ', (f) => !(c.action === 'create' && f.path === 'name')),
    ...(c.action === 'delete' ? cascadeLines(c.cascade, 'provider', '    ', p) : []),
  ];
}

function fieldLines(c: DriftChange, indent: string, keep: (f: DriftField) => boolean = () => true): string[] {
  return alignedFieldLines((c.fields ?? []).filter(keep), indent, (f) => describeDriftField(f, c));
}

/** A model created or removed is one line (its fields are in the JSON); others show fields. */
function modelLines(m: DriftChange, p: DriftPainter): string[] {
  // Every pending model create has the same reason; once per model would be noise. A model
  // deleted in the database says so.
  const out = [`      ${header(m, memberName(m.resource), p, m.action !== 'create' || m.drift !== 'pending')}`];
  if (m.action === 'delete') {
    out.push(...cascadeLines(m.cascade, m.resource.type, '          ', p));
  } else if (m.action !== 'create') {
    out.push(...fieldLines(m, '          '));
  } else if (m.drift === 'conflict') {
    // Deleted in the database and changed in the files: what the files changed.
    out.push(...fieldLines(m, '          ', (f) => f.drift === 'conflict'));
  }
  return out;
}
