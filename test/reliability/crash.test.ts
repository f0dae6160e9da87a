// Reliability: crash safety. "Start an apply of 10,000 changes and kill -9 the process at random
// points (>= 30 trials, seeded); after each, the database is exactly the before-state or the
// after-state (compare a full dump), never in between, and the next apply succeeds (no stuck lock)."
//
// The real CLI (`node bin/cvctl.js apply`, compiled dist/) runs as a child process and gets
// SIGKILL: none of cvctl's cleanup code runs. Per trial: a fresh copy of the before-state, the
// apply, a kill at a seeded point, a full dump (every table, every column, every row:
// ./support/crash-dump.ts) compared with the before-state and with the after-state of one
// uninterrupted run, then the same apply again, which must exit 0 and leave the after-state.
// PostgreSQL: 30 trials of a 10,399-change apply, two at a time. Embedded database (PGlite): 3
// trials of a smaller apply, alongside (see "embedded" below).
//
// Kill points: a seeded fraction f of a window measured on the uninterrupted run:
//   timer   f x 1.1 x the whole apply, from spawn: start-up, planning, transaction, exit alike
//   early   (embedded) f x the time to the printed plan: start-up, opening, planning
//   tx      PostgreSQL: once the session has a transaction id (its first row lock), f x 1.1 x the
//           time from there to "Apply complete"; embedded: once the plan is printed, f x 0.6 x
//           the time from there to "Apply complete" (secrets, KEK, transaction)
//   commit  (PostgreSQL) once the last statement before COMMIT (or COMMIT) runs, f x 10 ms
//   post    f x 20 ms after "Apply complete" (committed): the process closes its database
// Where the process was when it died is recorded (PostgreSQL: its session in pg_stat_activity,
// watched from spawn to kill; both: the stdout markers) and must agree with the outcome where
// the answer is certain: killed before the transaction -> before-state, after the commit ->
// after-state. Every trial must end in one of the two states, and over all trials both outcomes
// and kills before, inside and after the transaction must all have happened.
//
// CVCTL_CRASH_SEED=<n> replays the kill points of a run (the times scale with the machine);
// CVCTL_CRASH_TRIALS / CVCTL_CRASH_PGLITE_TRIALS set the number of trials, CVCTL_CRASH_CONCURRENCY
// how many PostgreSQL trials run at once (2), CVCTL_CRASH_LOG=<file> logs every step with times.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { adminUrl, freshDatabase, hasPostgres, targets } from '../support/db';
import { runCli } from '../support/cli';
import { ensureBuilt } from '../github/support';
import { openDatabase } from '../../src/state/connect';
import type { Queryable } from '../../src/state/database';
import { migrate } from '../../src/state/migrations';
import { crashEnv, facadesSql, writeState, type CrashShape } from './support/crash-fixture';
import {
  compare,
  describeDifference,
  dumpRaw,
  normalize,
  restObject,
  rowCount,
  sameDigests,
  tableDigests,
  type NormDump,
  type RawDump,
} from './support/crash-dump';
import {
  MARK_APPLIED,
  MARK_NOOP,
  MARK_PLAN,
  adminClient,
  advisoryLocks,
  appliedChanges,
  dbUrl,
  mulberry32,
  percentile,
  pgPhase,
  sleep,
  spawnCvctl,
  waitSessionsGone,
  type CvctlRun,
  type Exit,
  type PgPhase,
  PgliteHost,
  SessionWatch,
} from './support/crash-harness';

const SEED = (Number(process.env.CVCTL_CRASH_SEED ?? 0x5eed2026) >>> 0) || 1;
const PG_TRIALS = Number(process.env.CVCTL_CRASH_TRIALS ?? 30);
const PGLITE_TRIALS = Number(process.env.CVCTL_CRASH_PGLITE_TRIALS ?? 3);
const CONCURRENCY = Math.max(1, Number(process.env.CVCTL_CRASH_CONCURRENCY ?? 2));
const SEED_NOTE = `(seed ${SEED}: replay with CVCTL_CRASH_SEED=${SEED})`;

// 10,399 changes of every kind (the 10 provider deletes also cascade to their 600 provider models
// and the backends on them), with few unchanged rows: every run parses and diffs those too.
const PG_SHAPE: CrashShape = {
  keep: 20, models: 60, drop: 30, upd: 10, add: 10, gone: 10, retire: 4, flip: 4, safe: 2, rot: 4,
  cat: 80, catUpd: 30, catDrop: 6, created: 2, createdCat: 170,
};
// The embedded database (PostgreSQL in WASM, in the cvctl process) costs seconds per process
// start and per crash recovery: fewer trials of a smaller apply (~300 changes, same kinds).
const PGLITE_SHAPE: CrashShape = {
  keep: 6, models: 20, drop: 6, upd: 4, add: 2, gone: 2, retire: 1, flip: 1, safe: 1, rot: 1,
  cat: 4, catUpd: 10, catDrop: 2, created: 1, createdCat: 4,
};

const MIN_CHANGES = 10_000;
const MIN_PG_TRIALS = 30;
/** After "Apply complete" the process only closes its database and exits: a short window. */
const POST_WINDOW_MS = 20;
const RUN_TIMEOUT_MS = 60_000;

jest.setTimeout(120_000);

type Mode = 'timer' | 'early' | 'tx' | 'commit' | 'post';
/** PostgreSQL phases (from its session), 'applying' (embedded: plan printed, not yet complete), or 'exited' (finished before the kill). */
type Phase = PgPhase | 'applying' | 'exited';
type Outcome = 'before' | 'after' | 'between' | 'unreadable';

interface TrialPlan {
  n: number;
  mode: Mode;
  /** Seeded fraction in [0, 1) that places the kill within the mode's window. */
  f: number;
}

interface TrialResult extends TrialPlan {
  /** ms from spawn to the kill; null when the process had already exited. */
  killAtMs: number | null;
  phase: Phase;
  /** What the session was running (or had last run) when it was killed; embedded: notes. */
  detail: string;
  outcome: Outcome;
  problems: string[];
}

function trialPlans(count: number, modes: Mode[], salt: number): TrialPlan[] {
  const rnd = mulberry32(SEED ^ salt);
  return Array.from({ length: count }, (_, n) => ({ n, mode: modes[n % modes.length]!, f: rnd() }));
}

function applyArgs(files: string, kek: string, extra: string[] = []): string[] {
  return ['apply', files, '--auto-approve', '--allow-delete', '--kms', `local://${kek}`, '--lock-timeout', '10', ...extra];
}

/** The environment of every apply: fixed actor and commit (no `git` call), the credentials. */
function runEnv(state: 'before' | 'after'): Record<string, string> {
  return { ...crashEnv(state), GITHUB_ACTOR: 'crash-test', GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567' };
}

function queryable(c: Client): Queryable {
  return {
    query: async <R>(sql: string, params?: unknown[]) => {
      const r = await c.query(sql, params);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? r.rows.length };
    },
  } as Queryable;
}

function runFailure(what: string, r: CvctlRun, e: Exit): string {
  return `${what}: exit ${e.code}${e.signal ? ` (${e.signal})` : ''} after ${Math.round(e.ms)} ms\nstderr:\n${r.stderr().slice(0, 2000)}\nstdout (end):\n${r.stdout().slice(-600)}`;
}

async function runToEnd(args: string[], cwd: string, env: Record<string, string>, what: string): Promise<{ run: CvctlRun; exit: Exit }> {
  const run = spawnCvctl(args, { cwd, env, timeoutMs: RUN_TIMEOUT_MS });
  const exit = await run.done;
  if (exit.code !== 0) throw new Error(runFailure(what, run, exit));
  return { run, exit };
}

/** CVCTL_CRASH_LOG=<file>: a line per step, with times (to see where a slow run spends them). */
const LOG = process.env.CVCTL_CRASH_LOG;
const T0 = Date.now();
function log(msg: string): void {
  if (!LOG) return;
  const cpu = process.cpuUsage();
  fs.appendFileSync(LOG, `${((Date.now() - T0) / 1000).toFixed(2)}s (jest cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)}s) ${msg}\n`);
}

interface References {
  before: NormDump;
  after: NormDump;
  beforeRaw: RawDump;
  /** Per table, md5 of the before-state's rows: a trial with the same digests is byte-identical to it. */
  beforeDigests: Record<string, string>;
  changes: Record<string, number>;
  rowDiff: string;
}

function references(beforeRaw: RawDump, beforeDigests: Record<string, string>, afterRaw: RawDump, stdout: string): References {
  const before = normalize(beforeRaw, beforeRaw);
  const after = normalize(afterRaw, beforeRaw);
  const changes = appliedChanges(stdout);
  if (!changes) throw new Error(`the uninterrupted apply printed no summary:\n${stdout.slice(-500)}`);
  const d = compare(before, after, { examples: 0 });
  const rowDiff = Object.entries(d.counts)
    .map(([t, c]) => `${t} -${c.onlyA} +${c.onlyB} ~${c.changed}`)
    .join(', ');
  return { before, after, beforeRaw, beforeDigests, changes, rowDiff };
}

/**
 * Compares a trial's database with both references: first by digests with the before-state
 * (exact), else by a full dump; "between" carries the differences to each.
 */
async function outcomeIn(q: Queryable, refs: References): Promise<Killed> {
  const digests = await tableDigests(q);
  if (sameDigests(digests, refs.beforeDigests)) return { outcome: 'before', detail: '', digests };
  const norm = normalize((await dumpRaw(q)).raw, refs.beforeRaw);
  const toBefore = compare(norm, refs.before);
  if (toBefore.equal) return { outcome: 'before', detail: '', digests };
  const toAfter = compare(norm, refs.after);
  if (toAfter.equal) return { outcome: 'after', detail: '', digests };
  return {
    outcome: 'between',
    detail: `the database is neither the before-state nor the after-state.\n  vs before: ${describeDifference(toBefore)}\n  vs after: ${describeDifference(toAfter)}`,
    digests,
  };
}

interface Killed {
  outcome: Outcome;
  detail: string;
  /** Per-table digests of the database as the kill left it. */
  digests: Record<string, string>;
}

/**
 * After the next apply: the after-state. When the killed apply had committed, the next one has
 * nothing to do: every table is byte for byte as the kill left it (digests), except cvctl_runs,
 * which gains one run record (result noop). Otherwise a full dump is compared with the after-state.
 */
async function recoveryProblems(q: Queryable, refs: References, killed: Killed, rerun: CvctlRun): Promise<string[]> {
  const problems: string[] = [];
  const marker = killed.outcome === 'after' ? MARK_NOOP : MARK_APPLIED;
  if (!rerun.marks.has(marker)) problems.push(`the next apply did not print "${marker}":\n${rerun.stdout().slice(-300)}`);
  if (killed.outcome !== 'after') {
    const d = compare(normalize((await dumpRaw(q)).raw, refs.beforeRaw), refs.after);
    if (!d.equal) problems.push(`after the next apply the database is not the after-state: ${describeDifference(d)}`);
    return problems;
  }
  const digests = await tableDigests(q);
  const changed = Object.keys({ ...digests, ...killed.digests }).filter((t) => t !== 'cvctl_runs' && digests[t] !== killed.digests[t]);
  if (changed.length) problems.push(`the no-op apply changed table(s) ${changed.join(', ')}`);
  // cvctl_runs is keyed by [n], the row's rank in id order.
  const raw = (await dumpRaw(q, ['cvctl_runs'])).raw;
  const inOrder = <V>(m: Map<string, V> | undefined): V[] =>
    [...(m ?? new Map<string, V>()).entries()].sort((x, y) => Number(JSON.parse(x[0])[0]) - Number(JSON.parse(y[0])[0])).map(([, v]) => v);
  const runs = inOrder(normalize(raw, refs.beforeRaw).get('cvctl_runs'));
  const expected = inOrder(refs.after.get('cvctl_runs'));
  const last = inOrder(raw.get('cvctl_runs')).pop();
  const added = (last ? restObject(last) : {}) as { result?: string; summary?: Record<string, number>; error?: unknown };
  const zeros = Object.values(added.summary ?? { x: 1 }).every((v) => v === 0);
  if (runs.length !== expected.length + 1 || runs.slice(0, -1).some((r, i) => r !== expected[i]) || added.result !== 'noop' || !zeros || added.error !== null) {
    problems.push(`cvctl_runs after the no-op apply is not the after-state's plus one noop record:\n    ${runs.join('\n    ')}`);
  }
  return problems;
}

/** Outcomes that are certain from where the process was, since nothing is written outside the transaction. */
function phaseProblems(phase: Phase, outcome: Outcome, preTx: Phase[]): string[] {
  if (preTx.includes(phase) && outcome !== 'before') return [`killed before its transaction (${phase}) but the database is not the before-state`];
  if ((phase === 'after-commit' || phase === 'exited') && outcome !== 'after') return [`killed after its commit (${phase}) but the database is not the after-state`];
  return [];
}

function summarize(target: string, results: TrialResult[], extra: string[]): string {
  const count = (key: (r: TrialResult) => string | null) =>
    results.reduce<Record<string, number>>((m, r) => {
      const k = key(r);
      if (k !== null) m[k] = (m[k] ?? 0) + 1;
      return m;
    }, {});
  const fmt = (m: Record<string, number>) =>
    Object.entries(m)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '-';
  return [
    `crash safety on ${target} ${SEED_NOTE}: ${results.length} SIGKILLed applies`,
    ...extra,
    `  outcomes: ${fmt(count((r) => r.outcome))}`,
    `  kill modes: ${fmt(count((r) => r.mode))}`,
    `  phase at the kill -> outcome: ${fmt(count((r) => `${r.phase}->${r.outcome}`))}`,
    // The first words of the statement: `copy provider_models`, `(idle in transaction) update providers`, ...
    `  killed inside the transaction during: ${fmt(
      count((r) => (r.phase === 'transaction' || r.phase === 'commit' ? r.detail.replace(/^(\([^)]*\) )?((?:\S+ ){0,2}\S+).*$/, '$1$2') : null)),
    )}`,
    ...results.map(
      (r) =>
        `  #${String(r.n).padStart(2)} ${r.mode.padEnd(6)} f=${r.f.toFixed(3)} kill@${r.killAtMs === null ? '-' : Math.round(r.killAtMs)}ms ` +
        `${r.phase}${r.detail ? ` [${r.detail.slice(0, 50)}]` : ''} -> ${r.outcome}${r.problems.length ? ' PROBLEM' : ''}`,
    ),
  ].join('\n');
}

/** What must hold over all trials of a target, besides each trial's own checks. */
function assertTrials(target: string, results: TrialResult[], o: { preTx: Phase[]; inTx: Phase[]; min: number }): void {
  const failures = results.filter((r) => r.problems.length > 0);
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${results.length} trials failed on ${target} ${SEED_NOTE}:\n` +
        failures
          .map((r) => `#${r.n} (${r.mode}, f=${r.f.toFixed(3)}, killed at ${r.killAtMs === null ? '-' : Math.round(r.killAtMs)} ms, ${r.phase}):\n  ${r.problems.join('\n  ')}`)
          .join('\n'),
    );
  }
  expect(results.length).toBeGreaterThanOrEqual(o.min);
  const outcomes = new Set(results.map((r) => r.outcome));
  const phases = new Set(results.map((r) => r.phase));
  // The kill points must genuinely cover both outcomes, and kills before, inside and after the transaction.
  expect({
    target,
    seed: SEED,
    outcomeBefore: outcomes.has('before'),
    outcomeAfter: outcomes.has('after'),
    killedBeforeTransaction: o.preTx.some((p) => phases.has(p)),
    // Seen inside it (embedded: between the printed plan and "Apply complete"), and nothing committed.
    killedInTransaction: results.some((r) => o.inTx.includes(r.phase) && r.outcome === 'before'),
    killedAfterCommit: phases.has('after-commit'),
  }).toEqual({
    target,
    seed: SEED,
    outcomeBefore: true,
    outcomeAfter: true,
    killedBeforeTransaction: true,
    killedInTransaction: true,
    killedAfterCommit: true,
  });
}

function workDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// -------------------------------------------------------------------------------- PostgreSQL

(hasPostgres ? describe : describe.skip)('crash safety: apply SIGKILLed at random points (PostgreSQL)', () => {
  const tag = randomBytes(4).toString('hex');
  const tpl = `cvctl_t_crash_${tag}_tpl`;
  const created = new Set<string>();
  let work: string;
  let kek: string;
  let ddl: Client;
  /** Drops run on their own session, in the background: a trial does not wait for its cleanup. */
  let dropper: Client;
  const drops: Array<Promise<unknown>> = [];
  let refs: References;
  /** The uninterrupted apply, ms from spawn: total, first seen with a transaction id, "Apply complete". */
  const timing = { total: 0, txStart: 0, txEnd: 0 };
  let setupMs = 0;
  let tornDown = false;

  // CREATE DATABASE ... TEMPLATE wants the template without sessions: one DDL at a time.
  let ddlChain: Promise<unknown> = Promise.resolve();
  const serialDdl = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = ddlChain.then(fn, fn);
    ddlChain = p.catch(() => undefined);
    return p;
  };
  const createDb = (name: string, template?: string) =>
    serialDdl(async () => {
      created.add(name);
      await ddl.query(`create database ${name}${template ? ` template ${template}` : ''}`);
    });
  const dropDb = (name: string): void => {
    drops.push(dropper.query(`drop database if exists ${name} with (force)`).then(() => created.delete(name)));
  };
  const withDb = async <T>(name: string, fn: (q: Queryable) => Promise<T>): Promise<T> => {
    const c = await adminClient(dbUrl(adminUrl, name), 'cvctl-crash-dump');
    try {
      return await fn(queryable(c));
    } finally {
      await c.end();
    }
  };
  const dump = (name: string): Promise<RawDump> => withDb(name, async (q) => (await dumpRaw(q)).raw);

  beforeAll(async () => {
    const t0 = Date.now();
    ensureBuilt();
    log('pg: dist built');
    work = workDir('cvctl-crash-pg-');
    kek = path.join(work, 'kek');
    writeState(path.join(work, 'before'), PG_SHAPE, 'before');
    writeState(path.join(work, 'after'), PG_SHAPE, 'after');
    ddl = await adminClient(adminUrl, 'cvctl-crash-ddl');
    dropper = await adminClient(adminUrl, 'cvctl-crash-drop');

    // The before-state: the before files applied by cvctl, plus console-made facades and backends.
    await createDb(tpl);
    const tplUrl = dbUrl(adminUrl, tpl);
    const db = await openDatabase({ databaseUrl: tplUrl });
    try {
      await migrate(db);
      const r = await runCli([...applyArgs('before', kek), '--database-url', tplUrl], { cwd: work, env: runEnv('before'), database: db });
      if (r.code !== 0) throw new Error(`the before-state apply failed (${r.code}):\n${r.stderr}`);
      await db.query(facadesSql(PG_SHAPE));
    } finally {
      await db.close();
    }
    const [beforeRaw, beforeDigests] = await withDb(tpl, async (q) => [(await dumpRaw(q)).raw, await tableDigests(q)] as const);
    log('pg: before-state ready');

    // The after-state: one uninterrupted apply into a copy, watched to time its transaction.
    const ref = `cvctl_t_crash_${tag}_ref`;
    await createDb(ref, tpl);
    const watcher = await adminClient(adminUrl, 'cvctl-crash-watch');
    try {
      const run = spawnCvctl(applyArgs('after', kek, ['--database-url', dbUrl(adminUrl, ref)]), { cwd: work, env: runEnv('after'), timeoutMs: RUN_TIMEOUT_MS });
      const watch = new SessionWatch(watcher, ref, run).every(5);
      const exit = await run.done;
      await watch.stop();
      if (exit.code !== 0) throw new Error(runFailure('the uninterrupted apply', run, exit));
      if (watch.seenXidAt === null) throw new Error('the uninterrupted apply was never seen inside its transaction');
      timing.total = exit.ms;
      timing.txStart = watch.seenXidAt;
      timing.txEnd = run.marks.get(MARK_APPLIED)!;
      refs = references(beforeRaw, beforeDigests, await dump(ref), run.stdout());
      log(`pg: references ready: ${JSON.stringify(timing)}`);
    } finally {
      await watcher.end();
      dropDb(ref);
    }
    setupMs = Date.now() - t0;
  }, 120_000);

  afterAll(async () => {
    tornDown = true; // after a timeout: no new trial starts
    await Promise.allSettled(drops);
    if (dropper) {
      for (const name of [...created]) await dropper.query(`drop database if exists ${name} with (force)`).catch(() => undefined);
      await dropper.end();
    }
    await ddl?.end();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the uninterrupted apply makes >= 10,000 changes of every kind, and the two states differ', () => {
    expect(refs.changes.total).toBeGreaterThanOrEqual(MIN_CHANGES);
    expect(Math.min(refs.changes.create!, refs.changes.update!, refs.changes.delete!, refs.changes.disable!)).toBeGreaterThan(0);
    const d = compare(refs.before, refs.after, { examples: 0 });
    expect(d.equal).toBe(false);
    // Deletes cascade to rows cvctl never writes.
    expect(d.counts.model_backends?.onlyA ?? 0).toBeGreaterThan(0);
    expect(timing.txStart).toBeLessThan(timing.txEnd);
  });

  test(`>= 30 applies killed with SIGKILL: each leaves the before- or the after-state, and the next apply succeeds ${SEED_NOTE}`, async () => {
    if (wantEmbedded) void startEmbedded();
    const started = Date.now();
    const plans = trialPlans(PG_TRIALS, ['timer', 'tx', 'timer', 'commit', 'timer', 'tx', 'timer', 'post'], 0x9e3779b1);
    const txWindow = timing.txEnd - timing.txStart;

    // Each trial's copy of the before-state is made while the previous trial runs.
    const nameOf = (p: TrialPlan) => `cvctl_t_crash_${tag}_${p.n}`;
    const copies = new Map<number, Promise<void>>();
    const copyFor = (p: TrialPlan): Promise<void> => {
      let c = copies.get(p.n);
      if (!c) {
        c = createDb(nameOf(p), tpl);
        c.catch(() => undefined); // awaited (and reported) by the trial itself
        copies.set(p.n, c);
      }
      return c;
    };

    async function trial(p: TrialPlan, client: Client, next: TrialPlan | undefined): Promise<TrialResult> {
      const name = nameOf(p);
      const tt = [Date.now()];
      await copyFor(p);
      if (next) void copyFor(next);
      tt.push(Date.now());
      const url = dbUrl(adminUrl, name);
      const run = spawnCvctl(applyArgs('after', kek, ['--database-url', url]), { cwd: work, env: runEnv('after'), timeoutMs: RUN_TIMEOUT_MS });
      // Watched from spawn to kill: whether (and when) its write transaction showed up.
      const watch = new SessionWatch(client, name, run);
      // Wait for the kill point.
      if (p.mode === 'timer') {
        await sleep(Math.max(0, p.f * 1.1 * timing.total - run.elapsed()));
      } else if (p.mode === 'tx') {
        if (await watch.until(() => watch.seenXidAt !== null)) await sleep(p.f * 1.1 * txWindow);
      } else if (p.mode === 'commit') {
        const lastStatement = () => watch.last.some((s) => s.xid !== null && /^(insert into cvctl_runs|COMMIT)/i.test(s.query));
        await watch.until(() => watch.seenXidAt !== null);
        watch.every(2);
        if (await watch.until(() => lastStatement() || run.marks.has(MARK_APPLIED))) await sleep(p.f * 10);
      } else if ((await run.waitFor(MARK_APPLIED)) !== null) {
        await sleep(p.f * POST_WINDOW_MS);
      }
      // Where it is (one query, ~1 ms), then the kill.
      let phase: Phase = 'exited';
      let detail = '';
      let killAtMs: number | null = null;
      if (!run.exited()) {
        const s = await watch.snapshot();
        killAtMs = run.kill();
        phase = pgPhase(s, { xid: watch.seenXidAt !== null, maxBlindMs: watch.maxBlindMs }, run.marks.has(MARK_APPLIED), txWindow / 2);
        detail = s ? `${s.state === 'active' ? '' : `(${s.state}) `}${s.query}` : '';
      }
      await watch.stop();
      const exit = await run.done;
      if (exit.signal !== 'SIGKILL') phase = 'exited';
      log(`pg #${p.n} ${p.mode} f=${p.f.toFixed(3)}: killed at ${killAtMs?.toFixed(0)} ms in ${phase} [${detail}]`);
      const problems: string[] = [];
      if (phase === 'exited' && exit.code !== 0) problems.push(runFailure('the apply (finished before the kill)', run, exit));
      if (watch.error) problems.push(`watching the apply's session failed (its phase is uncertain): ${watch.error.message}`);

      // The killed session goes away, and its advisory lock with it.
      const gone = await waitSessionsGone(client, name, 15_000);
      if (gone === null) problems.push(`the killed apply's session is still connected 15 s after the kill`);
      const locks = await advisoryLocks(client, name);
      if (locks !== 0) problems.push(`${locks} advisory lock(s) still held in ${name} after the kill`);

      tt.push(Date.now());
      const killed = await withDb(name, (q) => outcomeIn(q, refs));
      const outcome = killed.outcome;
      if (outcome === 'between') problems.push(killed.detail);
      tt.push(Date.now());
      problems.push(...phaseProblems(phase, outcome, ['startup', 'planning']).map((m) => (run.stderr() ? `${m}; its stderr:\n${run.stderr().slice(-1000)}` : m)));
      log(`pg #${p.n}: session gone after ${gone?.toFixed(0)} ms, outcome ${outcome}`);

      // The next apply: exit 0 (a stuck scope lock would fail it after --lock-timeout 10) and the after-state.
      const rerun = spawnCvctl(applyArgs('after', kek, ['--database-url', url]), { cwd: work, env: runEnv('after'), timeoutMs: RUN_TIMEOUT_MS });
      const rexit = await rerun.done;
      tt.push(Date.now());
      if (rexit.code !== 0) problems.push(runFailure('the next apply after the kill', rerun, rexit));
      else problems.push(...(await withDb(name, (q) => recoveryProblems(q, refs, killed, rerun))));
      tt.push(Date.now());
      log(`pg #${p.n}: rerun exit ${rexit.code} in ${rexit.ms.toFixed(0)} ms; ${problems.length} problem(s)${problems.length ? `:\n${problems.join('\n')}` : ''}`);
      dropDb(name);
      log(`pg #${p.n}: ms for createdb, kill, outcome, rerun, dump: ${tt.slice(1).map((t, i) => t - tt[i]!).join(', ')}`);
      return { ...p, killAtMs, phase, detail, outcome, problems };
    }

    const results: TrialResult[] = [];
    const queue = [...plans];
    const watchers = await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => adminClient(adminUrl, `cvctl-crash-watch-${w}`)));
    try {
      await Promise.all(
        watchers.map(async (watch) => {
          for (let p = queue.shift(); p && !tornDown; p = queue.shift()) results.push(await trial(p, watch, queue[0]));
        }),
      );
    } finally {
      await Promise.all(watchers.map((w) => w.end()));
    }
    results.sort((a, b) => a.n - b.n);

    const killTimes = results.filter((r) => r.killAtMs !== null).map((r) => r.killAtMs!);
    const c = refs.changes;
    console.log(
      summarize('PostgreSQL', results, [
        `  apply: ${c.total} changes (${c.create} create, ${c.update} update, ${c.disable} disable, ${c.delete} delete); ` +
          `rows ${rowCount(refs.before)} before, ${rowCount(refs.after)} after; row differences: ${refs.rowDiff}`,
        `  uninterrupted apply: ${Math.round(timing.total)} ms (transaction id first seen at ${Math.round(timing.txStart)} ms, ` +
          `"Apply complete" at ${Math.round(timing.txEnd)} ms)`,
        `  kill times: median ${Math.round(percentile(killTimes, 0.5))} ms, max ${Math.round(Math.max(...killTimes))} ms; ${CONCURRENCY} trial(s) at a time`,
        `  setup ${(setupMs / 1000).toFixed(1)} s, trials ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ]),
    );
    assertTrials('PostgreSQL', results, { preTx: ['startup', 'planning'], inTx: ['transaction', 'commit'], min: MIN_PG_TRIALS });
  }, 240_000);
});

// -------------------------------------------------------------------------------- embedded
//
// The embedded database's trials run in the background (startEmbedded), from the start of the
// PostgreSQL trials: one more lane next to those two, on whatever CPU they leave idle. Its data
// directories are opened by a child process (./support/crash-pglite-host.js), never by jest, so
// that PGlite's WASM does not stall the PostgreSQL trials' timers and session polling.

interface EmbeddedReport {
  refs: References;
  timing: { total: number; plan: number; applied: number };
  results: TrialResult[];
  setupMs: number;
  trialsMs: number;
}

const wantEmbedded = targets.includes('pglite');
let embeddedJob: Promise<EmbeddedReport> | undefined;
let embeddedWork: string | undefined;
/** Made before any timed work, in this process: the before-state's data directory and its dump. */
let embeddedBefore: { tplCwd: string; kek: string; raw: RawDump; digests: Record<string, string>; ms: number } | undefined;

const embeddedDbDir = (cwd: string) => path.join(cwd, '.cvctl', 'db');

beforeAll(async () => {
  if (!wantEmbedded) return;
  const t0 = Date.now();
  ensureBuilt();
  const work = (embeddedWork = workDir('cvctl-crash-pglite-'));
  const kek = path.join(work, 'kek');
  writeState(path.join(work, 'before'), PGLITE_SHAPE, 'before');
  writeState(path.join(work, 'after'), PGLITE_SHAPE, 'after');
  // The before-state: a migrated data directory (the shared test template), the before files
  // applied by cvctl, the console-made facades; closed, then copied as every trial's start.
  const tplCwd = path.join(work, 'tpl');
  fs.mkdirSync(tplCwd, { recursive: true });
  const fresh = await freshDatabase('pglite');
  try {
    const r = await runCli(applyArgs('../before', kek), { cwd: tplCwd, env: runEnv('before'), database: fresh.db });
    if (r.code !== 0) throw new Error(`the before-state apply failed (${r.code}):\n${r.stderr}`);
    await fresh.db.query(facadesSql(PGLITE_SHAPE));
    const raw = (await dumpRaw(fresh.db)).raw;
    const digests = await tableDigests(fresh.db);
    await fresh.db.close();
    fs.mkdirSync(path.dirname(embeddedDbDir(tplCwd)), { recursive: true });
    fs.cpSync(fresh.dir!, embeddedDbDir(tplCwd), { recursive: true });
    embeddedBefore = { tplCwd, kek, raw, digests, ms: Date.now() - t0 };
  } finally {
    await fresh.cleanup();
  }
  log('pglite: before-state ready');
}, 120_000);

afterAll(async () => {
  await embeddedJob?.catch(() => undefined);
  if (embeddedWork) fs.rmSync(embeddedWork, { recursive: true, force: true });
});

function startEmbedded(): Promise<EmbeddedReport> {
  if (!embeddedJob) {
    embeddedJob = runEmbedded(embeddedWork!, embeddedBefore!);
    embeddedJob.catch(() => undefined); // reported by the embedded test
  }
  return embeddedJob;
}

async function runEmbedded(work: string, before: NonNullable<typeof embeddedBefore>): Promise<EmbeddedReport> {
  const t0 = Date.now() - before.ms;
  const { tplCwd, kek } = before;
  const dbDir = embeddedDbDir;
  const copyDb = (from: string, to: string) => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.cpSync(from, to, { recursive: true });
  };
  const host = new PgliteHost();
  try {
    // The after-state: one uninterrupted apply into a copy.
    const refCwd = path.join(work, 'ref');
    copyDb(dbDir(tplCwd), dbDir(refCwd));
    const { run, exit } = await runToEnd(applyArgs('../after', kek), refCwd, runEnv('after'), 'the uninterrupted apply');
    const timing = { total: exit.ms, plan: run.marks.get(MARK_PLAN)!, applied: run.marks.get(MARK_APPLIED)! };
    const refs = references(before.raw, before.digests, await host.withDb(dbDir(refCwd), async (q) => (await dumpRaw(q)).raw), run.stdout());
    fs.rmSync(refCwd, { recursive: true, force: true });
    log(`pglite: references ready: ${JSON.stringify(timing)}`);
    const setupMs = Date.now() - t0;

    const plans = trialPlans(PGLITE_TRIALS, ['tx', 'early', 'post', 'tx', 'timer', 'tx'], 0x85ebca6b);
    const results: TrialResult[] = [];
    for (const p of plans) {
      const cwd = path.join(work, `trial-${p.n}`);
      copyDb(dbDir(tplCwd), dbDir(cwd));
      const trun = spawnCvctl(applyArgs('../after', kek), { cwd, env: runEnv('after'), timeoutMs: RUN_TIMEOUT_MS });
      if (p.mode === 'timer') await sleep(Math.max(0, p.f * 1.1 * timing.total - trun.elapsed()));
      else if (p.mode === 'early') await sleep(Math.max(0, p.f * timing.plan - trun.elapsed()));
      else if (p.mode === 'tx') {
        // The window is short (the transaction of a small apply) and the marker arrives late: its first 60%.
        if ((await trun.waitFor(MARK_PLAN)) !== null) await sleep(p.f * 0.6 * (timing.applied - timing.plan));
      } else if ((await trun.waitFor(MARK_APPLIED)) !== null) await sleep(p.f * POST_WINDOW_MS);
      let phase: Phase = 'exited';
      let killAtMs: number | null = null;
      if (!trun.exited()) {
        killAtMs = trun.kill();
        // No outside view of an in-process database: the stdout markers say where it was.
        phase = trun.marks.has(MARK_APPLIED) ? 'after-commit' : trun.marks.has(MARK_PLAN) ? 'applying' : 'planning';
      }
      const texit = await trun.done;
      if (texit.signal !== 'SIGKILL') phase = 'exited';
      // SIGKILL runs no exit handler: the data directory's lock file stays, naming a dead pid.
      const lockFile = `${dbDir(cwd)}.lock`;
      const staleLock = fs.existsSync(lockFile);
      log(`pglite #${p.n} ${p.mode} f=${p.f.toFixed(3)}: killed at ${killAtMs?.toFixed(0)} ms in ${phase}; lock file left: ${staleLock}`);
      const problems: string[] = [];
      if (phase === 'exited' && texit.code !== 0) problems.push(runFailure('the apply (finished before the kill)', trun, texit));

      // Dump a copy: the next apply must do the crash recovery itself, from the killed state.
      const copy = path.join(work, `trial-${p.n}-copy`, 'db');
      copyDb(dbDir(cwd), copy);
      let killed: Killed;
      try {
        killed = await host.withDb(copy, (q) => outcomeIn(q, refs));
        if (killed.outcome === 'between') problems.push(killed.detail);
      } catch (e) {
        killed = { outcome: 'unreadable', detail: '', digests: {} };
        problems.push(`the killed apply's data directory cannot be opened: ${(e as Error).message}`);
      }
      const outcome = killed.outcome;
      problems.push(...phaseProblems(phase, outcome, ['planning']));
      log(`pglite #${p.n}: outcome ${outcome}`);

      const rerun = spawnCvctl(applyArgs('../after', kek), { cwd, env: runEnv('after'), timeoutMs: RUN_TIMEOUT_MS });
      const rexit = await rerun.done;
      if (fs.existsSync(lockFile)) problems.push(`the next apply (exit ${rexit.code}) left the lock file ${lockFile}`);
      if (rexit.code !== 0) problems.push(runFailure('the next apply after the kill', rerun, rexit));
      else problems.push(...(await host.withDb(dbDir(cwd), (q) => recoveryProblems(q, refs, killed, rerun))));
      log(`pglite #${p.n}: rerun exit ${rexit.code} in ${rexit.ms.toFixed(0)} ms; ${problems.length} problem(s)${problems.length ? `:\n${problems.join('\n')}` : ''}`);
      results.push({ ...p, killAtMs, phase, detail: staleLock ? 'lock file left; taken over by the next apply' : '', outcome, problems });
      fs.rmSync(cwd, { recursive: true, force: true });
      fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
    return { refs, timing, results, setupMs, trialsMs: Date.now() - t0 - setupMs };
  } finally {
    await host.stop();
  }
}

(wantEmbedded ? describe : describe.skip)('crash safety: apply SIGKILLed at random points (embedded database)', () => {
  test(`applies killed with SIGKILL leave the before- or the after-state, and the next apply succeeds ${SEED_NOTE}`, async () => {
    const { refs, timing, results, setupMs, trialsMs } = await startEmbedded();
    const c = refs.changes;
    console.log(
      summarize('the embedded database (PGlite)', results, [
        `  apply: ${c.total} changes (${c.create} create, ${c.update} update, ${c.disable} disable, ${c.delete} delete); row differences: ${refs.rowDiff}`,
        `  uninterrupted apply: ${Math.round(timing.total)} ms (plan printed at ${Math.round(timing.plan)} ms, "Apply complete" at ${Math.round(timing.applied)} ms)`,
        `  setup ${(setupMs / 1000).toFixed(1)} s, trials ${(trialsMs / 1000).toFixed(1)} s${hasPostgres ? ' (alongside the PostgreSQL trials)' : ''}`,
      ]),
    );
    assertTrials('PGlite', results, { preTx: ['planning'], inTx: ['applying'], min: 1 });
  }, 240_000);
});
