// PostgreSQL through exactly one pg.Client: the session-level advisory lock (src/state/lock.ts)
// only protects the transaction that runs on the session that holds it, so no pool.
import type * as PgSdk from 'pg';
import type { Client, ClientConfig, QueryResult as PgResult } from 'pg';
import type { QueryResult } from './database';
import { mapDbError, type ErrorContext } from './db-errors';
import { SessionDatabase } from './session';
import { TEXT_PARSERS } from './values';

export const CONNECT_TIMEOUT_MS = 10_000;

let sdk: typeof PgSdk | undefined;
/** pg is loaded on first connect: commands on the embedded database (or none) never pay for it. */
const pg = (): typeof PgSdk => (sdk ??= require('pg') as typeof PgSdk);

const typeParsers: ClientConfig['types'] = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const own = format === 'binary' ? undefined : TEXT_PARSERS[oid];
    return own ?? (pg().types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  }) as typeof PgSdk.types.getTypeParser,
};

export class PostgresDatabase extends SessionDatabase {
  readonly target = 'postgres' as const;
  readonly description: string;
  private readonly ctx: ErrorContext;
  /** A connection error emitted while idle; surfaced on the next statement instead of crashing. */
  private brokenBy: unknown = null;

  private constructor(
    private readonly client: Client,
    description: string,
    ctx: ErrorContext,
  ) {
    super();
    this.description = description;
    this.ctx = ctx;
    // Without a listener, an idle connection dropped by the server kills the process.
    client.on('error', (err) => {
      this.brokenBy = err;
    });
  }

  static async connect(databaseUrl: string, applicationName: string): Promise<PostgresDatabase> {
    const secrets = [databaseUrl];
    let client: Client;
    try {
      client = new (pg().Client)({
        connectionString: databaseUrl,
        application_name: applicationName,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        keepAlive: true,
        types: typeParsers,
      });
    } catch (err) {
      // A malformed URL: never echo it, it may hold a password.
      throw mapDbError(new Error('the database URL could not be parsed'), { secrets });
    }
    const password = typeof client.password === 'string' ? client.password : '';
    if (password) secrets.push(password, encodeURIComponent(password));
    const host = client.host || 'localhost';
    const endpoint = host.startsWith('/') ? host : `${host}:${client.port}`;
    const description = host.startsWith('/')
      ? `postgres://${encodeURIComponent(host)}/${client.database ?? ''}`
      : `postgres://${endpoint}/${client.database ?? ''}`;
    const ctx: ErrorContext = { endpoint, secrets };
    // Registered before connect(): a connect failure can also be emitted as an 'error' event.
    const early = (): void => {};
    client.on('error', early);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw mapDbError(err, ctx);
    } finally {
      client.off('error', early);
    }
    return new PostgresDatabase(client, description, ctx);
  }

  protected async send<R>(sql: string, params: unknown[] | undefined): Promise<QueryResult<R>> {
    if (this.brokenBy) throw this.brokenBy;
    const out = await this.client.query(sql, params);
    // A script of several statements (simple protocol, no parameters) yields one result per
    // statement; like psql, report the last one.
    const res = (Array.isArray(out) ? out[out.length - 1] : out) as PgResult | undefined;
    if (!res) return { rows: [], rowCount: 0 };
    return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
  }

  /**
   * COPY … FROM STDIN at the protocol level: pg accepts any "submittable" with the Query
   * callbacks; this one answers CopyInResponse with the data as CopyData messages. (pg itself
   * only implements COPY through the pg-copy-streams package, which we do not need.)
   * Each chunk comes with COPY_HEADER bytes free at its start (copyHeadroom): the CopyData
   * header is written there and the chunk goes to the socket as it is, as pg-copy-streams does,
   * rather than through pg's sendCopyFromChunk, which copies every chunk into a new message
   * (~3% of a first apply's profile on dataset L: docs/benchmarks-scale.md).
   * The chunks are encoded as they are sent, the next one while the socket drains the last
   * (back-pressure: at most about two chunks in memory): the server parses and indexes rows
   * while the client encodes the following ones, on another core.
   */
  protected override copyHeadroom(): number {
    return COPY_HEADER;
  }

  protected sendCopy(sql: string, data: Iterable<Buffer>): Promise<number> {
    if (this.brokenBy) return Promise.reject(this.brokenBy);
    return new Promise<number>((resolve, reject) => {
      let rowCount = 0;
      let settled = false;
      // Thrown while reading `data` (a bad row): the error the COPY fails with, not the server's
      // "COPY from stdin failed" that answers our CopyFail.
      let readFailure: unknown = null;
      const pump = async (con: CopyConnection): Promise<void> => {
        let drained: Promise<void> | null = null;
        try {
          for (const chunk of data) {
            if (drained) await drained;
            drained = null;
            // Ended meanwhile (the server refused a row, the connection died): stop sending.
            if (settled || !con.stream.writable) return;
            // CopyData: 'd', then the message length (itself included, the type byte not).
            chunk[0] = 0x64;
            chunk.writeUInt32BE(chunk.length - 1, 1);
            if (!con.stream.write(chunk)) drained = drainOf(con.stream);
          }
          if (drained) await drained;
          if (!settled && con.stream.writable) con.endCopyFrom();
        } catch (err) {
          readFailure = err;
          if (!settled && con.stream.writable) con.sendCopyFail('cvctl: the rows could not be encoded');
        }
      };
      const copy: CopySubmittable = {
        submit: (con) => con.query(sql),
        handleCopyInResponse: (con) => void pump(con),
        handleCommandComplete: (msg) => {
          rowCount = Number(/\d+$/.exec(msg.text ?? '')?.[0] ?? 0);
        },
        // pg drops the active query on ErrorResponse and never calls its handleReadyForQuery;
        // it still waits for ReadyForQuery before sending the next statement (and the server
        // ignores CopyData that arrives after it has failed the COPY).
        handleError: (err) => {
          settled = true;
          reject(readFailure ?? err);
        },
        handleReadyForQuery: () => {
          settled = true;
          resolve(rowCount);
        },
        handleRowDescription: () => undefined,
        handleDataRow: () => undefined,
        handleEmptyQuery: () => undefined,
        handlePortalSuspended: () => undefined,
        handleCopyData: () => undefined,
      };
      // A failure arrives through handleError, also when the connection dies mid-COPY (pg
      // fails the active query with the connection's error).
      (this.client as unknown as { query(q: CopySubmittable): void }).query(copy);
    });
  }

  protected errorContext(): ErrorContext {
    return this.ctx;
  }

  protected async shutdown(): Promise<void> {
    // end() after a broken connection can reject; closing is best effort by then.
    await this.client.end().catch(() => undefined);
  }
}

/** A CopyData message's header: type byte and length. */
const COPY_HEADER = 5;

/** The slice of pg's Connection a COPY submittable uses. */
interface CopyConnection {
  query(sql: string): void;
  /** The socket (or TLS socket) pg writes its messages to. */
  stream: CopyStream;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

type CopyStream = Pick<NodeJS.WritableStream, 'write' | 'once' | 'removeListener'> & { readonly writable: boolean };

/** Resolves when the socket wants more, or can take no more (closed, failed: the query fails). */
function drainOf(stream: CopyStream): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      for (const e of ['drain', 'close', 'error']) stream.removeListener(e, done);
      resolve();
    };
    for (const e of ['drain', 'close', 'error']) stream.once(e, done);
  });
}

/** pg calls these on the active query as the server's messages arrive. */
interface CopySubmittable {
  submit(con: CopyConnection): void;
  handleCopyInResponse(con: CopyConnection): void;
  handleCommandComplete(msg: { text?: string }): void;
  handleError(err: unknown): void;
  handleReadyForQuery(): void;
  handleRowDescription(): void;
  handleDataRow(): void;
  handleEmptyQuery(): void;
  handlePortalSuspended(): void;
  handleCopyData(): void;
}
