// Real cvctl processes racing on one database: build check, spawning with a hard deadline,
// classification of what each process said, and the PostgreSQL-side instruments (a stand-in
// lock holder, a lock-exclusivity sampler, the deadlock counter, the "admin console").
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { SCOPE_LOCK_NAMESPACE } from '../../../src/state/lock';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const cvctlBin = path.join(repoRoot, 'bin', 'cvctl.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * bin/cvctl.js runs dist/: build it (as `npm run build` does: tsc, then the project's
 * post-build scripts) when it is missing or older than a source file.
 */
export function ensureBuilt(): void {
  const main = path.join(repoRoot, 'dist', 'cli', 'main.js');
  if (fs.existsSync(main) && fs.statSync(main).mtimeMs >= newestMtime(path.join(repoRoot, 'src'))) return;
  const steps: string[][] = [[require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']];
  const validator = path.join(repoRoot, 'scripts', 'build-validator.js');
  if (fs.existsSync(validator)) steps.push([validator]);
  for (const [i, args] of steps.entries()) {
    const r = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    // tsc exits 2 when it reports type errors but still wrote every file (someone's work in progress).
    const ok = r.status === 0 || (i === 0 && r.status === 2 && fs.existsSync(main));
    if (!ok) throw new Error(`building dist/ failed (${args.join(' ')}):\n${r.stdout}\n${r.stderr}`);
  }
}

export interface Proc {
  tag: string;
  args: string[];
  pid: number;
  startedAt: number;
  /** Set once the process has exited. */
  result?: ProcResult;
  done: Promise<ProcResult>;
  /** SIGKILL (cleanup after a failed test). */
  kill(): void;
}

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed by us at the deadline: it hung. */
  hung: boolean;
  ms: number;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  deadlineMs: number;
  /** Default: node bin/cvctl.js; give a script for `node -e`. */
  nodeArgs?: string[];
}

/** One child process with a hard deadline (SIGKILL, then reported as hung). */
export function spawnProc(tag: string, args: string[], o: SpawnOptions): Proc {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? [cvctlBin]), ...args], {
    cwd: o.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, o.deadlineMs);
  const proc: Proc = {
    tag,
    args,
    pid: child.pid ?? -1,
    startedAt,
    kill: () => void child.kill('SIGKILL'),
    done: new Promise<ProcResult>((resolve) => {
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const result = { code, signal, stdout, stderr, hung, ms: Date.now() - startedAt };
        proc.result = result;
        resolve(result);
      });
    }),
  };
  return proc;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `stepMs` until it holds or `limitMs` passed; returns whether it held. */
export async function waitFor(cond: () => Promise<boolean> | boolean, limitMs: number, stepMs = 50): Promise<boolean> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await sleep(stepMs);
  }
}

// ---- What a process said -------------------------------------------------------------------

export type Outcome = 'applied' | 'noop' | 'lock-timeout' | 'stale' | 'ownership' | 'other';

const APPLIED_RE = /^Apply complete: \d+ created, \d+ updated, \d+ disabled, \d+ enabled, \d+ deleted\.$/m;
const NOOP_RE = /^Nothing to do: the database already matches the files\.$/m;
/** src/state/lock.ts, both forms (holder found, or gone by the time we looked). */
export const LOCK_RE =
  /^cvctl: error: scope "([^"]+)" is locked by another (?:session \((pid \d+.*)\)|cvctl run \(it may have just finished\)); gave up after \d+(?:\.\d+)?s\. Retry.*--lock-timeout\.$/;
/**
 * src/apply/stale-check.ts and the credential check of src/apply/credentials.ts: a saved plan
 * (apply --plan), or a direct apply whose rows a console edit changed while it was planning.
 */
export const STALE_RE =
  /^cvctl: error: (?:[^ ]+:\d+:\d+: )?(?:the saved plan is stale: (.+)\. Nothing was written; run `cvctl plan` again|the database changed while this apply was being planned: (.+)\. Nothing was written; run `cvctl apply` again)$/;
export const OWNERSHIP_RE = /^cvctl: error: .*already exists in the database but was not created by cvctl; pass --adopt to take it over$/;

export interface Classified {
  outcome: Outcome;
  /** The one error line, for losers. */
  line?: string;
  problems: string[];
}

/** Sorts a finished cvctl process into winner / clear loser / anything else (with why). */
export function classify(r: ProcResult): Classified {
  const problems: string[] = [];
  const all = r.stdout + r.stderr;
  if (r.hung) problems.push(`hung: killed after ${r.ms} ms`);
  if (/deadlock/i.test(all)) problems.push('mentions a deadlock');
  if (/internal error|\n\s+at .+:\d+:\d+\)?\n/.test(all)) problems.push('internal error or stack trace');
  if (r.code === 0) {
    if (r.stderr.trim() !== '') problems.push(`exit 0 with stderr: ${r.stderr.trim()}`);
    if (APPLIED_RE.test(r.stdout)) return { outcome: 'applied', problems };
    if (NOOP_RE.test(r.stdout)) return { outcome: 'noop', problems };
    problems.push('exit 0 without "Apply complete" or "Nothing to do"');
    return { outcome: 'other', problems };
  }
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const line = lines[lines.length - 1] ?? '';
  if (r.code !== 1) problems.push(`exit ${r.code ?? r.signal}, expected 0 or 1`);
  if (lines.length !== 1) problems.push(`expected one error line, got ${lines.length}: ${JSON.stringify(r.stderr)}`);
  if (/Apply complete/.test(r.stdout)) problems.push('failed after printing "Apply complete"');
  if (LOCK_RE.test(line)) return { outcome: 'lock-timeout', line, problems };
  if (STALE_RE.test(line)) return { outcome: 'stale', line, problems };
  if (OWNERSHIP_RE.test(line)) return { outcome: 'ownership', line, problems };
  problems.push(`unexpected message: ${JSON.stringify(r.stderr.trim())}`);
  return { outcome: 'other', line, problems };
}

// ---- PostgreSQL-side instruments -----------------------------------------------------------

export async function connect(url: string, applicationName: string): Promise<Client> {
  const c = new Client({ connectionString: url, application_name: applicationName });
  await c.connect();
  // A console statement that waits on a row lock must not wait forever either.
  await c.query(`set statement_timeout = '20s'`);
  return c;
}

/** Plays another session holding the scope's lock (as a long apply would). */
export async function holdScopeLock(url: string, scope: string): Promise<{ client: Client; release(): Promise<void> }> {
  const client = await connect(url, 'race-holder (test)');
  await client.query('select pg_advisory_lock($1, hashtext($2))', [SCOPE_LOCK_NAMESPACE, scope]);
  let held = true;
  return {
    client,
    async release() {
      if (!held) return;
      held = false;
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [SCOPE_LOCK_NAMESPACE, scope]);
      await client.end();
    },
  };
}

/** How many cvctl apply sessions are waiting on (polling for) an advisory lock right now. */
export async function applySessionsAtLock(c: Client): Promise<number> {
  const r = await c.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name like 'cvctl apply%' and query ilike '%advisory_lock%'`,
  );
  return r.rows[0]!.n;
}

export interface LockSampler {
  /** The most sessions ever seen holding the scope's lock at once, and how many samples. */
  stop(): Promise<{ maxHolders: number; samples: number; errors: string[] }>;
}

/** Samples pg_locks every few ms: the scope lock must never be granted to two sessions. */
export async function sampleScopeLock(url: string, scope: string, everyMs = 25): Promise<LockSampler> {
  const c = await connect(url, 'race-sampler (test)');
  let running = true;
  let maxHolders = 0;
  let samples = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const r = await c.query<{ n: number }>(
          `select count(distinct pid)::int as n from pg_locks
            where locktype = 'advisory' and granted and objsubid = 2
              and classid = ($1::int4)::oid and objid = (hashtext($2))::oid
              and database = (select oid from pg_database where datname = current_database())`,
          [SCOPE_LOCK_NAMESPACE, scope],
        );
        samples++;
        maxHolders = Math.max(maxHolders, r.rows[0]!.n);
      } catch (e) {
        errors.push((e as Error).message);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await c.end();
      return { maxHolders, samples, errors };
    },
  };
}

/** The server's deadlock counter for this database (a fresh stats snapshot every call). */
export async function deadlocks(url: string): Promise<number> {
  const c = await connect(url, 'race-stats (test)');
  try {
    await c.query('select pg_stat_clear_snapshot()');
    const r = await c.query<{ n: string }>('select deadlocks::text as n from pg_stat_database where datname = current_database()');
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

// ---- The admin console ---------------------------------------------------------------------

export type ConsoleEdit =
  | { kind: 'label'; provider: string; value: string }
  | { kind: 'model-insert'; provider: string; model: string; facade: string }
  | { kind: 'provider-insert'; provider: string };

export interface ConsoleResult {
  edit: ConsoleEdit;
  /** Whether the edit took effect (committed, and matched a row). */
  done: boolean;
  error?: string;
  at: number;
}

/** One edit as the admin console makes it: plain SQL from its own connection, in one transaction. */
export async function consoleEdit(url: string, edit: ConsoleEdit): Promise<ConsoleResult> {
  const c = await connect(url, 'admin-console (test)');
  try {
    await c.query('begin');
    let done = false;
    if (edit.kind === 'label') {
      const r = await c.query(
        `update providers set labels = labels || jsonb_build_object('console', $2::text), updated_at = now() where name = $1`,
        [edit.provider, edit.value],
      );
      done = r.rowCount === 1;
    } else if (edit.kind === 'model-insert') {
      const r = await c.query(
        `insert into provider_models (provider_id, model_id, kind, context_window, source)
         select id, $2, 'chat', 1234, 'custom' from providers where name = $1`,
        [edit.provider, edit.model],
      );
      await c.query('insert into models (name) values ($1)', [edit.facade]);
      await c.query(
        `insert into model_backends (model_id, provider_model_id)
         select m.id, pm.id from models m, provider_models pm join providers p on p.id = pm.provider_id
          where m.name = $1 and p.name = $2 and pm.model_id = $3`,
        [edit.facade, edit.provider, edit.model],
      );
      done = r.rowCount === 1;
    } else {
      const r = await c.query(`insert into providers (name, kind, labels) values ($1, 'groq', '{"console": "made"}')`, [edit.provider]);
      done = r.rowCount === 1;
    }
    await c.query('commit');
    return { edit, done, at: Date.now() };
  } catch (e) {
    await c.query('rollback').catch(() => undefined);
    return { edit, done: false, error: (e as Error).message, at: Date.now() };
  } finally {
    await c.end();
  }
}
