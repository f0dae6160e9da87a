// One code path above two targets: PostgreSQL through `pg`, and the embedded PGlite.
// Everything above src/state talks to a Database, never to pg or PGlite directly.

export type DatabaseTarget = 'postgres' | 'pglite';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

/** A value in COPY's text format: the column's text representation, or SQL NULL. */
export type CopyValue = string | null;

/** What a transaction body gets: statements, and bulk loads as one COPY … FROM STDIN. */
export interface Transaction extends Queryable {
  /**
   * Loads rows into `table` with one `COPY table (columns) FROM STDIN` (text format; values are
   * escaped here, so any string is safe). Returns the number of rows copied. Counts as one statement.
   * `rows` is read once, before anything is sent; it may be a generator, so that each row's values
   * are garbage as soon as they are encoded instead of all living until the end of the load.
   */
  copyRows(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number>;
}

export interface Database extends Queryable {
  readonly target: DatabaseTarget;
  /** Human description without credentials, e.g. `postgres://127.0.0.1:5432/test` or `.cvctl/db`. */
  readonly description: string;
  /** Runs fn in BEGIN … COMMIT on one connection; ROLLBACK and rethrow on any error. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Number of SQL statements sent so far (for the benchmarks' statement counts). */
  statementCount(): number;
  close(): Promise<void>;
}
