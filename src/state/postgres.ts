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
   */
  protected override copyHeadroom(): number {
    return COPY_HEADER;
  }

  protected sendCopy(sql: string, data: Buffer[]): Promise<number> {
    if (this.brokenBy) return Promise.reject(this.brokenBy);
    return new Promise<number>((resolve, reject) => {
      let rowCount = 0;
      const copy: CopySubmittable = {
        submit: (con) => con.query(sql),
        handleCopyInResponse: (con) => {
          for (const chunk of data) {
            // CopyData: 'd', then the message length (itself included, the type byte not).
            chunk[0] = 0x64;
            chunk.writeUInt32BE(chunk.length - 1, 1);
            // As pg's own _send: nothing is written to a socket that has closed (the connection's
            // error then fails this query through handleError).
            if (con.stream.writable) con.stream.write(chunk);
          }
          con.endCopyFrom();
        },
        handleCommandComplete: (msg) => {
          rowCount = Number(/\d+$/.exec(msg.text ?? '')?.[0] ?? 0);
        },
        // pg drops the active query on ErrorResponse and never calls its handleReadyForQuery;
        // it still waits for ReadyForQuery before sending the next statement.
        handleError: (err) => reject(err),
        handleReadyForQuery: () => resolve(rowCount),
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
  stream: { readonly writable: boolean; write(chunk: Buffer): boolean };
  endCopyFrom(): void;
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
