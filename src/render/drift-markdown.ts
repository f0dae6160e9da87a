// A drift report as a GitHub issue body (a scheduled job files or updates one): label counts,
// warnings, then one collapsible section per provider with a `diff` block. Kept under
// maxChars (GitHub rejects bodies over 65,536 characters): sections are added, most urgent
// label first, until the next would not fit; a note says how much was left out.
import { describeCascade, describeField, formatValue, isSensitive, memberName, plural } from './common';
import * as md from './markdown-common';
import { compareStrings } from '../plan/canonical';
import {
  describedAs,
  driftMark,
  driftNotes,
  groupDrift,
  groupLabel,
  labelCounts,
  labelLegend,
  mixedLabels,
  type DriftGroup,
} from './drift-common';
import { DRIFT_LABELS, compareLabels, type DriftChange, type DriftReport } from '../plan/drift/types';

export function renderDriftMarkdown(report: DriftReport, opts: md.MarkdownOptions = {}): string {
  const maxChars = opts.maxChars ?? md.DEFAULT_MAX_CHARS;
  const rows = DRIFT_LABELS.map((l) => [l, String(report.driftSummary[l]), labelLegend(l)]);
  const head = [
    ...md.headingLines(opts.title ?? 'cvctl drift', report.scope),
    ...md.countTable([['Label', ':--'], ['Count', '--:'], ['Meaning', ':--']], rows, report.changes.length, '**No drift.** The database matches the files and the last apply.'),
  ];
  if (report.changes.length > 0) head.push('Values read database → files: `cvctl apply` would set the files\' value.', '');
  if (report.driftSummary.ignored > 0) {
    head.push(`${plural(report.driftSummary.ignored, 'difference')} silenced by \`ignoreDrift\`.`, '');
  }
  if (!report.meta.secretsResolved) {
    head.push('> [!NOTE]', '> Secrets were not resolved (`--no-resolve-secrets`): credentials were not compared.', '');
  }
  head.push(...md.warningBullets(report.warnings, Math.floor(maxChars / 4), 'cvctl drift'));
  const headText = head.join('\n');
  const footer = `<sub>cvctl ${md.htmlText(report.meta.cvctlVersion)} · catalog ${md.htmlText(report.meta.catalogVersion)} · checked ${md.htmlText(report.meta.createdAt)}</sub>\n`;

  const groups = groupDrift(report.changes).sort(
    (a, b) => compareLabels(groupLabel(a), groupLabel(b)) || compareStrings(a.name, b.name),
  );
  const parts = md.fitSections(headText, footer, groups.map(section), maxChars, (shown) =>
    md.notShownNote(groups.slice(shown), 'difference', '`cvctl drift` for the full report'),
  );
  return parts.join('\n');
}

function section(g: DriftGroup): string {
  const body: string[] = [];
  const c = g.change;
  if (c !== null) {
    body.push(`@@ provider ${JSON.stringify(g.name)} [${c.drift}] @@`);
    if (c.action === 'delete') {
      const cascade = describeCascade(c.cascade, 'provider');
      body.push(`- provider ${JSON.stringify(g.name)}${c.reason ? ` (${c.reason})` : ''}`);
      if (cascade !== '') body.push(`- ${cascade}`);
    }
    body.push(...diffFields(c, ''));
    // A row with nothing to compare field by field (made outside cvctl, not declared).
    if (c.action !== 'delete' && (c.fields ?? []).length === 0 && c.reason !== undefined) body.push(`  ${c.reason}`);
  }
  if (g.models.length > 0) {
    body.push(`@@ provider models: ${labelCounts(g.models)} @@`);
    for (const m of g.models) body.push(...modelDiff(m));
  }
  const name = `provider <code>${md.htmlText(g.name)}</code>`;
  const head = c ? `<b>${md.htmlText(driftMark(c))} ${c.drift}</b> ${name}` : name;
  const extra = [
    // Markdown is not parsed inside <summary>: code spans become <code>.
    ...(c ? driftNotes(c).map((n) => md.htmlText(n).replace(/`([^`]+)`/g, '<code>$1</code>')) : []),
    ...(g.models.length > 0 ? [`provider models: ${labelCounts(g.models)}`] : []),
  ];
  return md.detailsSection(head, extra, body);
}

/** Database value on a `-` line, files' value on a `+` line; credentials on `!`. */
function diffFields(c: DriftChange, indent: string): string[] {
  const mixed = mixedLabels(c);
  return md.diffFieldLines(c, indent, (f, key) => {
    const tag = mixed && f.drift !== undefined ? ` [${f.drift}]` : '';
    if (isSensitive(f.after) || isSensitive(f.before)) {
      const mark = f.after === null ? '-' : f.before === null ? '+' : '!';
      return [`${mark} ${key} ${describeField(f, describedAs(c))}${tag}`];
    }
    const out = md.valueDiff(f, key, tag);
    if (f.drift === 'conflict' && f.lastApplied !== undefined) out.push(`# ${key} ${formatValue(f.lastApplied)} (last applied)`);
    return out;
  });
}

function modelDiff(m: DriftChange): string[] {
  const id = memberName(m.resource);
  const notes = driftNotes(m);
  const suffix = ` [${m.drift}]${notes.length > 0 && (m.action !== 'create' || m.drift !== 'pending') ? ` (${notes.join('; ')})` : ''}`;
  switch (m.action) {
    case 'create':
      return [`+ ${id}${suffix}`];
    case 'delete': {
      const cascade = describeCascade(m.cascade, 'providerModel');
      return [`- ${id}${suffix}${cascade !== '' ? `: ${cascade}` : ''}`];
    }
    default:
      return [`  ${driftMark(m)} ${id}${suffix}`, ...diffFields(m, '    ')];
  }
}
