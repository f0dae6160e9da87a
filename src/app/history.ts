// `cvctl history`: the recorded applies, newest first.
import type { Context } from './context';
import { listRuns, type RunRecord } from '../state/runs';
import { openDb } from './resources';

export interface HistoryOptions {
  /** Only this scope's runs; undefined: every scope's. */
  scope: string | undefined;
  limit: number;
}

export async function listHistory(ctx: Context, o: HistoryOptions): Promise<RunRecord[]> {
  const db = await openDb(ctx, { purpose: 'history' });
  try {
    return await listRuns(db, { scope: o.scope, limit: o.limit });
  } finally {
    await db.close();
  }
}
