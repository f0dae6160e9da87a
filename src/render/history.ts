// What `cvctl history` prints: a table of runs, newest first, or `{"runs": [...]}` as JSON.
import type { RunRecord } from '../state/runs';
import { escapeControl, escapeOutput } from '../escape';

function count(summary: Record<string, unknown> | null, key: string): number {
  const v = summary?.[key];
  return typeof v === 'number' ? v : 0;
}

/** `+create ~changed -delete`; enable and disable are changes to an existing row, like update. */
export function changeCounts(summary: Record<string, unknown> | null): string {
  if (!summary) return '-';
  const changed = count(summary, 'update') + count(summary, 'enable') + count(summary, 'disable');
  return `+${count(summary, 'create')} ~${changed} -${count(summary, 'delete')}`;
}

/** '2026-04-15 09:30:12Z': sortable, unambiguous, and narrower than full ISO. */
function when(iso: string | null): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function renderHistory(runs: RunRecord[], opts: { output: 'text' | 'json' }): string {
  if (opts.output === 'json') return escapeOutput(JSON.stringify({ runs }, null, 2) + '\n');
  if (runs.length === 0) return 'No runs recorded.\n';
  const header = ['ID', 'WHEN', 'SCOPE', 'ACTOR', 'COMMIT', 'CHANGES', 'RESULT'];
  const rows = runs.map((r) => [
    String(r.id),
    when(r.finishedAt ?? r.startedAt),
    r.scope,
    r.actor ?? '-',
    r.gitCommit ? `${r.gitCommit.slice(0, 12)}${r.dirty ? '-dirty' : ''}` : '-',
    changeCounts(r.summary),
    (r.result === 'failed' || r.result === 'refused') && r.error ? `${r.result}: ${firstLine(r.error)}` : r.result,
  ].map(escapeControl));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  // The last column is not padded: it may be long (an error) and trailing spaces help no one.
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  // An actor or an error may hold anything: escaped, and widths measured on what is printed.
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function firstLine(s: string): string {
  const l = s.split('\n')[0];
  return l.length > 80 ? `${l.slice(0, 77)}...` : l;
}
