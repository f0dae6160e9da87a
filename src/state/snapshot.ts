// Reads that must agree with each other run in one snapshot: given a Database, in a
// REPEATABLE READ, READ ONLY transaction of their own; given a transaction (a plan reading
// providers and routing together, or apply), in it, under its isolation.
import type { Database, Queryable } from './database';

export function isDatabase(q: Queryable): q is Database {
  return typeof (q as Partial<Database>).transaction === 'function';
}

/** Runs fn in one snapshot: 2 statements more (BEGIN/SET…/COMMIT) when q is a Database. */
export async function inSnapshot<T>(q: Queryable, fn: (q: Queryable) => Promise<T>): Promise<T> {
  if (!isDatabase(q)) return fn(q);
  return q.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    return fn(tx);
  });
}
