// The audit trail behind `cvctl history`: one row per apply (applied, noop, refused or failed),
// with who ran it, from which commit (and whether the working tree was dirty), the plan's digest
// and summary, and for a refusal or a failure its error code and message. Refusals and failures
// are recorded outside the rolled-back transaction, by the caller (src/app/record-run.ts).
import type { Queryable } from './database';

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
