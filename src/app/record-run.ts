// The audit side of `cvctl apply`: where the applied commit came from (and whether the working
// tree had uncommitted changes under the applied paths), and the history record of an apply
// that was refused or failed. Applied and no-op applies are recorded by applyPlan itself (the
// applied record inside the transaction it commits); a refusal or failure is recorded here,
// after the transaction rolled back, best effort: recording must never change the error the
// user sees.
import { execFileSync } from 'node:child_process';
import type { Queryable } from '../state/database';
import { recordRun, type RunResult } from '../state/runs';
import { ERROR_TABLE, isCvctlError } from '../errors';
import type { Summary } from '../plan/types';

export interface GitState {
  commit: string | null;
  /** Uncommitted changes (or untracked files) under the paths; null when not known. */
  dirty: boolean | null;
}

/**
 * The commit being applied: CI's GITHUB_SHA, else the working tree's HEAD, else unknown. `paths`
 * are the applied paths (null for a saved plan: its files were read when it was made, so the
 * working tree's state now says nothing about it and `dirty` is not known).
 */
export function gitState(cwd: string, env: NodeJS.ProcessEnv, paths: string[] | null): GitState {
  const git = (args: string[]): string | null => {
    try {
      return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString();
    } catch {
      return null;
    }
  };
  const head = git(['rev-parse', 'HEAD'])?.trim() || null;
  const commit = env.GITHUB_SHA || head;
  // Only the working tree can be dirty, and only relative to its own HEAD.
  if (paths === null || head === null || (env.GITHUB_SHA && env.GITHUB_SHA !== head)) return { commit, dirty: null };
  const status = git(['status', '--porcelain', '--', ...paths]);
  return { commit, dirty: status === null ? null : status.trim() !== '' };
}

export function resultOf(e: unknown): { result: RunResult; errorCode: string } {
  // Refused: cvctl decided not to write; failed: anything else (src/errors.ts, ERROR_TABLE).
  if (isCvctlError(e)) return { result: ERROR_TABLE[e.code].refusal ? 'refused' : 'failed', errorCode: e.code };
  return { result: 'failed', errorCode: 'INTERNAL' };
}

export interface FailedRun {
  scope: string;
  command: string;
  startedAt: Date;
  finishedAt: Date;
  actor: string | null;
  git: GitState;
  planDigest: string | null;
  summary: Summary | null;
}

/** The longest error message kept in history (messages are one line or a short list). */
const MAX_ERROR_CHARS = 1000;

/**
 * Records a refused or failed apply; never throws. The message is the one the user sees: error
 * messages never hold a secret value (database errors are redacted where they are mapped).
 */
export async function recordFailedRun(q: Queryable, run: FailedRun, error: unknown): Promise<boolean> {
  const { result, errorCode } = resultOf(error);
  const message = error instanceof Error ? error.message : String(error);
  try {
    await recordRun(q, {
      scope: run.scope,
      command: run.command,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      actor: run.actor,
      gitCommit: run.git.commit,
      dirty: run.git.dirty,
      planDigest: run.planDigest,
      summary: run.summary,
      result,
      errorCode,
      error: message.slice(0, MAX_ERROR_CHARS),
    });
    return true;
  } catch {
    // The database may be what failed (connection lost, not migrated); the original error wins.
    return false;
  }
}
