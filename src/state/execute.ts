// The thin executor of apply: runs the statements the converter made (src/apply/convert.ts), in
// order, in the caller's transaction. It decides nothing: what to write and in which order is the
// converter's; whether to commit is the caller's.
import type { Transaction } from './database';
import { isCopy, type Statement } from './statements';

/** Runs each statement in turn; the first failure rejects (the caller's transaction rolls back). */
export async function executeStatements(tx: Transaction, statements: readonly Statement[]): Promise<void> {
  for (const s of statements) {
    if (isCopy(s)) await tx.copyRows(s.copy, s.columns, s.rows);
    else await tx.query(s.sql, s.params);
  }
}
