// Reliability: crash safety. "Start an apply of 10,000 changes and kill -9 the process at random
// points (>= 30 trials, seeded); after each, the database is exactly the before-state or the
// after-state (compare a full dump), never in between, and the next apply succeeds (no stuck lock)."
//
// The real CLI (`node bin/cvctl.js apply`, compiled dist/) runs as a child process and dies by
// SIGKILL: none of cvctl's cleanup code runs. Per trial: a fresh copy of the before-state, the
// apply, a kill at a stop point (the trials' order seeded), a full dump (every table, every column, every row:
// ./support/crash-dump.ts) compared with the before-state and with the after-state of one
// uninterrupted run, then the same apply again, which must exit 0 and leave the after-state.
// Where it dies is a stop point in the real code, not a time (CVCTL_TEST_STOP_AT, see
// src/testing/stop-at.ts and docs/reliability.md): the process SIGKILLs itself when it gets
// there, so every trial lands where it says on a quiet machine and a busy one alike, and the
// outcome each point must give is known in advance:
//   planning, before the transaction (state read, secrets resolved, scope lock taken) -> before
//   inside the transaction (rows locked, providers / provider models written, deletes done,
//     the run recorded), between two statements or (`+tick`) while the next one is on its way
//     to the database, COPY included                                                 -> before
//   COMMIT sent (`apply:before-commit+tick`)                              -> before or after
//   committed, and after the scope lock is released (the database still open)        -> after
// Every trial must end in the state its point gives, never in between, and the next apply must
// succeed with the after-state.
//
// Default and full runs (test/support/full.ts): `npm test` runs every PostgreSQL stop point
// once (13 trials) on an apply of ~1,900 changes of the same kinds, and 3 embedded trials (one
// before, one inside, one after the transaction, drawn by the seed); CVCTL_TEST_FULL=1 runs 30
// PostgreSQL trials (every point, then seeded repeats) on the 10,399-change apply and every
// embedded point once (7). The embedded database's apply is ~300 changes either way (a process
// start and crash recovery cost it seconds).
//
// CVCTL_CRASH_SEED=<n> replays a run (the order of the trials, the repeats, the embedded
// picks); CVCTL_CRASH_TRIALS / CVCTL_CRASH_PGLITE_TRIALS set the number of trials,
// CVCTL_CRASH_CONCURRENCY how many PostgreSQL trials run at once (2), CVCTL_CRASH_LOG=<file>
// logs every step with times.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { adminUrl, freshDatabase, hasPostgres, targets } from '../support/db';
import { FULL, RUN_KIND, sampleSize } from '../support/full';
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
  spawnCvctl,
  waitSessionsGone,
  type CvctlRun,
  type Exit,
  PgliteHost,
} from './support/crash-harness';

const SEED = (Number(process.env.CVCTL_CRASH_SEED ?? 0x5eed2026) >>> 0) || 1;
const CONCURRENCY = Math.max(1, Number(process.env.CVCTL_CRASH_CONCURRENCY ?? 2));
const SEED_NOTE = `(seed ${SEED}: replay with CVCTL_CRASH_SEED=${SEED}; ${RUN_KIND})`;

type Phase = 'planning' | 'before-tx' | 'transaction' | 'commit' | 'after-commit';
type Outcome = 'before' | 'after' | 'between' | 'unreadable';

/** A stop point (CVCTL_TEST_STOP_AT) and the state the database must be in after the kill. */
interface StopPoint {
  point: string;
  phase: Phase;
  expect: 'before' | 'after' | 'either';
}

const stop = (point: string, phase: Phase, expect: StopPoint['expect']): StopPoint => ({ point, phase, expect });

/** In the order an apply reaches them (src/app/make-plan.ts, src/apply/apply-plan.ts). */
const PG_POINTS: StopPoint[] = [
  stop('plan:state-read', 'planning', 'before'),
  stop('apply:secrets-resolved', 'before-tx', 'before'),
  stop('apply:locked', 'before-tx', 'before'),
  stop('apply:rows-locked', 'transaction', 'before'),
  stop('apply:rows-locked+tick', 'transaction', 'before'),
  stop('apply:providers-written', 'transaction', 'before'),
  // +tick: the provider models' COPY is on its way.
  stop('apply:providers-written+tick', 'transaction', 'before'),
  stop('apply:models-written', 'transaction', 'before'),
  stop('apply:deleted', 'transaction', 'before'),
  stop('apply:before-commit', 'transaction', 'before'),
  stop('apply:before-commit+tick', 'commit', 'either'),
  stop('apply:committed', 'after-commit', 'after'),
  stop('apply:done', 'after-commit', 'after'),
];
// One process holds the embedded database (PostgreSQL in WASM, in cvctl's own process): its
// data directory must recover from a kill anywhere. Its statements run on cvctl's own thread, so
// a kill lands between two of them; `+tick` may land several statements later (even after the
// COMMIT), hence only at the end, where either outcome is right.
const PGLITE_POINTS: StopPoint[] = [
  stop('plan:state-read', 'planning', 'before'),
  stop('apply:rows-locked', 'transaction', 'before'),
  stop('apply:models-written', 'transaction', 'before'),
  stop('apply:before-commit', 'transaction', 'before'),
  stop('apply:before-commit+tick', 'commit', 'either'),
  stop('apply:committed', 'after-commit', 'after'),
  stop('apply:done', 'after-commit', 'after'),
];

const PG_TRIALS = sampleSize('CVCTL_CRASH_TRIALS', PG_POINTS.length, 30);
const PGLITE_TRIALS = sampleSize('CVCTL_CRASH_PGLITE_TRIALS', 3, PGLITE_POINTS.length);

// 10,399 changes of every kind (the 10 provider deletes also cascade to their 600 provider models
// and the backends on them), with few unchanged rows: every run parses and diffs those too.
const FULL_PG_SHAPE: CrashShape = {
  keep: 20, models: 60, drop: 30, upd: 10, add: 10, gone: 10, retire: 4, flip: 4, safe: 2, rot: 4,
  cat: 80, catUpd: 30, catDrop: 6, created: 2, createdCat: 170,
};
// The default sample: the same kinds of change, ~1,900 of them. The stop points do not
// need a long apply to land in (timed kills did); every trial is a killed apply plus a full one.
const DEFAULT_PG_SHAPE: CrashShape = {
  keep: 5, models: 30, drop: 8, upd: 3, add: 3, gone: 3, retire: 1, flip: 1, safe: 1, rot: 1,
  cat: 20, catUpd: 8, catDrop: 2, created: 1, createdCat: 43,
};
const PG_SHAPE = FULL ? FULL_PG_SHAPE : DEFAULT_PG_SHAPE;
// The embedded database (PostgreSQL in WASM, in the cvctl process) costs seconds per process
// start and per crash recovery: fewer trials of a smaller apply (~300 changes, same kinds).
const PGLITE_SHAPE: CrashShape = {
  keep: 6, models: 20, drop: 6, upd: 4, add: 2, gone: 2, retire: 1, flip: 1, safe: 1, rot: 1,
  cat: 4, catUpd: 10, catDrop: 2, created: 1, createdCat: 4,
};

const MIN_CHANGES = FULL ? 10_000 : 1_900;
const RUN_TIMEOUT_MS = 60_000;
/** A guard against a hang, not a speed check: room for a machine ~10x slower than a quiet one. */
const PG_TRIALS_TIMEOUT_MS = Math.max(240_000, Math.ceil(PG_TRIALS / CONCURRENCY) * 40_000);

jest.setTimeout(120_000);

interface TrialPlan {
  n: number;
  stop: StopPoint;
}

interface TrialResult extends TrialPlan {
  /** ms from spawn to the process's end. */
  ms: number;
  /** Notes (embedded: whether the data directory's lock file was left). */
  detail: string;
  outcome: Outcome;
  problems: string[];
}

/**
 * PostgreSQL: every point once in a seeded order, then seeded repeats. count < points: a seeded
 * choice, still covering the phases in turn.
 */
function pgTrialPlans(count: number): TrialPlan[] {
  const rnd = mulberry32(SEED ^ 0x9e3779b1);
  const shuffled = (): StopPoint[] => {
    const a = [...PG_POINTS];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const order: StopPoint[] = [];
  while (order.length < count) order.push(...shuffled());
  return order.slice(0, count).map((s, n) => ({ n, stop: s }));
}

/**
 * Embedded: one point before, inside and after the transaction in turn, each drawn by the seed;
 * every point (COMMIT in flight included) once when there are as many trials as points (a full run).
 */
function pgliteTrialPlans(count: number): TrialPlan[] {
  const rnd = mulberry32(SEED ^ 0x85ebca6b);
  const groups = [
    PGLITE_POINTS.filter((p) => p.expect === 'before' && p.phase !== 'transaction'),
    PGLITE_POINTS.filter((p) => p.phase === 'transaction'),
    PGLITE_POINTS.filter((p) => p.expect === 'after'),
  ];
  if (count >= PGLITE_POINTS.length) {
    return Array.from({ length: count }, (_, n) => ({ n, stop: PGLITE_POINTS[n % PGLITE_POINTS.length]! }));
  }
  return Array.from({ length: count }, (_, n) => {
    const g = groups[n % groups.length]!;
    return { n, stop: g[Math.floor(rnd() * g.length)]! };
  });
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

/** The process must have stopped itself at its point, and left the state that point gives. */
function stopProblems(p: TrialPlan, run: CvctlRun, exit: Exit, outcome: Outcome): string[] {
  const problems: string[] = [];
  if (exit.signal !== 'SIGKILL') problems.push(`${runFailure(`the apply did not stop at ${p.stop.point}`, run, exit)}`);
  if (p.stop.expect !== 'either' && outcome !== 'between' && outcome !== p.stop.expect) {
    problems.push(`killed at ${p.stop.point} (${p.stop.phase}) but the database is the ${outcome}-state, not the ${p.stop.expect}-state`);
  }
  return problems;
}

function summarize(target: string, results: TrialResult[], extra: string[]): string {
  const count = (key: (r: TrialResult) => string) =>
    results.reduce<Record<string, number>>((m, r) => {
      const k = key(r);
      m[k] = (m[k] ?? 0) + 1;
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
    `  phase at the kill -> outcome: ${fmt(count((r) => `${r.stop.phase}->${r.outcome}`))}`,
    ...results.map(
      (r) =>
        `  #${String(r.n).padStart(2)} ${r.stop.point.padEnd(30)} ${r.stop.phase.padEnd(12)} killed@${Math.round(r.ms)}ms ` +
        `-> ${r.outcome}${r.detail ? ` [${r.detail}]` : ''}${r.problems.length ? ' PROBLEM' : ''}`,
    ),
  ].join('\n');
}

/** What must hold over all trials of a target, besides each trial's own checks. */
function assertTrials(target: string, results: TrialResult[], o: { points: StopPoint[]; min: number }): void {
  const failures = results.filter((r) => r.problems.length > 0);
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} of ${results.length} trials failed on ${target} ${SEED_NOTE}:\n` +
        failures.map((r) => `#${r.n} (killed at ${r.stop.point}, ${r.stop.phase}, after ${Math.round(r.ms)} ms):\n  ${r.problems.join('\n  ')}`).join('\n'),
    );
  }
  expect(results.length).toBeGreaterThanOrEqual(o.min);
  const outcomes = new Set(results.map((r) => r.outcome));
  const phases = new Set(results.map((r) => r.stop.phase));
  const missed = results.length >= o.points.length ? o.points.map((p) => p.point).filter((p) => !results.some((r) => r.stop.point === p)) : [];
  // The trials must genuinely cover both outcomes, and kills before, inside and after the transaction
  // (and every stop point, when there are at least as many trials as points).
  expect({
    target,
    seed: SEED,
    outcomeBefore: outcomes.has('before'),
    outcomeAfter: outcomes.has('after'),
    killedBeforeTransaction: phases.has('planning') || phases.has('before-tx'),
    killedInTransaction: results.some((r) => r.stop.phase === 'transaction' && r.outcome === 'before'),
    killedAfterCommit: phases.has('after-commit'),
    pointsMissed: missed,
  }).toEqual({
    target,
    seed: SEED,
    outcomeBefore: true,
    outcomeAfter: true,
    killedBeforeTransaction: true,
    killedInTransaction: true,
    killedAfterCommit: true,
    pointsMissed: [],
  });
}

function workDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// -------------------------------------------------------------------------------- PostgreSQL

(hasPostgres ? describe : describe.skip)('crash safety: apply SIGKILLed at stop points (PostgreSQL)', () => {
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
  /** The uninterrupted apply, ms from spawn: total, "Apply complete". */
  const timing = { total: 0, applied: 0 };
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

    // The after-state: one uninterrupted apply into a copy.
    const ref = `cvctl_t_crash_${tag}_ref`;
    await createDb(ref, tpl);
    try {
      const { run, exit } = await runToEnd(applyArgs('after', kek, ['--database-url', dbUrl(adminUrl, ref)]), work, runEnv('after'), 'the uninterrupted apply');
      timing.total = exit.ms;
      timing.applied = run.marks.get(MARK_APPLIED)!;
      refs = references(beforeRaw, beforeDigests, await dump(ref), run.stdout());
      log(`pg: references ready: ${JSON.stringify(timing)}`);
    } finally {
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

  test(`the uninterrupted apply makes >= ${MIN_CHANGES.toLocaleString('en')} changes of every kind, and the two states differ`, () => {
    expect(refs.changes.total).toBeGreaterThanOrEqual(MIN_CHANGES);
    expect(Math.min(refs.changes.create!, refs.changes.update!, refs.changes.delete!, refs.changes.disable!)).toBeGreaterThan(0);
    const d = compare(refs.before, refs.after, { examples: 0 });
    expect(d.equal).toBe(false);
    // Deletes cascade to rows cvctl never writes.
    expect(d.counts.model_backends?.onlyA ?? 0).toBeGreaterThan(0);
  });

  test(`${PG_TRIALS} applies SIGKILLed at stop points: each leaves the state its point gives, and the next apply succeeds ${SEED_NOTE}`, async () => {
    if (wantEmbedded) void startEmbedded();
    const started = Date.now();
    const plans = pgTrialPlans(PG_TRIALS);

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
      const env = { ...runEnv('after'), CVCTL_TEST_STOP_AT: p.stop.point };
      const run = spawnCvctl(applyArgs('after', kek, ['--database-url', url]), { cwd: work, env, timeoutMs: RUN_TIMEOUT_MS });
      const exit = await run.done;
      log(`pg #${p.n} ${p.stop.point}: ended after ${exit.ms.toFixed(0)} ms (${exit.signal ?? exit.code})`);
      const problems: string[] = [];

      // The killed session goes away, and its advisory lock with it.
      const gone = await waitSessionsGone(client, name, 15_000);
      if (gone === null) problems.push(`the killed apply's session is still connected 15 s after the kill`);
      const locks = await advisoryLocks(client, name);
      if (locks !== 0) problems.push(`${locks} advisory lock(s) still held in ${name} after the kill`);

      tt.push(Date.now());
      const killed = await withDb(name, (q) => outcomeIn(q, refs));
      const outcome = killed.outcome;
      if (outcome === 'between') problems.push(killed.detail);
      problems.push(...stopProblems(p, run, exit, outcome));
      tt.push(Date.now());
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
      return { ...p, ms: exit.ms, detail: '', outcome, problems };
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

    const c = refs.changes;
    console.log(
      summarize('PostgreSQL', results, [
        `  apply: ${c.total} changes (${c.create} create, ${c.update} update, ${c.disable} disable, ${c.delete} delete); ` +
          `rows ${rowCount(refs.before)} before, ${rowCount(refs.after)} after; row differences: ${refs.rowDiff}`,
        `  uninterrupted apply: ${Math.round(timing.total)} ms ("Apply complete" at ${Math.round(timing.applied)} ms); ${CONCURRENCY} trial(s) at a time`,
        `  setup ${(setupMs / 1000).toFixed(1)} s, trials ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ]),
    );
    assertTrials('PostgreSQL', results, { points: PG_POINTS, min: PG_TRIALS });
  }, PG_TRIALS_TIMEOUT_MS);
});

// -------------------------------------------------------------------------------- embedded
//
// The embedded database's trials run in the background (startEmbedded), from the start of the
// PostgreSQL trials: one more lane next to those two, on whatever CPU they leave idle. Its data
// directories are opened by a child process (./support/crash-pglite-host.js), never by jest, so
// that PGlite's WASM does not stall the PostgreSQL trials running in the jest process.

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

    const plans = pgliteTrialPlans(PGLITE_TRIALS);
    const results: TrialResult[] = [];
    for (const p of plans) {
      const cwd = path.join(work, `trial-${p.n}`);
      copyDb(dbDir(tplCwd), dbDir(cwd));
      const trun = spawnCvctl(applyArgs('../after', kek), { cwd, env: { ...runEnv('after'), CVCTL_TEST_STOP_AT: p.stop.point }, timeoutMs: RUN_TIMEOUT_MS });
      const texit = await trun.done;
      // SIGKILL runs no exit handler: the data directory's lock file stays, naming a dead pid.
      const lockFile = `${dbDir(cwd)}.lock`;
      const staleLock = fs.existsSync(lockFile);
      log(`pglite #${p.n} ${p.stop.point}: ended after ${texit.ms.toFixed(0)} ms (${texit.signal ?? texit.code}); lock file left: ${staleLock}`);
      const problems: string[] = [];

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
      problems.push(...stopProblems(p, trun, texit, outcome));
      log(`pglite #${p.n}: outcome ${outcome}`);

      const rerun = spawnCvctl(applyArgs('../after', kek), { cwd, env: runEnv('after'), timeoutMs: RUN_TIMEOUT_MS });
      const rexit = await rerun.done;
      if (fs.existsSync(lockFile)) problems.push(`the next apply (exit ${rexit.code}) left the lock file ${lockFile}`);
      if (rexit.code !== 0) problems.push(runFailure('the next apply after the kill', rerun, rexit));
      else problems.push(...(await host.withDb(dbDir(cwd), (q) => recoveryProblems(q, refs, killed, rerun))));
      log(`pglite #${p.n}: rerun exit ${rexit.code} in ${rexit.ms.toFixed(0)} ms; ${problems.length} problem(s)${problems.length ? `:\n${problems.join('\n')}` : ''}`);
      results.push({ ...p, ms: texit.ms, detail: staleLock ? 'lock file left; taken over by the next apply' : '', outcome, problems });
      fs.rmSync(cwd, { recursive: true, force: true });
      fs.rmSync(path.dirname(copy), { recursive: true, force: true });
    }
    return { refs, timing, results, setupMs, trialsMs: Date.now() - t0 - setupMs };
  } finally {
    await host.stop();
  }
}

(wantEmbedded ? describe : describe.skip)('crash safety: apply SIGKILLed at stop points (embedded database)', () => {
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
    assertTrials('PGlite', results, { points: PGLITE_POINTS, min: PGLITE_TRIALS });
  }, 240_000);
});
