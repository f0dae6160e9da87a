// The audit trail behind `cvctl history`: one row per apply (applied, noop, refused or failed),
// with who ran it, from which commit (and whether the working tree was dirty), the plan's digest
// and summary, and for a refusal or a failure its error code and message. Refusals and failures
// are recorded outside the rolled-back transaction, by the caller (src/app/record-run.ts).
import type { Queryable } from './database';
import { escapeControl, escapeOutput } from '../escape';

export type RunResult = 'applied' | 'noop' | 'failed' | 'refused';

export interface RunInput {
  scope: string;
  command: string;
  startedAt: Date;
  finishedAt: Date;
  actor: string | null;
  gitCommit: string | null;
  /** Uncommitted changes under the applied paths; null or absent = not known. */
  dirty?: boolean | null;
  planDigest: string | null;
  summary: object | null;
  result: RunResult;
  /** The CvctlError code of a refusal or failure (e.g. STALE_PLAN). */
  errorCode?: string | null;
  error: string | null;
}

export interface RunRecord {
  id: number;
  scope: string;
  command: string;
  /** ISO-8601 */
  startedAt: string;
  finishedAt: string | null;
  actor: string | null;
  gitCommit: string | null;
  dirty: boolean | null;
  planDigest: string | null;
  summary: Record<string, unknown> | null;
  result: RunResult;
  errorCode: string | null;
  error: string | null;
}

export async function recordRun(q: Queryable, run: RunInput): Promise<void> {
  await q.query(
    `insert into cvctl_runs (scope, command, started_at, finished_at, actor, git_commit, plan_digest, summary, result, error, error_code, dirty)
     values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12)`,
    [
      run.scope,
      run.command,
      run.startedAt.toISOString(),
      run.finishedAt.toISOString(),
      run.actor,
      run.gitCommit,
      run.planDigest,
      // Stringified here: pg would turn a JS array into a PostgreSQL array literal, not JSON.
      run.summary === null ? null : JSON.stringify(run.summary),
      run.result,
      run.error,
      run.errorCode ?? null,
      run.dirty ?? null,
    ],
  );
}

/** Newest first. */
export async function listRuns(q: Queryable, opts: { scope?: string; limit: number }): Promise<RunRecord[]> {
  const limit = Math.max(0, Math.floor(opts.limit));
  const r = await q.query<RunRecord>(
    `select id, scope, command, started_at as "startedAt", finished_at as "finishedAt", actor,
            git_commit as "gitCommit", dirty, plan_digest as "planDigest", summary, result,
            error_code as "errorCode", error
       from cvctl_runs
      where ($1::text is null or scope = $1::text)
      order by id desc
      limit $2`,
    [opts.scope ?? null, limit],
  );
  return r.rows;
}

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
