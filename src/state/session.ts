// The part of Database that is the same for both targets: statement counting, error mapping
// and BEGIN/COMMIT/ROLLBACK. Subclasses only know how to send one statement on their single
// session. Transactions are plain SQL on that session (not PGlite's transaction() helper)
// so that the advisory lock, the statements and the counter all see the same session.
import { CvctlError } from '../errors';
import type { Database, DatabaseTarget, QueryResult, Queryable } from './database';
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

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    if (this.inTransaction) {
      // One session cannot hold two transactions; a silent join would break atomicity promises.
      throw new CvctlError('DB_ERROR', 'internal error: nested database transactions are not supported');
    }
    await this.query('BEGIN');
    this.inTransaction = true;
    this.transactionError = null;
    let active = true;
    const tx: Queryable = {
      query: <R>(sql: string, params?: unknown[]) => {
        if (!active) {
          return Promise.reject(new CvctlError('DB_ERROR', 'internal error: query on a finished transaction'));
        }
        return this.query<R>(sql, params);
      },
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
