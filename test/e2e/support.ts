// Shared by the end-to-end tests: a work directory wired to a fresh database the way a user's
// checkout is (PostgreSQL through --database-url, or the embedded database under ./.cvctl/db),
// the CLI run in-process against it, and whole-database snapshots for "nothing was written".
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { workspaceDatabase, type DbTarget } from '../support/db';
import { runCli, type CliResult } from '../support/cli';
import { dumpRows, type Dump } from '../support/dump';
import type { Database, Queryable } from '../../src/state/database';
import { toBuffer, type SealedCredentials } from '../../src/crypto/envelope';

export interface Workspace {
  cwd: string;
  target: DbTarget;
  /** postgres target: the throwaway database's URL. */
  url?: string;
  /** --database-url for postgres; nothing for the embedded database (it is under cwd). */
  dbArgs: string[];
  /** Opens the database for fn only: the embedded database admits one handle at a time. */
  withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>;
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /**
   * Embedded target: hold one handle open for the CLI runs and withDb until release(), instead
   * of an open per command (~0.2 s of CPU each). Nothing on PostgreSQL. Tests that run many
   * commands hold it for most of them; the commands run before hold() open ./.cvctl/db themselves.
   */
  hold(): Promise<void>;
  release(): Promise<void>;
  write(rel: string, text: string): void;
  cleanup(): Promise<void>;
}

export async function workspace(target: DbTarget, baseEnv: () => Record<string, string> = () => ({})): Promise<Workspace> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-e2e-'));
  const wdb = await workspaceDatabase(target, cwd);
  let held: Database | undefined;
  const ws: Workspace = {
    cwd,
    target,
    url: wdb.url,
    dbArgs: wdb.dbArgs,
    async withDb(fn) {
      if (held) return fn(held);
      const db = await wdb.open();
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    },
    cli: (args, extra = {}) => runCli([...ws.dbArgs, ...args], { cwd, env: { ...baseEnv(), ...extra }, database: held }),
    async hold() {
      if (wdb.embeddedDir && !held) held = await wdb.open();
    },
    async release() {
      const db = held;
      held = undefined;
      await db?.close();
    },
    write(rel, text) {
      const p = path.join(cwd, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    },
    async cleanup() {
      await ws.release().catch(() => undefined);
      await wdb.cleanup().catch(() => undefined);
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
  return ws;
}

/** Fails with the CLI's stderr in the message, so a red test says why. */
export function expectExit(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`exit ${r.code}, expected ${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

/** Every table of the public schema, as it would be compared before and after a failed run. */
export async function tableNames(q: Queryable): Promise<string[]> {
  const r = await q.query<{ t: string }>(
    `select table_name as t from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
  );
  return r.rows.map((x) => x.t);
}

/** row_to_json of every row of every table, one string per table (the canary scan, snapshots). */
export async function allRows(q: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of await tableNames(q)) {
    const r = await q.query<{ j: string }>(`select row_to_json(x)::text as j from "${t}" x order by 1`);
    out[t] = r.rows.map((x) => x.j).join('\n');
  }
  return out;
}

/**
 * What must not change when a run fails: the normalised dump (rows cvctl manages) and the raw
 * rows of every table except the run history, where a failed apply leaves its trace by design.
 */
export async function snapshot(q: Queryable): Promise<{ dump: Dump; raw: Record<string, string> }> {
  const raw = await allRows(q);
  delete raw.cvctl_runs;
  return { dump: await dumpRows(q), raw };
}

export interface StoredEnvelope {
  id: string;
  name: string;
  kekId: string;
  sealed: SealedCredentials;
}

/** The envelope columns of every provider with credentials, by name. */
export async function envelopes(q: Queryable): Promise<Map<string, StoredEnvelope>> {
  const r = await q.query<{ id: string; name: string; ct: Buffer; iv: Buffer; dek: Buffer; kek_id: string }>(
    `select id::text as id, name, credential_ciphertext as ct, credential_iv as iv, credential_wrapped_dek as dek,
            credential_kek_id as kek_id
       from providers where credential_ciphertext is not null order by name`,
  );
  return new Map(
    r.rows.map((x) => [
      x.name,
      {
        id: x.id,
        name: x.name,
        kekId: x.kek_id,
        sealed: { ciphertext: toBuffer(x.ct), iv: toBuffer(x.iv), wrappedDek: toBuffer(x.dek), kekId: x.kek_id },
      },
    ]),
  );
}

/** The 1-based line and column of every occurrence of `needle` in a file's text. */
export function positionsOf(text: string, needle: string): Array<{ line: number; column: number }> {
  const out: Array<{ line: number; column: number }> = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    const before = text.slice(0, i).split('\n');
    out.push({ line: before.length, column: before[before.length - 1]!.length + 1 });
  }
  if (out.length === 0) throw new Error(`'${needle}' is not in the text`);
  return out;
}

/** Sets process.env entries for the duration of a suite (the AWS SDK's default chain reads them). */
export function setProcessEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Every file below `dir`, recursively. */
export function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}

/**
 * Everything cvctl said and wrote in a canary run, labelled for the failure message: every
 * command's stdout and stderr, and every file under `cwd` except the inputs under `cwd/repo`.
 */
export function saidAndWritten(outputs: Array<[string, CliResult]>, cwd: string): Array<[string, string]> {
  const texts: Array<[string, string]> = outputs.flatMap(([args, o], i): Array<[string, string]> => [
    [`stdout #${i} (${args})`, o.stdout],
    [`stderr #${i} (${args})`, o.stderr],
  ]);
  for (const f of listFiles(cwd)) {
    if (f.startsWith(path.join(cwd, 'repo') + path.sep)) continue; // the inputs themselves
    texts.push([path.relative(cwd, f), fs.readFileSync(f).toString('latin1')]);
  }
  return texts;
}
