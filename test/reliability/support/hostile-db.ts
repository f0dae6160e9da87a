// A Database that records the SQL text of every statement it is asked to run (and the table and
// columns of every COPY), then passes it on unchanged. Given to the CLI through runCli's
// `database` option, it shows whether a value from the files ever became part of a statement's
// text instead of travelling as a parameter (or as COPY data, which is escaped separately).
import type { Database, Queryable, Transaction } from '../../../src/state/database';

export interface RecordingDatabase extends Database {
  /** Every statement's SQL text, in order; COPY as `COPY table (columns)`. */
  readonly statements: string[];
}

export function recording(db: Database): RecordingDatabase {
  const statements: string[] = [];
  const recordQuery =
    (q: Queryable): Queryable['query'] =>
    <R>(sql: string, params?: unknown[]) => {
      statements.push(sql);
      return q.query<R>(sql, params);
    };
  const recordTx = (tx: Transaction): Transaction => ({
    query: recordQuery(tx),
    copyRows(table, columns, rows) {
      statements.push(`COPY ${table} (${columns.join(', ')})`);
      return tx.copyRows(table, columns, rows);
    },
  });
  return {
    statements,
    get target() {
      return db.target;
    },
    get description() {
      return db.description;
    },
    query: recordQuery(db),
    transaction: (fn) => db.transaction((tx) => fn(recordTx(tx))),
    statementCount: () => db.statementCount(),
    close: () => db.close(),
  };
}
