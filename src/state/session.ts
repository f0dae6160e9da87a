// The part of Database that is the same for both targets: statement counting, error mapping
// and BEGIN/COMMIT/ROLLBACK. Subclasses only know how to send one statement on their single
// session. Transactions are plain SQL on that session (not PGlite's transaction() helper)
// so that the advisory lock, the statements and the counter all see the same session.
import { CvctlError } from '../errors';
import type { CopyValue, Database, DatabaseTarget, QueryResult, Transaction } from './database';
import { mapDbError, type ErrorContext } from './db-errors';

const ROLLBACK_TO_RE = /^\s*rollback\s+(?:transaction\s+|work\s+)?to\b/i;

export abstract class SessionDatabase implements Database {
  abstract readonly target: DatabaseTarget;
  abstract readonly description: string;

  private statements = 0;
  private inTransaction = false;
  /** The first error raised inside the open transaction: PostgreSQL aborts the whole transaction. */
  private transactionError: CvctlError | null = null;
  private closed = false;

  /** Sends exactly one statement; throws the driver's own errors. */
  protected abstract send<R>(sql: string, params: unknown[] | undefined): Promise<QueryResult<R>>;
  protected abstract shutdown(): Promise<void>;
  protected abstract errorContext(): ErrorContext;
  /**
   * Sends one COPY … FROM STDIN statement with its data (text format, in chunks, each starting
   * with copyHeadroom() bytes left free for the driver's message header); returns rows copied.
   * `data` is read once, as the driver sends: encoding the next chunk overlaps the server's
   * work on the last one. Reading it may throw (a bad row): the COPY then fails with that error.
   */
  protected abstract sendCopy(sql: string, data: Iterable<Buffer>): Promise<number>;
  /** Bytes encodeCopyChunks leaves free at the start of each chunk (see PostgresDatabase). */
  protected copyHeadroom(): number {
    return 0;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    if (this.closed) throw new CvctlError('DB_ERROR', `the database connection (${this.description}) is already closed`);
    this.statements++;
    try {
      const result = await this.send<R>(sql, params);
      // A successful ROLLBACK TO SAVEPOINT repairs an aborted transaction.
      if (this.transactionError && ROLLBACK_TO_RE.test(sql)) this.transactionError = null;
      return result;
    } catch (err) {
      const mapped = mapDbError(err, this.errorContext());
      if (this.inTransaction && !this.transactionError) this.transactionError = mapped;
      throw mapped;
    }
  }

  /** COPY rows into a table (see Transaction.copyRows); outside a transaction it commits on its own. */
  async copyRows(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number> {
    if (this.closed) throw new CvctlError('DB_ERROR', `the database connection (${this.description}) is already closed`);
    if (!IDENTIFIER_RE.test(table) || !columns.every((c) => IDENTIFIER_RE.test(c))) {
      throw new CvctlError('DB_ERROR', `internal error: COPY into ${table} with a column name that is not a plain identifier`);
    }
    // The first chunk is encoded (and its rows' widths checked) before the statement is counted
    // or sent: a small load with a bad row sends nothing. A bad row further on fails the COPY
    // that is streaming (the driver aborts it) and so the transaction.
    const chunks = encodeCopyChunks(rows, this.copyHeadroom(), (r) => {
      if (r.length !== columns.length) {
        throw new CvctlError('DB_ERROR', `internal error: COPY into ${table}: a row has ${r.length} values for ${columns.length} columns`);
      }
    });
    const first = chunks.next();
    const data = first.done ? [] : prepend(first.value, chunks);
    this.statements++;
    try {
      return await this.sendCopy(`copy ${table} (${columns.join(', ')}) from stdin`, data);
    } catch (err) {
      const mapped = mapDbError(err, this.errorContext());
      if (this.inTransaction && !this.transactionError) this.transactionError = mapped;
      throw mapped;
    }
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    if (this.inTransaction) {
      // One session cannot hold two transactions; a silent join would break atomicity promises.
      throw new CvctlError('DB_ERROR', 'internal error: nested database transactions are not supported');
    }
    await this.query('BEGIN');
    this.inTransaction = true;
    this.transactionError = null;
    let active = true;
    const finished = () => Promise.reject(new CvctlError('DB_ERROR', 'internal error: query on a finished transaction'));
    const tx: Transaction = {
      query: <R>(sql: string, params?: unknown[]) => (active ? this.query<R>(sql, params) : finished()),
      copyRows: (table, columns, rows) => (active ? this.copyRows(table, columns, rows) : finished()),
    };
    try {
      const result = await fn(tx);
      if (this.transactionError) {
        // fn swallowed a failed statement; COMMIT would silently roll back. Say so instead.
        throw this.transactionError;
      }
      active = false;
      await this.query('COMMIT');
      return result;
    } catch (err) {
      active = false;
      if (this.inTransaction) {
        this.inTransaction = false;
        try {
          await this.query('ROLLBACK');
        } catch {
          // The session may be gone (network error); the original error is the one to report.
        }
      }
      throw err;
    } finally {
      this.inTransaction = false;
      this.transactionError = null;
    }
  }

  statementCount(): number {
    return this.statements;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.shutdown();
  }
}

const IDENTIFIER_RE = /^[a-z_][a-z0-9_]*$/;
const COPY_CHUNK_BYTES = 1 << 20;

/**
 * Rows in COPY's text format (tab-separated, \N for NULL, backslash escapes), as UTF-8 chunks
 * of about 1 MiB, made as they are read: never one string the size of the whole load. Backslash is escaped first, so
 * no value can end the data (`\.`) or inject a column or a row. Each chunk starts with `headroom`
 * bytes of its own left free (not part of the data), so that a driver can write its message header
 * there and send the chunk as it is instead of copying it into a new message. `checkRow` sees
 * every row before it is encoded (and may throw).
 */
export function* encodeCopyChunks(
  rows: Iterable<readonly CopyValue[]>,
  headroom = 0,
  checkRow?: (row: readonly CopyValue[]) => void,
): Generator<Buffer, void, undefined> {
  const toChunk = (text: string): Buffer => {
    if (headroom === 0) return Buffer.from(text, 'utf8');
    const chunk = Buffer.allocUnsafe(headroom + Buffer.byteLength(text, 'utf8'));
    chunk.fill(0, 0, headroom);
    chunk.write(text, headroom, 'utf8');
    return chunk;
  };
  let buf = '';
  for (const row of rows) {
    checkRow?.(row);
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (i > 0) buf += '\t';
      buf += v === null || v === undefined ? '\\N' : escapeCopy(v);
    }
    buf += '\n';
    if (buf.length >= COPY_CHUNK_BYTES) {
      yield toChunk(buf);
      buf = '';
    }
  }
  if (buf.length > 0) yield toChunk(buf);
}

function* prepend<T>(first: T, rest: Iterator<T>): Generator<T, void, undefined> {
  yield first;
  for (let r = rest.next(); !r.done; r = rest.next()) yield r.value;
}

// Four indexOf scans beat one character-class regex on the short values COPY carries (UUIDs,
// names, small JSON): ~40% less time for L's 1.2 million values.
function escapeCopy(v: string): string {
  if (v.indexOf('\\') < 0 && v.indexOf('\t') < 0 && v.indexOf('\n') < 0 && v.indexOf('\r') < 0) return v;
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
