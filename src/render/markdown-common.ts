// Pieces shared by the markdown renderers (plan PR comment, drift issue body): escaping,
// fences, the size budget, capped bullet lists, collapsible sections and diff field lines.
import type { FieldChange } from '../plan/types';
import { describeField, fieldKey, formatValue, plural } from './common';

export interface MarkdownOptions {
  /** Size limit (default 65000, under GitHub's 65536-character limit). */
  maxChars?: number;
  /** Heading; the command's name when absent. */
  title?: string;
}

export const DEFAULT_MAX_CHARS = 65000;

/** The first lines: `### title · scope `name``. */
export function headingLines(title: string, scope: string): string[] {
  return [`### ${mdText(title)} · scope ${mdCode(scope)}`, ''];
}

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

/**
 * The counts table under the heading: `columns` (a name, then its alignment, `:--` or `--:`),
 * one row per kind, then the total in bold; only the `none` line when the total is 0.
 */
export function countTable(columns: [string, string][], rows: string[][], total: number, none: string): string[] {
  if (total === 0) return [none, ''];
  const row = (cells: string[]): string => `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`;
  const totalRow = ['**total**', `**${total}**`, ...columns.slice(2).map(() => '')];
  return [row(columns.map(([name]) => name)), row(columns.map(([, align]) => align)), ...rows.map(row), row(totalRow), ''];
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

/**
 * `heading`, then bullet `lines` while they fit in maxChars, then `more(n)` for the n left out
 * (a bullet saying where to see them all); nothing when there are no lines.
 */
export function cappedBullets(heading: string, lines: string[], maxChars: number, more: (left: number) => string): string[] {
  if (lines.length === 0) return [];
  const out = [heading, ''];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (used + line.length > maxChars) {
      out.push(more(lines.length - i));
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  out.push('');
  return out;
}

/** The warnings as bullets, capped; `command` is what prints them all. */
export function warningBullets(warnings: readonly { code: string; message: string }[], maxChars: number, command: string): string[] {
  const lines = warnings.map((w) => `- :warning: ${mdCode(w.code)} ${mdText(w.message)}`);
  return cappedBullets('**Warnings**', lines, maxChars, (n) => `- … and ${plural(n, 'more warning')}; run \`${command}\` to see all`);
}

/** The note for the provider sections fitSections left out: how many, and how to see them. */
export function notShownNote(rest: readonly { change: unknown; models: unknown[] }[], noun: string, run: string): string {
  const n = rest.reduce((sum, g) => sum + (g.change ? 1 : 0) + g.models.length, 0);
  return `> **… ${plural(rest.length, 'more provider')} (${plural(n, noun)}) not shown**; run ${run}.\n`;
}

/** A provider's collapsible section: `head` (HTML) and `extra` notes in the summary, the diff body below. */
export function detailsSection(head: string, extra: string[], body: string[]): string {
  const summary = extra.length > 0 ? `${head} · ${extra.join(' · ')}` : head;
  return [`<details><summary>${summary}</summary>`, '', fenced('diff', body), '', '</details>', ''].join('\n');
}

/**
 * Field lines as diff lines. A create shows its values on `+` lines (its name is in the hunk
 * header already); other changes get `other(f, key)` for each field, `key` being the aligned name.
 */
export function diffFieldLines<F extends FieldChange>(
  c: { action: string; fields?: F[] },
  indent: string,
  other: (f: F, key: string) => string[],
): string[] {
  const fields = (c.fields ?? []).filter((f) => !(c.action === 'create' && f.path === 'name'));
  const key = fieldKey(fields, indent);
  return fields.flatMap((f) => (c.action === 'create' ? [`+ ${key(f.path)} ${describeField(f, 'create')}`] : other(f, key(f.path))));
}

/** A value field's before on a `-` line and after on a `+` line, each followed by `tag`. */
export function valueDiff(f: FieldChange, key: string, tag = ''): string[] {
  const out: string[] = [];
  if (f.before !== null) out.push(`- ${key} ${formatValue(f.before)}${tag}`);
  if (f.after !== null) out.push(`+ ${key} ${formatValue(f.after)}${tag}`);
  return out;
}
