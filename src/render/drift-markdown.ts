// A drift report as a GitHub issue body (a scheduled job files or updates one): label counts,
// warnings, then one collapsible section per provider with a `diff` block. Kept under
// maxChars (GitHub rejects bodies over 65,536 characters): sections are added, most urgent
// label first, until the next would not fit; a note says how much was left out.
import { describeCascade, describeField, formatValue, isSensitive, plural } from './common';
import { DEFAULT_MAX_CHARS, fenced, fitSections, htmlText, mdCode, mdText } from './markdown';
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

export interface DriftMarkdownOptions {
  maxChars?: number;
  title?: string;
}

export function renderDriftMarkdown(report: DriftReport, opts: DriftMarkdownOptions = {}): string {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const head: string[] = [`### ${mdText(opts.title ?? 'cvctl drift')} · scope ${mdCode(report.scope)}`, ''];
  if (report.changes.length === 0) {
    head.push('**No drift.** The database matches the files and the last apply.', '');
  } else {
    head.push('| Label | Count | Meaning |', '| :-- | --: | :-- |');
    for (const l of DRIFT_LABELS) head.push(`| ${l} | ${report.driftSummary[l]} | ${labelLegend(l)} |`);
    head.push(`| **total** | **${report.changes.length}** | |`, '');
    head.push('Values read database → files: `cvctl apply` would set the files\' value.', '');
  }
  if (report.driftSummary.ignored > 0) {
    head.push(`${plural(report.driftSummary.ignored, 'difference')} silenced by \`ignoreDrift\`.`, '');
  }
  if (!report.meta.secretsResolved) {
    head.push('> [!NOTE]', '> Secrets were not resolved (`--no-resolve-secrets`): credentials were not compared.', '');
  }
  head.push(...warningLines(report, Math.floor(maxChars / 4)));
  const headText = head.join('\n');
  const footer = `<sub>cvctl ${htmlText(report.meta.cvctlVersion)} · catalog ${htmlText(report.meta.catalogVersion)} · checked ${htmlText(report.meta.createdAt)}</sub>\n`;

  const groups = groupDrift(report.changes).sort(
    (a, b) => compareLabels(groupLabel(a), groupLabel(b)) || compareStrings(a.name, b.name),
  );
  const parts = fitSections(headText, footer, groups.map(section), maxChars, (shown) => {
    const rest = groups.slice(shown);
    const n = rest.reduce((sum, g) => sum + (g.change ? 1 : 0) + g.models.length, 0);
    return `> **… ${plural(rest.length, 'more provider')} (${plural(n, 'difference')}) not shown**; run \`cvctl drift\` for the full report.\n`;
  });
  return parts.join('\n');
}

function warningLines(report: DriftReport, maxChars: number): string[] {
  if (report.warnings.length === 0) return [];
  const out = ['**Warnings**', ''];
  let used = 0;
  for (let i = 0; i < report.warnings.length; i++) {
    const w = report.warnings[i];
    const line = `- :warning: ${mdCode(w.code)} ${mdText(w.message)}`;
    if (used + line.length > maxChars) {
      out.push(`- … and ${plural(report.warnings.length - i, 'more warning')}; run \`cvctl drift\` to see all`);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  out.push('');
  return out;
}

function summaryOf(g: DriftGroup): string {
  const name = `provider <code>${htmlText(g.name)}</code>`;
  const c = g.change;
  const head = c ? `<b>${htmlText(driftMark(c))} ${c.drift}</b> ${name}` : name;
  const extra = [
    // Markdown is not parsed inside <summary>: code spans become <code>.
    ...(c ? driftNotes(c).map((n) => htmlText(n).replace(/`([^`]+)`/g, '<code>$1</code>')) : []),
    ...(g.models.length > 0 ? [`provider models: ${labelCounts(g.models)}`] : []),
  ];
  return extra.length > 0 ? `${head} · ${extra.join(' · ')}` : head;
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
  return [`<details><summary>${summaryOf(g)}</summary>`, '', fenced('diff', body), '', '</details>', ''].join('\n');
}

/** Database value on a `-` line, files' value on a `+` line; credentials on `!`. */
function diffFields(c: DriftChange, indent: string): string[] {
  const out: string[] = [];
  const fields = (c.fields ?? []).filter((f) => !(c.action === 'create' && f.path === 'name'));
  const width = Math.min(40, Math.max(0, ...fields.map((f) => f.path.length + 1)));
  const key = (path: string): string => `${indent}${`${path}:`.padEnd(width)}`;
  const mixed = mixedLabels(c);
  for (const f of fields) {
    const tag = mixed && f.drift !== undefined ? ` [${f.drift}]` : '';
    if (c.action === 'create') {
      out.push(`+ ${key(f.path)} ${describeField(f, 'create')}`);
    } else if (isSensitive(f.after) || isSensitive(f.before)) {
      const mark = f.after === null ? '-' : f.before === null ? '+' : '!';
      out.push(`${mark} ${key(f.path)} ${describeField(f, describedAs(c))}${tag}`);
    } else {
      if (f.before !== null) out.push(`- ${key(f.path)} ${formatValue(f.before)}${tag}`);
      if (f.after !== null) out.push(`+ ${key(f.path)} ${formatValue(f.after)}${tag}`);
      if (f.drift === 'conflict' && f.lastApplied !== undefined) {
        out.push(`# ${key(f.path)} ${formatValue(f.lastApplied)} (last applied)`);
      }
    }
  }
  return out;
}

function modelDiff(m: DriftChange): string[] {
  const id = m.resource.name;
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
