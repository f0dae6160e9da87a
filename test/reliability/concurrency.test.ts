// Concurrency: eight `cvctl apply` processes with different desired states started at once
// against one PostgreSQL database, and applies racing an admin-console edit. Required of every
// round: the scope lock is never held twice, no process hangs, PostgreSQL counts no deadlock,
// every loser exits 1 with the clear lock-timeout or stale-plan message (or, only when the console
// just created a provider of a name its files declare, the ownership message), the run
// records name exactly the winners, the database ends as exactly the desired state of the last
// successful apply (by its run record), and a console edit is either kept or reverted by a plan
// that showed it, never lost silently. Rounds are seeded (CVCTL_RACE_SEED) and bounded
// (CVCTL_RACE_EXTRA_ROUNDS adds up to 10 free-for-all rounds).
// The embedded database is single-process: a second process gets the clear "in use" message.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createPostgresDatabase, hasPostgres, targets } from '../support/db';
import { runCli } from '../support/cli';
import { dumpRows } from '../support/dump';
import { workspace, type Workspace } from '../e2e/support';
import { migrate } from '../../src/state/migrations';
import { openDatabase } from '../../src/state/connect';
import { DOOMED, SHARED, baseline, clone, mutate, pick, randomFresh, rng, sameDesired, writeDesired, withEnv, type Desired } from './support/race-desired';
import { ensureBuilt, repoRoot, sleep, spawnProc, waitFor, type Proc } from './support/race-harness';
import { FULL } from '../support/full';
import { describeRound, resetTo, runRound, type ChildPlan, type Db, type RoundReport } from './support/race-round';

jest.setTimeout(120_000);

const SEED = Number(process.env.CVCTL_RACE_SEED ?? 20261124);
const EXTRA_ROUNDS = Math.max(0, Math.min(10, Number(process.env.CVCTL_RACE_EXTRA_ROUNDS ?? 0)));
const N = 8;
const summary: string[] = [`seed ${SEED}`];

beforeAll(() => ensureBuilt());
afterAll(() => {
  // The figures behind the assertions (who won, who lost with which message), once per run.
  const cpu = process.cpuUsage();
  summary.push(`jest process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
  process.stdout.write(`\nconcurrency summary:\n  ${summary.join('\n  ')}\n`);
});

/** N different desired states (the generator may repeat itself; then it draws again). */
function distinct(make: (r: () => number, tag: string) => Desired, round: number, prefix: string): Array<{ tag: string; desired: Desired }> {
  const out: Array<{ tag: string; desired: Desired }> = [];
  for (let i = 0; i < N; i++) {
    const tag = `${prefix}c${i}`;
    const r = rng(SEED + round * 1000 + i);
    let d = make(r, tag);
    for (let tries = 0; tries < 20 && out.some((o) => sameDesired(o.desired, d)); tries++) d = make(r, tag);
    if (out.some((o) => sameDesired(o.desired, d))) {
      d = d.providers.length > 0 ? clone(d) : randomFresh(r, tag);
      d.providers[0]!.labels.rev = tag;
    }
    out.push({ tag, desired: d });
  }
  return out;
}

/** Which processes get a short --lock-timeout (seconds), the rest wait up to 20 s. */
function timeouts(round: number, shortCount: number, short: number): number[] {
  const r = rng(SEED + round * 7919);
  const order = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const idx = new Set(order.slice(0, shortCount));
  return Array.from({ length: N }, (_, i) => (idx.has(i) ? short : 20));
}

function children(ds: Array<{ tag: string; desired: Desired }>, lockTimeouts: number[]): ChildPlan[] {
  return ds.map((d, i) => ({ ...d, lockTimeout: lockTimeouts[i]! }));
}

function expectClean(r: RoundReport): void {
  summary.push(describeRound(r));
  for (const c of r.children) if (c.line) summary.push(`    ${c.tag} (${c.outcome}): ${c.line}`);
  if (r.violations.length > 0) {
    process.stdout.write(`\n${r.name}: what the winners applied, in commit order:\n${r.commits.map((c) => `=== ${c.tag}\n${c.stdout}`).join('\n')}\n`);
  }
  // All violations at once: a red round says everything that went wrong in it.
  expect(r.violations).toEqual([]);
}

// ---- The embedded database, part 1: started first, its wait overlaps the rounds below ----

const pglite = targets.includes('pglite');
/** How long the waiting CLI waits for the embedded database (see below). */
const CLI_WAIT_S = FULL ? 30 : 5;
let ws: Workspace | undefined;
let holder: Proc | undefined;
let cliWaiter: Proc | undefined;
const fifo = (): string => path.join(ws!.cwd, 'holder', 'key.fifo');

(pglite ? describe : describe.skip)('embedded database: one process at a time', () => {
  test('while one cvctl holds the data directory, a second process gets the clear "in use" message', async () => {
    ws = await workspace('pglite');
    // The holder: a real `cvctl apply` that stops on a secret read from a FIFO (opening it
    // blocks until we open the other end), so it holds the embedded database as long as we like.
    ws.write('holder/providers.yaml', 'version: 1\nproviders:\n  - name: fifo-p\n    kind: groq\n    credentials:\n      apiKey: {from: file, path: key.fifo}\n');
    const mk = spawnSync('mkfifo', [fifo()]);
    expect(mk.status).toBe(0);
    // Its deadline only guards against a hang: it must outlive the PostgreSQL rounds on a busy machine.
    holder = spawnProc('holder', ['apply', 'holder', '--auto-approve'], { cwd: ws.cwd, env: {}, deadlineMs: 600_000 });
    const lockFile = path.join(ws.cwd, '.cvctl', 'db.lock');
    const holds = await waitFor(() => {
      try {
        return (JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number }).pid === holder!.pid;
      } catch {
        return false;
      }
    }, 20_000);
    expect(holds).toBe(true);

    // The real CLI waits: it is collected at the end of this file. A full run (CVCTL_TEST_FULL=1)
    // lets `plan` wait its default 30 s; by default `apply --lock-timeout 5` waits 5 s.
    writeDesired(path.join(ws.cwd, 'v1'), withEnv(baseline(), 'pgl1'));
    const waitArgs = FULL ? ['plan', 'v1', '--detailed-exitcode'] : ['apply', 'v1', '--auto-approve', '--lock-timeout', String(CLI_WAIT_S)];
    cliWaiter = spawnProc('waiter', waitArgs, { cwd: ws.cwd, env: withEnv(baseline(), 'pgl1').env, deadlineMs: 60_000 });

    // A second process on cvctl's own opening path with a 1 s wait.
    const script =
      `require(${JSON.stringify(path.join(repoRoot, 'dist', 'state', 'connect.js'))}).openDatabase({embeddedDir: '.cvctl/db', lockTimeoutSeconds: 1})` +
      `.then((db) => db.close().then(() => { console.log('OPENED'); process.exit(0); }),` +
      ` (e) => { console.error(e.code + ': ' + e.message); process.exit(3); })`;
    const quick = await spawnProc('quick', [], { cwd: ws.cwd, env: {}, deadlineMs: 20_000, nodeArgs: ['-e', script] }).done;
    expect(quick.hung).toBe(false);
    expect(quick.stdout).not.toContain('OPENED');
    expect(quick.code).toBe(3);
    expect(quick.stderr.trim()).toMatch(
      new RegExp(
        `^LOCK_TIMEOUT: the embedded database \\.cvctl/db is in use by pid ${holder.pid} on \\S+ \\(\`cvctl apply holder\`, since [^)]+\\); ` +
          `gave up after 1(\\.\\d)?s\\. If that process is gone, delete \\S+db\\.lock\\.$`,
      ),
    );
    // The holder is not done. (That the waiting CLI waited is checked from its own run time at the
    // end: on a busy machine its short wait may already be over here.)
    await sleep(300);
    expect(holder.result).toBeUndefined();
  });
});

// ---- PostgreSQL: rounds of eight processes ----------------------------------------------------

(hasPostgres ? describe : describe.skip)(`${N} concurrent cvctl apply processes on PostgreSQL`, () => {
  let db: Db;
  let drop: (() => Promise<void>) | undefined;
  const base = baseline();

  beforeAll(async () => {
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-race-'));
    db = { url: pg.url, work, kekFile: path.join(work, 'kek') };
    const d = await openDatabase({ databaseUrl: pg.url });
    try {
      await migrate(d);
    } finally {
      await d.close();
    }
  });

  afterAll(async () => {
    await drop?.().catch(() => undefined);
    if (db?.work) fs.rmSync(db.work, { recursive: true, force: true });
  });

  test('round 0, empty database and no key file yet: first applies race (free-for-all), the console adds a provider', async () => {
    expect(fs.existsSync(db.kekFile)).toBe(false);
    const ds = distinct((r, tag) => randomFresh(r, tag), 0, 'r0');
    // Meanwhile the console creates a provider of a name some of the files declare (late-ish:
    // those that plan after it get the ownership error, those that planned before are stale).
    const r0 = rng(SEED + 17);
    const edit = { kind: 'provider-insert' as const, provider: `r-p${Math.floor(r0() * 6)}` };
    const r = await runRound(db, {
      name: 'r0-fresh',
      children: children(ds, timeouts(0, 2, 0.5)),
      barrier: false,
      console: { edit, delayMs: 1500 + Math.floor(r0() * 2000) },
    });
    expectClean(r);
    expect(r.winners.length).toBeGreaterThanOrEqual(1);
  });

  test('round 1, lined up behind a held lock: eight edits of different providers, two short timeouts, a console relabel', async () => {
    await resetTo(db, path.join(db.work, 'base'), base);
    const ds = Array.from({ length: N }, (_, i) => {
      const d = clone(base);
      d.providers.find((p) => p.name === `r-p${i}`)!.labels.rev = `r1c${i}`;
      return { tag: `r1c${i}`, desired: d };
    });
    const target = `r-p${Math.floor(rng(SEED + 11)() * N)}`;
    const r = await runRound(db, {
      name: 'r1-disjoint',
      children: children(ds, timeouts(1, 2, 1)),
      barrier: true,
      console: { edit: { kind: 'label', provider: target, value: 'console-r1' }, delayMs: 0 },
    });
    expectClean(r);
    expect(r.children.filter((c) => c.outcome === 'lock-timeout').length).toBeGreaterThanOrEqual(2);
    expect(r.winners.length).toBeGreaterThanOrEqual(1);
  });

  test('round 2, lined up: every desired state deletes a provider the console just gave a wired model', async () => {
    await resetTo(db, path.join(db.work, 'base'), base);
    const ds = distinct((rr, tag) => mutate(base, rr, tag, { remove: [DOOMED] }), 2, 'r2');
    const r = await runRound(db, {
      name: 'r2-cascade',
      children: children(ds, timeouts(2, 1, 1)),
      barrier: true,
      console: { edit: { kind: 'model-insert', provider: DOOMED, model: 'console-r2', facade: 'facade-r2' }, delayMs: 0 },
    });
    expectClean(r);
    expect(r.winners.length).toBeGreaterThanOrEqual(1);
  });

  test('round 3, saved plans: eight plans made on one state, all touching one provider, applied at once', async () => {
    await resetTo(db, path.join(db.work, 'base'), base);
    const ds = distinct((rr, tag) => {
      const d = mutate(base, rr, tag, { keep: [SHARED] });
      d.providers.find((p) => p.name === SHARED)!.labels.writer = tag;
      return d;
    }, 3, 'r3');
    const r = await runRound(db, { name: 'r3-saved-plans', children: children(ds, timeouts(3, 0, 20)), barrier: false, savedPlans: true });
    expectClean(r);
    // Every plan touches the shared provider: the first to get the lock wins, the rest are stale.
    expect(r.winners).toHaveLength(1);
    for (const c of r.children.filter((x) => !r.winners.includes(x.tag))) {
      expect(c.outcome).toBe('stale');
      expect(c.line).toMatch(new RegExp(`provider '${SHARED}' was changed since the plan was made|\\(and \\d+ more\\)`));
    }
  });

  for (let k = 0; k < 1 + EXTRA_ROUNDS; k++) {
    const round = 4 + k;
    test(`round ${round}, free-for-all with a console edit at a random moment`, async () => {
      await resetTo(db, path.join(db.work, 'base'), base);
      const r0 = rng(SEED + round * 31);
      const ds = distinct((rr, tag) => mutate(base, rr, tag), round, `r${round}`);
      const kind = pick(r0, ['label', 'model-insert', 'provider-insert'] as const);
      const victim = pick(r0, base.providers.map((p) => p.name));
      const edit =
        kind === 'label'
          ? { kind, provider: victim, value: `console-r${round}` }
          : kind === 'model-insert'
            ? { kind, provider: victim, model: `console-r${round}`, facade: `facade-r${round}` }
            : { kind, provider: `r-n${Math.floor(r0() * 3)}` };
      const r = await runRound(db, {
        name: `r${round}-free`,
        children: children(ds, timeouts(round, 2, 1)),
        barrier: false,
        console: { edit, delayMs: 300 + Math.floor(r0() * 2500) },
      });
      expectClean(r);
    });
  }
});

// ---- The embedded database, part 2 -------------------------------------------------------------

(pglite ? describe : describe.skip)('embedded database: one process at a time (continued)', () => {
  afterAll(async () => {
    // After a failure part-way: nothing of ours may outlive the suite.
    if (cliWaiter && !cliWaiter.result) cliWaiter.kill();
    if (holder && !holder.result) releaseFifo();
    await Promise.all([cliWaiter?.done, holder?.done]);
    await ws?.cleanup();
  });

  test(`the waiting CLI gives up after its ${CLI_WAIT_S} s with the same message; after the holder ends, two applies run one after the other`, async () => {
    const waited = await cliWaiter!.done;
    expect(waited.hung).toBe(false);
    expect(waited.code).toBe(1);
    const lines = waited.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('using the embedded database'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^cvctl: error: the embedded database \\.cvctl/db is in use by pid ${holder!.pid} on \\S+ \\(\`cvctl apply holder\`, since [^)]+\\); gave up after (\\d+(?:\\.\\d)?)s\\. If that process is gone, delete \\S+db\\.lock\\.$`),
    );
    // The time it reports is what it waited: at least its limit, more on a busy machine.
    expect(Number(/gave up after ([\d.]+)s/.exec(lines[0]!)![1])).toBeGreaterThanOrEqual(CLI_WAIT_S);
    expect(waited.ms).toBeGreaterThanOrEqual((CLI_WAIT_S - 1) * 1000);

    // The holder goes on to fail cleanly on its secret (a FIFO is not a regular file).
    releaseFifo();
    const h = await holder!.done;
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/^cvctl: error: secret file key\.fifo \(\S+\) is not a regular file \(referenced at holder\/providers\.yaml:\d+:\d+\)$/m);

    // Two applies at once: the second waits for the first to close the database, then plans.
    const w = ws!;
    const v1 = withEnv(baseline(), 'pgl1');
    const v2 = mutate(v1, rng(SEED + 99), 'pgl2');
    writeDesired(path.join(w.cwd, 'v2'), v2);
    const env = (d: Desired, tag: string): Record<string, string> => ({ ...d.env, GITHUB_SHA: tag, GITHUB_ACTOR: 'race' });
    const a = spawnProc('pgl-v1', ['apply', 'v1', '--auto-approve', '--allow-delete'], { cwd: w.cwd, env: env(v1, 'pgl-v1'), deadlineMs: 60_000 });
    const b = spawnProc('pgl-v2', ['apply', 'v2', '--auto-approve', '--allow-delete'], { cwd: w.cwd, env: env(v2, 'pgl-v2'), deadlineMs: 60_000 });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    for (const r of [ra, rb]) {
      expect(r.hung).toBe(false);
      expect(`${r.code}\n${r.stderr}`).toBe('0\ncvctl: using the embedded database in .cvctl/db (pass --database-url or DATABASE_URL for PostgreSQL)\n');
      expect(r.stdout).toMatch(/^Apply complete: /m);
    }
    expect(fs.existsSync(path.join(w.cwd, '.cvctl', 'db.lock'))).toBe(false);
    await w.withDb(async (db) => {
      const runs = (
        await db.query<{ tag: string; started: string; finished: string }>(
          `select git_commit as tag, started_at::text as started, finished_at::text as finished from cvctl_runs where result = 'applied' order by id`,
        )
      ).rows;
      expect(runs.map((r) => r.tag).sort()).toEqual(['pgl-v1', 'pgl-v2']);
      // One after the other: the second apply started after the first had finished.
      const t = (s: string): number => new Date(s).getTime();
      expect(t(runs[1]!.started)).toBeGreaterThanOrEqual(t(runs[0]!.finished));
      const last = runs[1]!.tag === 'pgl-v1' ? v1 : v2;
      const p = await runCli(['plan', last === v1 ? 'v1' : 'v2', '--detailed-exitcode'], { cwd: w.cwd, env: last.env, database: db });
      expect(`${p.code}\n${p.stdout}`).toMatch(/^0\n/);
      // Independent of the planner: the declared providers, plus any removed with onRemove: disable.
      const dump = await dumpRows(db);
      const kept = dump.providers.filter((x) => last.providers.some((d) => d.name === x.name) || !(x.on_remove === 'disable' && x.status === 'disabled'));
      expect(kept.map((x) => x.name)).toEqual(last.providers.map((x) => x.name).sort());
      summary.push(`pglite: holder pid ${holder!.pid}; 1 s waiter and CLI waiter (${(waited.ms / 1000).toFixed(1)} s) got "in use"; then 2 applies serialised, last=${runs[1]!.tag}`);
    });
  });
});

/** Opens the FIFO's write end (non-blocking: the holder is already waiting to read). */
function releaseFifo(): void {
  if (!ws) return;
  try {
    const fd = fs.openSync(fifo(), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    fs.writeSync(fd, 'gsk_fifo_value_0123456789\n');
    fs.closeSync(fd);
  } catch {
    // No reader (the holder is gone): nothing to release.
  }
}
