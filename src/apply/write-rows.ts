// Deleting rows by id outside a plan (tests of the delete triggers): the same statements the
// apply converter makes for a delete (src/state/statements.ts deleteByIds). Apply itself writes
// through src/apply/convert.ts and src/state/execute.ts.
import type { Queryable } from '../state/database';
import { deleteByIds, isCopy } from '../state/statements';

export async function deleteRows(tx: Queryable, table: 'providers' | 'provider_models', ids: string[]): Promise<void> {
  for (const s of deleteByIds(table, ids)) if (!isCopy(s)) await tx.query(s.sql, s.params);
}
