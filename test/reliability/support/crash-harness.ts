// The moving parts of the crash-safety test: a seeded PRNG, the compiled CLI in a child process
// (with the times at which markers appeared on its stdout; it SIGKILLs itself at its stop point),
// and looks at its PostgreSQL sessions and advisory locks after the kill.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import type { Queryable } from '../../../src/state/database';
import { CLI } from '../../github/support';

export { mulberry32 } from './seeded';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * The CLI to kill: the repository's, or CVCTL_CRASH_CLI (another build's bin/cvctl.js, e.g. a
 * deliberately broken one, to see this test catch an apply that is not atomic).
 */
export const CVCTL = process.env.CVCTL_CRASH_CLI ? path.resolve(process.env.CVCTL_CRASH_CLI) : CLI;

/** What the CLI prints on stdout: the plan's last line (before the transaction), then the result. */
export const MARK_PLAN = 'Plan: ';
export const MARK_APPLIED = 'Apply complete:';
export const MARK_NOOP = 'Nothing to do:';
const MARKS = [MARK_PLAN, MARK_APPLIED, MARK_NOOP];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from spawn to exit */
  ms: number;
}

export interface CvctlRun {
  pid: number;
  /** ms since spawn at which each marker first appeared on stdout. */
  marks: Map<string, number>;
  stdout(): string;
  stderr(): string;
  elapsed(): number;
  exited(): boolean;
  /** SIGKILL now (no-op once exited); returns ms since spawn. */
  kill(): number;
  /** Resolves with the ms since spawn at which the marker appeared, or null if the process exits first. */
  waitFor(marker: string): Promise<number | null>;
  done: Promise<Exit>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** Killed (and reported) if still running after this long. */
  timeoutMs: number;
}

/** `node bin/cvctl.js ...args` with a clean environment (no DATABASE_URL, no CVCTL_KMS_KEY from the caller). */
export function spawnCvctl(args: string[], o: SpawnOptions): CvctlRun {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? o.cwd,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
    ...o.env,
  };
  const t0 = nowMs();
  const child = spawn(process.execPath, [CVCTL, ...args], { cwd: o.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const marks = new Map<string, number>();
  const waiters: Array<{ marker: string; resolve: (t: number | null) => void }> = [];
  const out: string[] = [];
  let tail = '';
  let stderr = '';
  let exited = false;
  child.stdout!.on('data', (d: Buffer) => {
    const chunk = d.toString();
    out.push(chunk);
    // A marker may straddle two chunks: search the end of the previous one too.
    const window = tail + chunk;
    tail = window.slice(-32);
    const t = nowMs() - t0;
    for (const m of MARKS) {
      if (!marks.has(m) && window.includes(m)) {
        marks.set(m, t);
        for (const w of waiters.filter((x) => x.marker === m)) w.resolve(t);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
  const done = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      for (const w of waiters) w.resolve(marks.get(w.marker) ?? null);
      resolve({ code, signal, ms: nowMs() - t0 });
    });
  });
  child.on('exit', () => {
    exited = true;
  });
  return {
    pid: child.pid ?? -1,
    marks,
    stdout: () => out.join(''),
    stderr: () => stderr,
    elapsed: () => nowMs() - t0,
    exited: () => exited,
    kill() {
      if (!exited) child.kill('SIGKILL');
      return nowMs() - t0;
    },
    waitFor(marker) {
      const seen = marks.get(marker);
      if (seen !== undefined) return Promise.resolve(seen);
      if (exited) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push({ marker, resolve }));
    },
    done,
  };
}

/** The cvctl session on a database, as pg_stat_activity shows it to another session. */
export interface SessionView {
  pid: number;
  /** Set once a transaction has written or row-locked anything (planning's read-only one never does). */
  xid: string | null;
  state: string | null;
  /** Inside an explicit transaction (between statements, or running a statement that is not its first). */
  inTx: boolean;
  /** The statement running, or the last one run. */
  query: string;
}

/** Every client session connected to `database` but ours (the trial databases are private to one trial). */
export async function sessionsOn(admin: Client, database: string): Promise<SessionView[]> {
  const r = await admin.query<{ pid: number; xid: string | null; state: string | null; in_tx: boolean; query: string | null }>(
    `select a.pid, a.backend_xid::text as xid, a.state, left(a.query, 80) as query,
            (a.state like 'idle in transaction%' or (a.state = 'active' and a.xact_start < a.query_start)) as in_tx
       from pg_stat_activity a
      where a.datname = $1 and a.pid <> pg_backend_pid() and a.backend_type = 'client backend'`,
    [database],
  );
  return r.rows.map((x) => ({
    pid: x.pid,
    xid: x.xid,
    state: x.state,
    inTx: x.xid !== null || Boolean(x.in_tx),
    query: (x.query ?? '').replace(/\s+/g, ' ').trim(),
  }));
}

/** Advisory locks held or awaited in `database` (the scope lock is one). */
export async function advisoryLocks(admin: Client, database: string): Promise<number> {
  const r = await admin.query<{ n: number }>(
    `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
      where l.locktype = 'advisory' and d.datname = $1`,
    [database],
  );
  return r.rows[0]?.n ?? 0;
}

/** Waits (bounded) until no session is connected to `database`; returns how long it took, or null on timeout. */
export async function waitSessionsGone(admin: Client, database: string, timeoutMs: number): Promise<number | null> {
  const t0 = nowMs();
  for (let i = 0; nowMs() - t0 < timeoutMs && i < 100_000; i++) {
    if ((await sessionsOn(admin, database)).length === 0) return nowMs() - t0;
    await sleep(10);
  }
  return null;
}

export async function adminClient(url: string, name: string): Promise<Client> {
  const c = new Client({ connectionString: url, application_name: name });
  await c.connect();
  return c;
}

export function dbUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Sum of the counts in `Apply complete: 1 created, 2 updated, 3 disabled, 4 enabled, 5 deleted.` */
export function appliedChanges(stdout: string): Record<string, number> | null {
  const m = /Apply complete: (\d+) created, (\d+) updated, (\d+) disabled, (\d+) enabled, (\d+) deleted\./.exec(stdout);
  if (!m) return null;
  const [create, update, disable, enable, del] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { create, update, disable, enable, delete: del, total: create + update + disable + enable + del };
}

/**
 * The other end of ./crash-pglite-host.js: embedded data directories opened in a child process
 * (as cvctl opens them), queried through a Queryable. One directory at a time, requests in order.
 */
export class PgliteHost {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: HostReply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private buf = '';
  private stderr = '';
  private exited = false;

  constructor() {
    this.child = spawn(process.execPath, [path.join(__dirname, 'crash-pglite-host.js')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => {
      this.buf += d.toString();
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const m = JSON.parse(line) as HostReply;
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (!p) continue;
        if (m.ok) p.resolve(m);
        else p.reject(new Error(m.error ?? 'unknown error'));
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`the PGlite host exited (${code ?? signal}): ${this.stderr.slice(-1000)}`));
      this.pending.clear();
    });
  }

  private send(msg: Record<string, unknown>): Promise<HostReply> {
    if (this.exited) return Promise.reject(new Error(`the PGlite host has exited: ${this.stderr.slice(-1000)}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, ...msg })}\n`);
    });
  }

  /** Opens the data directory, runs fn, closes it (also when fn throws). */
  async withDb<T>(dir: string, fn: (q: Queryable) => Promise<T>): Promise<T> {
    await this.send({ op: 'open', dir });
    try {
      return await fn({
        query: async <R>(sql: string, params?: unknown[]) => {
          const rows = ((await this.send({ op: 'query', sql, params })).rows ?? []) as R[];
          return { rows, rowCount: rows.length };
        },
      } as Queryable);
    } finally {
      await this.send({ op: 'close' });
    }
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  }
}

interface HostReply {
  id: number;
  ok: boolean;
  rows?: unknown[];
  error?: string;
}
