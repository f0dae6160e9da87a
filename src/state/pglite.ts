// The embedded database: PGlite (PostgreSQL compiled to WASM) with its data directory on disk.
// It runs inside this process, so one PGlite instance is one session, like our pg.Client.
import * as fs from 'fs';
import * as path from 'path';
import type { PGlite, Results } from '@electric-sql/pglite';
import { CvctlError } from '../errors';
import { ensureCvctlDir } from '../cvctl-dir';
import type { QueryResult } from './database';
import type { ErrorContext } from './db-errors';
import { acquireFileLock, type FileLock } from './file-lock';
import { restoreSeed } from './pglite-seed';
import { SessionDatabase } from './session';
import { TEXT_PARSERS } from './values';

type PgliteModule = typeof import('@electric-sql/pglite');
let pgliteModule: PgliteModule | undefined;

/**
 * PGlite loads its WASM with dynamic import(). Jest runs modules inside a vm context where
 * import() throws (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG, and as an unhandled rejection
 * that kills the worker, so it cannot be caught and retried). Under jest, load PGlite through
 * Node's own loader, outside the vm context; everywhere else a plain require.
 */
function loadPglite(): PgliteModule {
  if (pgliteModule) return pgliteModule;
  const nodeModule = require('module') as { _load?: (request: string, parent: unknown, isMain: boolean) => unknown };
  if (process.env.JEST_WORKER_ID !== undefined && typeof nodeModule._load === 'function') {
    pgliteModule = nodeModule._load(require.resolve('@electric-sql/pglite'), null, false) as PgliteModule;
  } else {
    pgliteModule = require('@electric-sql/pglite') as PgliteModule;
  }
  return pgliteModule;
}

type PgliteAssets = Pick<NonNullable<Parameters<PgliteModule['PGlite']['create']>[1]>, 'pgliteWasmModule' | 'fsBundle'>;
// lib.dom is not in this project's lib; WebAssembly exists in every Node we support. Taken from
// Node's main context (not `globalThis`): under jest the test runs in a vm realm whose
// WebAssembly objects PGlite, loaded in the main realm, does not recognise.
const wasm = (require('vm') as typeof import('vm')).runInThisContext('WebAssembly') as {
  compile(b: Buffer): Promise<PgliteAssets['pgliteWasmModule']>;
};
let assets: Promise<PgliteAssets> | undefined;

/**
 * The compiled WASM module and the filesystem bundle, once per process: every open would
 * otherwise recompile ~10 MB of WASM (tests and benchmarks open many databases). If the
 * files are not where this PGlite version keeps them, PGlite loads them itself.
 */
function pgliteAssets(): Promise<PgliteAssets> {
  assets ??= (async () => {
    try {
      const dist = path.dirname(require.resolve('@electric-sql/pglite'));
      const wasmFile = path.join(dist, 'pglite.wasm');
      const data = path.join(dist, 'pglite.data');
      if (!fs.existsSync(wasmFile) || !fs.existsSync(data)) return {};
      return {
        pgliteWasmModule: await wasm.compile(fs.readFileSync(wasmFile)),
        fsBundle: new ((require('vm') as typeof import('vm')).runInThisContext('Blob'))([fs.readFileSync(data)]),
      };
    } catch {
      return {};
    }
  })();
  return assets;
}

export const DEFAULT_EMBEDDED_DIR = path.join('.cvctl', 'db');
export const DEFAULT_FILE_LOCK_TIMEOUT_MS = 30_000;

/**
 * PostgreSQL settings for every open, on top of PGlite's own. shared_buffers: PGlite's initdb
 * writes the server default, 128 MB, which PGlite allocates and zeroes in the WASM heap at every
 * start (about 140 MB of resident memory before the first query). 16 MB is 2,048 pages: a
 * small repository fits whole; a large one reads through the OS page cache, as PostgreSQL
 * does beyond shared_buffers. One database, one session: 5 connections are plenty.
 */
export const PGLITE_SETTINGS: readonly string[] = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=5'];

export interface PgliteOpenOptions {
  dir: string;
  /**
   * A packed, migrated data directory (src/state/pglite-seed.ts) to copy into `dir` when `dir`
   * is missing or empty, instead of running initdb. Absent: initdb, as PGlite does.
   */
  seedFile?: string;
  lockTimeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A path for messages: relative to the working directory when that is shorter. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && rel.length < p.length ? rel : p;
}

export class PgliteDatabase extends SessionDatabase {
  readonly target = 'pglite' as const;
  readonly description: string;

  private constructor(
    private readonly pg: PGlite,
    private readonly lock: FileLock,
    description: string,
  ) {
    super();
    this.description = description;
  }

  static async open(opts: PgliteOpenOptions): Promise<PgliteDatabase> {
    const dir = path.resolve(opts.dir);
    const shown = displayPath(dir);
    try {
      ensureCvctlDir(path.dirname(dir));
    } catch (err) {
      throw new CvctlError('IO_ERROR', `cannot create ${path.dirname(shown)}: ${(err as Error).message}`, { cause: err });
    }
    const lock = await acquireFileLock(`${dir}.lock`, {
      timeoutMs: opts.lockTimeoutMs ?? DEFAULT_FILE_LOCK_TIMEOUT_MS,
      what: `the embedded database ${shown}`,
      sleep: opts.sleep,
    });
    let pg: PGlite;
    try {
      if (opts.seedFile) restoreSeed(dir, opts.seedFile);
      fs.mkdirSync(dir, { recursive: true });
      const { PGlite: Pglite } = loadPglite();
      // parsers: the same text parsers as the pg target, so rows look identical.
      pg = await Pglite.create(dir, {
        parsers: { ...TEXT_PARSERS },
        startParams: [...Pglite.defaultStartParams, ...PGLITE_SETTINGS],
        ...(await pgliteAssets()),
      });
    } catch (err) {
      lock.release();
      if (err instanceof CvctlError) throw err;
      throw new CvctlError('DB_ERROR', `cannot open the embedded database in ${shown}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new PgliteDatabase(pg, lock, shown);
  }

  protected async send<R>(sql: string, params: unknown[] | undefined): Promise<QueryResult<R>> {
    // Without parameters, the simple protocol (exec), as pg does: it accepts a script of several
    // statements (seed files, `psql -f`-style SQL), and the result is the last statement's.
    const res = params
      ? await this.pg.query<R>(sql, params.map(toPgliteParam))
      : ((await this.pg.exec(sql)).at(-1) as Results<R> | undefined);
    if (!res) return { rows: [], rowCount: 0 };
    // PGlite reports affectedRows for DML and nothing useful for SELECT; pg reports both as rowCount.
    const rowCount = res.rows.length > 0 ? res.rows.length : (res.affectedRows ?? 0);
    return { rows: res.rows, rowCount };
  }

  /** PGlite reads COPY data from a Blob given as the `/dev/blob` file: the whole load, encoded first. */
  protected async sendCopy(sql: string, data: Iterable<Buffer>): Promise<number> {
    const Blob = (require('vm') as typeof import('vm')).runInThisContext('Blob') as typeof import('node:buffer').Blob;
    // Node's main-realm Blob: under jest this module runs in a vm realm PGlite does not share.
    const blob = new Blob([...data]);
    const res = await this.pg.query(sql.replace(/ from stdin$/, " from '/dev/blob'"), [], { blob });
    return res.affectedRows ?? 0;
  }

  protected errorContext(): ErrorContext {
    return { endpoint: this.description };
  }

  protected async shutdown(): Promise<void> {
    try {
      await this.pg.close();
    } finally {
      this.lock.release();
    }
  }
}

/**
 * pg serialises parameters itself (Date -> timestamptz text, objects -> JSON, Buffer -> bytea);
 * PGlite only knows its own types. Serialise the same way so callers pass the same values.
 */
function toPgliteParam(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => (x instanceof Date ? x.toISOString() : x));
  if (typeof v === 'object') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  return v;
}
