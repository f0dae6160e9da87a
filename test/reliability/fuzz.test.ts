// Reliability: fuzzing the loader through the CLI.
//
// Seeded mutations of the example files (examples/**/*.yaml; 5,000 in a full run) go through `cvctl
// validate` (JSON and text output), and mutations of the same examples (1,000), with their credentials read
// from environment variables, go through `cvctl plan` against a database that holds the applied
// examples, on each target (PostgreSQL and the embedded PGlite). For every case:
//   - exit code as CONTRACT.md section 3 defines it (validate 0/1; plan --detailed-exitcode 0/1/2),
//     and main() returns rather than throws;
//   - no stack trace or JS runtime error on stdout or stderr, no output outside the CLI's own
//     streams, no `internal-error` diagnostic, no `cvctl: internal error`;
//   - exit 1 comes with error diagnostics, each with file, line ≥ 1 and column ≥ 1 inside the file
//     (JSON; line 0 only for whole-file codes such as file-too-large), and the text output is the
//     same diagnostics as `file:line:col severity code message` lines, messages short and free of
//     raw control characters; plan's stderr holds only such lines and then one `cvctl: error:`
//     that counts them, or, for valid files, names the file:line:col of what failed (a secret
//     reference that cannot be read); plan gives the same exit code on both targets;
//   - no hang: each case runs under a watchdog: CVCTL_FUZZ_CASE_TIMEOUT_MS (default 5 s) for a
//     file up to 512 KiB, that much again per further 512 KiB (a 1 MiB case gets 15 s): a cap on
//     time that grows with the input, not with the input's content;
//   - plan never writes: every row version (xmin, ctid, contents) of every table, cvctl_runs
//     included, and every sequence are the same after all plans, and so is the KEK file.
//
// How: the cases run in a worker_threads Worker (support/fuzz-pool.ts, support/fuzz-worker.ts)
// that calls the CLI's main() in-process through test/support/cli.ts `runCli`, one case at a time,
// while this thread keeps a timer: the loader is synchronous, so a runaway case would block jest
// itself, but a worker that does not answer is terminated and the case reported (a new worker
// takes over the remaining cases). The worker compiles the TypeScript sources on the fly (not
// dist/, which may be stale), see support/fuzz-pool.ts. Validate uses two workers (two cores),
// plan one per target. The case files live on /dev/shm when there is one: a write to the
// disk-backed temp dir costs milliseconds here, and every case writes one. A first block checks
// the checks themselves: each kind of breakage is caught, the watchdog does terminate a case,
// and the write detector does see a write.
//
// Reproducing: every case is derived from (seed, index) alone (support/fuzz-mutate.ts). A failing
// case is written to $TMPDIR/cvctl-fuzz-failures/ (the path is in the failure message) and can be
// rerun alone with CVCTL_FUZZ_SEED=<seed> CVCTL_FUZZ_ONLY=<index>[,<index>...]. Other knobs:
// CVCTL_FUZZ_SEED=random, CVCTL_FUZZ_CASES (validate), CVCTL_FUZZ_PLAN_CASES (per target). The
// run prints its seed, counts per operator and exit code, throughput and the slowest case.
//
// Default and full runs (test/support/full.ts): `npm test` runs the first 1,000 validate cases
// and the first 200 plan cases per target of the same seeded sequence (every operator runs, which
// the test checks); CVCTL_TEST_FULL=1 (CI) runs 5,000 and 1,000. Case i is the same in both.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { targets, type DbTarget } from '../support/db';
import { dumpRows } from '../support/dump';
import { expectExit, workspace, type Workspace } from '../e2e/support';
import { caseSeed, masterSeed, mulberry32, mutate, OPERATORS, tokenPool, type Operator } from './support/fuzz-mutate';
import { envifiedSeeds, exampleSeeds, exampleSupportFiles, type Seed } from './support/fuzz-seeds';
import { FuzzWorker, type CaseOutcome } from './support/fuzz-pool';
import type { CommandResult, WorkerInit } from './support/fuzz-worker';
import { runCli } from '../support/cli';
import { RUN_KIND, sampleSize } from '../support/full';
import { checkPlan, checkValidate, stackTraceIn } from './support/fuzz-check';
import { rowVersionDiff, rowVersions } from './support/fuzz-db';

const DEFAULT_SEED = 0x5eed2026;
const SEED = masterSeed(process.env.CVCTL_FUZZ_SEED, DEFAULT_SEED);
const SEED_HEX = `0x${SEED.toString(16)}`;
const intEnv = (name: string, dflt: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? dflt : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
};
const VALIDATE_CASES = sampleSize('CVCTL_FUZZ_CASES', 1000, 5000);
const PLAN_CASES = sampleSize('CVCTL_FUZZ_PLAN_CASES', 200, 1000);
const CASE_TIMEOUT_MS = intEnv('CVCTL_FUZZ_CASE_TIMEOUT_MS', 5000);
/** The time cap of one case (see the header): linear in its size. */
const capFor = (c: { bytes: Buffer }): number => CASE_TIMEOUT_MS * (1 + Math.floor(c.bytes.length / (512 * 1024)));
const WORKER_START_TIMEOUT_MS = 90_000;
/** A worker is replaced after a hang or a crash; after this many, the run stops (and fails). */
const MAX_RESTARTS = 5;
/** Failures listed in full in the assertion message (all are saved to disk). */
const MAX_REPORTED = 15;
const ONLY: Set<number> | undefined = process.env.CVCTL_FUZZ_ONLY
  ? new Set(process.env.CVCTL_FUZZ_ONLY.split(',').map((s) => Number(s.trim())))
  : undefined;

const FAILURE_DIR = path.join(os.tmpdir(), 'cvctl-fuzz-failures');

jest.setTimeout(300_000);

const log = (s: string): void => void process.stdout.write(`[fuzz] ${s}\n`);

const SEEDS: Seed[] = exampleSeeds();
const SUPPORT_FILES: Seed[] = exampleSupportFiles();
const ENVIFIED = envifiedSeeds(SEEDS);

interface FuzzCase {
  phase: string;
  index: number;
  seed: Seed;
  bytes: Buffer;
  ops: Operator[];
}

function makeCase(phase: 'validate' | 'plan', index: number, seeds: Seed[], pool: readonly string[]): FuzzCase {
  const rng = mulberry32(caseSeed(SEED, index, phase === 'validate' ? 0 : 1));
  const seed = rng.pick(seeds);
  const m = mutate(seed.bytes, rng, { tokenPool: pool });
  return { phase, index, seed, bytes: m.bytes, ops: m.ops };
}

function indexes(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i).filter((i) => !ONLY || ONLY.has(i));
}

/** Saves a failing case and returns the line that names it in the failure message. */
function saveFailure(c: FuzzCase, label: string, problems: string[], outcome?: CaseOutcome): string {
  fs.mkdirSync(FAILURE_DIR, { recursive: true });
  const base = path.join(FAILURE_DIR, `seed-${SEED_HEX}-${label}-case-${c.index}`);
  const file = `${base}${path.extname(c.seed.rel) || '.yaml'}`;
  fs.writeFileSync(file, c.bytes);
  const results = outcome?.kind === 'ok' ? outcome.results : [];
  fs.writeFileSync(
    `${base}.txt`,
    [
      `seed ${SEED_HEX} (CVCTL_FUZZ_SEED=${SEED_HEX} CVCTL_FUZZ_ONLY=${c.index}), ${label} case ${c.index}`,
      `mutated from ${c.seed.rel} by ${c.ops.join(', ')}; placed at ${c.seed.rel} in the workspace`,
      ...problems.map((p) => `problem: ${p}`),
      ...results.flatMap((r) => [`$ cvctl ${r.args.join(' ')}  -> exit ${r.code} (${r.ms.toFixed(1)} ms)`, `stdout:\n${r.stdout.slice(0, 20_000)}`, `stderr:\n${r.stderr.slice(0, 20_000)}`]),
    ].join('\n'),
  );
  return `${label} case ${c.index} (CVCTL_FUZZ_SEED=${SEED_HEX} CVCTL_FUZZ_ONLY=${c.index}; ${c.seed.rel} mutated by ${c.ops.join('+')}; saved to ${file}): ${problems.slice(0, 4).join(' || ')}`;
}

interface RunStats {
  cases: number;
  perOperator: Record<string, number>;
  /** Time spent on the cases an operator took part in, to show where the run's time goes. */
  msPerOperator: Record<string, number>;
  exits: Record<string, number>;
  maxMs: number;
  slowest: string;
  /** The slowest case as the worker measured it (the CLI's own time, without queueing). */
  maxCliMs: number;
  wallMs: number;
  failures: string[];
  restarts: number;
  /** Error diagnostic codes (and, for plan, other errors) seen, counted once per case. */
  errorKinds: Record<string, number>;
}

function newStats(): RunStats {
  return {
    cases: 0,
    perOperator: Object.fromEntries(OPERATORS.map((o) => [o, 0])),
    msPerOperator: Object.fromEntries(OPERATORS.map((o) => [o, 0])),
    exits: {},
    maxMs: 0,
    slowest: '',
    maxCliMs: 0,
    wallMs: 0,
    failures: [],
    restarts: 0,
    errorKinds: {},
  };
}

/**
 * Runs the cases in workers (one per init, each with its own workspace), one case at a time per
 * worker, replacing a worker after a hang or a crash. `check` turns a finished case into problems
 * and returns the exit code to count.
 */
async function runCases(
  label: string,
  inits: WorkerInit[],
  cases: Iterator<FuzzCase>,
  request: (c: FuzzCase) => { writes: Array<{ rel: string; bytes: Uint8Array }>; commands: string[][] },
  check: (c: FuzzCase, outcome: Extract<CaseOutcome, { kind: 'ok' }>, problems: string[], kinds: Set<string>) => number,
  /** Puts the workspace's files back as they were: a terminated worker could not restore the last case's. */
  reset: (init: WorkerInit) => void,
): Promise<RunStats> {
  const stats = newStats();
  const t0 = Date.now();
  const lane = async (init: WorkerInit, k: number): Promise<void> => {
    let { worker, ms } = await FuzzWorker.start(init, WORKER_START_TIMEOUT_MS);
    log(`${label}: worker ${k} ready in ${ms} ms`);
    try {
      for (let next = cases.next(); !next.done; next = cases.next()) {
        const c = next.value;
        if (!worker.alive) {
          if (++stats.restarts > MAX_RESTARTS) {
            stats.failures.push(`${label}: stopped after ${MAX_RESTARTS} worker restarts (hangs or crashes); case ${c.index} and later did not run`);
            return;
          }
          FuzzWorker.releaseEmbeddedLock(init);
          reset(init);
          ({ worker } = await FuzzWorker.start(init, WORKER_START_TIMEOUT_MS));
        }
        const cap = capFor(c);
        const outcome = await worker.run({ id: c.index, ...request(c) }, cap);
        stats.cases++;
        for (const op of c.ops) {
          stats.perOperator[op]! += 1;
          stats.msPerOperator[op]! += outcome.ms;
        }
        if (outcome.ms > stats.maxMs) {
          stats.maxMs = outcome.ms;
          stats.slowest = `case ${c.index} (${c.seed.rel}, ${c.ops.join('+')}, ${c.bytes.length} bytes)`;
        }
        const problems: string[] = [];
        let exit = 'n/a';
        if (outcome.kind === 'timeout') problems.push(`hang: no answer within ${cap} ms; the worker was terminated`);
        else if (outcome.kind === 'crash') problems.push(`the worker died on this case: ${outcome.error.split('\n').slice(0, 4).join(' | ')}`);
        else {
          stats.maxCliMs = Math.max(stats.maxCliMs, outcome.results.reduce((sum, r) => sum + r.ms, 0));
          const kinds = new Set<string>();
          exit = String(check(c, outcome, problems, kinds));
          for (const k of kinds) stats.errorKinds[k] = (stats.errorKinds[k] ?? 0) + 1;
          if (outcome.stray !== '') problems.push(`output outside the CLI's streams: ${stackTraceIn(outcome.stray) ?? JSON.stringify(outcome.stray.slice(0, 300))}`);
        }
        stats.exits[exit] = (stats.exits[exit] ?? 0) + 1;
        if (problems.length > 0) stats.failures.push(saveFailure(c, label, problems, outcome));
      }
    } finally {
      await worker.close();
    }
  };
  try {
    await Promise.all(inits.map((init, k) => lane(init, k)));
  } finally {
    stats.wallMs = Date.now() - t0;
  }
  return stats;
}

function report(label: string, s: RunStats): void {
  const ops = Object.entries(s.perOperator)
    .map(([k, v]) => `${k}=${v} (${v === 0 ? 0 : (s.msPerOperator[k]! / v).toFixed(1)} ms)`)
    .join(' ');
  const exits = Object.entries(s.exits)
    .sort()
    .map(([k, v]) => `exit ${k}: ${v}`)
    .join(', ');
  log(
    `${label}: seed ${SEED_HEX} (${RUN_KIND}), ${s.cases} cases in ${(s.wallMs / 1000).toFixed(1)} s ` +
      `(${((s.cases * 1000) / Math.max(1, s.wallMs)).toFixed(0)} cases/s); ${exits}; ` +
      `slowest case ${s.maxMs} ms wall (${s.maxCliMs.toFixed(0)} ms in the CLI): ${s.slowest}; worker restarts ${s.restarts}; failures ${s.failures.length}`,
  );
  const kinds = Object.entries(s.errorKinds)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  log(`${label}: errors reported (cases): ${kinds}`);
  log(`${label}: operators applied (mean ms per case they took part in): ${ops}`);
}

function expectNoFailures(label: string, s: RunStats): void {
  if (s.failures.length === 0) return;
  const shown = s.failures.slice(0, MAX_REPORTED);
  const more = s.failures.length > shown.length ? `\n… and ${s.failures.length - shown.length} more, all saved in ${FAILURE_DIR}` : '';
  throw new Error(`${label}: ${s.failures.length} of ${s.cases} cases failed (seed ${SEED_HEX}):\n${shown.join('\n')}${more}`);
}

function writeTree(root: string, files: Seed[]): void {
  for (const f of files) {
    const p = path.join(root, f.rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.bytes);
  }
}

describe("the fuzzer's own checks (each can fail)", () => {
  const rel = 'examples/x.yaml';
  const bytes = Buffer.from('version: 1\nproviders: 5\n');
  const diag = { severity: 'error', code: 'invalid-type', message: "'providers' must be a list, not integer", file: rel, line: 2, column: 12 };
  const run = (args: string[], code: number, stdout: string, stderr = ''): CommandResult => ({ args, code, stdout, stderr, ms: 1 });
  const validateResults = (d: Record<string, unknown> = diag, over: { code?: number; stderr?: string; text?: string; valid?: boolean } = {}) => {
    const code = over.code ?? 1;
    const json = run(['validate', '--output', 'json', rel], code, JSON.stringify({ valid: over.valid ?? code === 0, diagnostics: [d] }), over.stderr);
    const line = `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`;
    const text = run(['validate', rel], code, over.text ?? `${line}\n1 error in 1 file\n`);
    return [json, text] as const;
  };
  const problemsOf = ([json, text]: readonly [CommandResult, CommandResult]): string[] => {
    const out: string[] = [];
    checkValidate(json, text, rel, bytes, out);
    return out;
  };

  it('validate: a well-formed failure passes, and each kind of breakage is caught', () => {
    expect(problemsOf(validateResults())).toEqual([]);
    const broken: Array<[string, readonly [CommandResult, CommandResult]]> = [
      ['exit code 3', validateResults(diag, { code: 3 })],
      ['stack trace on stderr', validateResults(diag, { stderr: 'TypeError: x is undefined\n    at load (src/config/load.ts:1:2)\n' })],
      ['no position', validateResults({ ...diag, line: null, column: null })],
      ['line 0', validateResults({ ...diag, line: 0, column: 0 })],
      ['position past the end', validateResults({ ...diag, line: 9 })],
      ['column past the end of the line', validateResults({ ...diag, column: 40 })],
      ['internal-error', validateResults({ ...diag, code: 'internal-error' })],
      ['unknown code', validateResults({ ...diag, code: 'no-such-code' })],
      ['text differs from JSON', validateResults(diag, { text: `${rel}:2:1 error invalid-type other\n1 error in 1 file\n` })],
      ['a message with a line break', validateResults({ ...diag, message: 'a\nb' })],
      ['a huge message', validateResults({ ...diag, message: 'x'.repeat(5000) })],
      ['valid with exit 1', validateResults(diag, { valid: true })],
    ];
    for (const [what, r] of broken) expect([what, problemsOf(r).length > 0]).toEqual([what, true]);
  });

  it('plan: well-formed outcomes pass, and each kind of breakage is caught', () => {
    const opts = { json: true, rel, bytes };
    const planOf = (code: number, stdout: string, stderr: string): string[] => {
      const out: string[] = [];
      checkPlan(run(['plan', '--detailed-exitcode', '--output', 'json', 'examples'], code, stdout, stderr), opts, out);
      return out;
    };
    const planJson = (changes: number) =>
      JSON.stringify({ formatVersion: 1, summary: { create: changes, update: 0, disable: 0, enable: 0, delete: 0 }, changes: Array.from({ length: changes }, () => ({ action: 'create' })) });
    const invalid = `${rel}:2:12 error invalid-type 'providers' must be a list, not integer\ncvctl: error: 1 error in the files (see above); nothing was planned\n`;
    expect(planOf(1, '', invalid)).toEqual([]);
    expect(planOf(2, planJson(1), '')).toEqual([]);
    expect(planOf(0, planJson(0), '')).toEqual([]);
    expect(planOf(1, '', `cvctl: error: environment variable X is not set (referenced at ${rel}:2:3)\n`)).toEqual([]);
    const againstDb = `${rel}:2:12 error unknown-provider-model backend 'a/b': no such provider model\ncvctl: error: 1 error in the files against the database (see above); nothing was planned\n`;
    expect(planOf(1, '', againstDb)).toEqual([]);
    const policy = `${rel}:2:12 error policy-provider-kind provider 'a' is of kind 'openai'\ncvctl: error: the plan violates the policy (1 violation); apply refuses it\n`;
    expect(planOf(1, planJson(1), policy)).toEqual([]);
    const broken: Array<[string, string[]]> = [
      ['exit 1 without an error line', planOf(1, '', '')],
      ['a database error, no position', planOf(1, '', 'cvctl: error: database error 22P02: invalid input syntax for type json\n')],
      ['internal error', planOf(1, '', 'cvctl: internal error: boom\n(run with --verbose for details)\n')],
      ['unpositioned diagnostic', planOf(1, '', invalid.replace(':2:12', ':0:0'))],
      ['miscounted errors', planOf(1, '', invalid.replace('1 error in', '2 errors in'))],
      ['exit 2 without changes', planOf(2, planJson(0), '')],
      ['exit 0 with changes', planOf(0, planJson(2), '')],
      ['exit 0 with an error', planOf(0, planJson(0), invalid)],
      ['not JSON', planOf(0, 'No changes.', '')],
      ['exit 4', planOf(4, '', '')],
      ['policy: miscounted violations', planOf(1, planJson(1), policy.replace('(1 violation)', '(2 violations)'))],
      ['policy: a non-policy error', planOf(1, planJson(1), policy.replace('policy-provider-kind', 'invalid-type'))],
      ['policy: no plan printed', planOf(1, '', policy)],
      ['against the database: miscounted', planOf(1, '', againstDb.replace('1 error in', '2 errors in'))],
    ];
    for (const [what, problems] of broken) expect([what, problems.length > 0]).toEqual([what, true]);
  });

  it('the watchdog terminates a case that runs over its cap, and a new worker takes over', async () => {
    const cwd = scratchDir('cvctl-fuzz-watchdog-');
    try {
      writeTree(cwd, SEEDS);
      const init: WorkerInit = { cwd, env: {} };
      const big = Buffer.from(`version: 1\nproviders:\n${'  - {name: a, kind: openai, labels: {k: v}}\n'.repeat(60_000)}`);
      const first = await FuzzWorker.start(init, WORKER_START_TIMEOUT_MS);
      const timedOut = await first.worker.run({ id: 1, writes: [{ rel: 'big.yaml', bytes: big }], commands: [['validate', 'big.yaml']] }, 1);
      expect(timedOut.kind).toBe('timeout');
      expect(first.worker.alive).toBe(false);
      const second = await FuzzWorker.start(init, WORKER_START_TIMEOUT_MS);
      try {
        const ok = await second.worker.run({ id: 2, writes: [], commands: [['validate', 'examples']] }, 60_000);
        expect(ok.kind === 'ok' && ok.results[0]!.code).toBe(0);
      } finally {
        await second.worker.close();
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});

/**
 * Validate needs no database, so its workspaces can live in memory (/dev/shm) when there is one:
 * on this kind of machine a file write to the disk-backed temp dir costs milliseconds, and every
 * case writes one. Two workers on two cores, each with its own workspace.
 */
function scratchDir(prefix: string): string {
  let base = os.tmpdir();
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    base = '/dev/shm';
  } catch {
    // no tmpfs: the temp dir will do
  }
  return fs.mkdtempSync(path.join(base, prefix));
}

const VALIDATE_WORKERS = Math.max(1, Math.min(4, intEnv('CVCTL_FUZZ_WORKERS', Math.min(2, os.cpus().length))));

describe('fuzzing validate with mutated examples', () => {
  const dirs: string[] = [];
  beforeAll(() => {
    for (let k = 0; k < VALIDATE_WORKERS; k++) {
      const cwd = scratchDir('cvctl-fuzz-validate-');
      writeTree(cwd, [...SEEDS, ...SUPPORT_FILES]);
      dirs.push(cwd);
    }
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('has seeds: every example file, each valid as it is', async () => {
    expect(SEEDS.map((s) => s.rel)).toEqual(expect.arrayContaining(['examples/basic/providers.yaml']));
    expect(SEEDS.length).toBeGreaterThanOrEqual(5);
    const r = await runCli(['validate', 'examples'], { cwd: dirs[0]! });
    expectExit(r, 0);
  });

  it(`${VALIDATE_CASES} mutated files: exit 0/1, no stack traces, no hangs, every error positioned in the file`, async () => {
    const pool = tokenPool(SEEDS.map((s) => s.bytes));
    const cases = (function* () {
      for (const i of indexes(VALIDATE_CASES)) yield makeCase('validate', i, SEEDS, pool);
    })();
    const stats = await runCases(
      'validate',
      dirs.map((cwd) => ({ cwd, env: {}, warmup: [['validate', '--output', 'json', 'examples']] })),
      cases,
      (c) => ({
        writes: [{ rel: c.seed.rel, bytes: c.bytes }],
        commands: [
          ['validate', '--output', 'json', c.seed.rel],
          ['validate', c.seed.rel],
        ],
      }),
      (c, o, problems, kinds) => {
        const [json, text] = o.results as [CommandResult, CommandResult];
        const v = checkValidate(json, text, c.seed.rel, c.bytes, problems);
        for (const d of v.diagnostics) if (d.severity === 'error') kinds.add(d.code);
        return v.code;
      },
      (init) => writeTree(init.cwd, SEEDS),
    );
    report('validate', stats);
    // validate has no database; it must not have made one either.
    for (const d of dirs) expect(fs.existsSync(path.join(d, '.cvctl'))).toBe(false);
    expectNoFailures('validate', stats);
    expect(stats.cases).toBe(indexes(VALIDATE_CASES).length);
    if (!ONLY) {
      // The mutations must reach both outcomes, and every operator must have run, or the run proves little.
      expect(stats.exits['1'] ?? 0).toBeGreaterThan(stats.cases / 4);
      expect(stats.exits['0'] ?? 0).toBeGreaterThan(0);
      for (const op of OPERATORS) expect(stats.perOperator[op]).toBeGreaterThan(0);
    }
  });
});

/** Plan exit code of each case, per target, to compare the targets at the end. */
const planExits: Partial<Record<DbTarget, Map<number, number>>> = {};

const CLOUD_SOURCE = /aws-secrets-manager|aws-ssm|vault|gcp-secret-manager|azure-key-vault/;

describe.each(targets)('fuzzing plan with mutated examples on %s', (target) => {
  let ws: Workspace;
  const env: Record<string, string> = {
    ...ENVIFIED.env,
    // Belt and braces: nothing may leave 127.0.0.1 even if a mutation names a cloud source.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    VAULT_ADDR: 'http://127.0.0.1:9',
    VAULT_TOKEN: 'fuzz',
    GCE_METADATA_HOST: '127.0.0.1:9',
  };

  let files: string;

  beforeAll(async () => {
    ws = await workspace(target);
    // The files live in memory (see scratchDir), linked into the workspace: cvctl follows the
    // link like any folder, and each case's write costs microseconds instead of milliseconds.
    files = scratchDir('cvctl-fuzz-plan-');
    writeTree(files, [...ENVIFIED.seeds, ...SUPPORT_FILES]);
    fs.symlinkSync(path.join(files, 'examples'), path.join(ws.cwd, 'examples'), 'dir');
    expectExit(await ws.cli(['apply', '--auto-approve', 'examples'], { ...env, GITHUB_SHA: 'fuzz' }), 0);
  });
  afterAll(async () => {
    await ws?.cleanup();
    if (files) fs.rmSync(files, { recursive: true, force: true });
  });

  it('the applied examples plan with no changes (the baseline)', async () => {
    expectExit(await ws.cli(['plan', '--detailed-exitcode', 'examples'], env), 0);
  });

  it(`${PLAN_CASES} mutated files: exit 0/1/2, errors positioned, no hangs, and nothing written`, async () => {
    const kek = path.join(ws.cwd, '.cvctl', 'kek');
    const kekHash = (): string => (fs.existsSync(kek) ? crypto.createHash('sha256').update(fs.readFileSync(kek)).digest('hex') : 'none');
    const before = await ws.withDb(async (db) => ({ versions: await rowVersions(db), dump: await dumpRows(db) }));
    const kekBefore = kekHash();
    expect(before.dump.providers.length).toBeGreaterThan(10);

    const pool = tokenPool(ENVIFIED.seeds.map((s) => s.bytes));
    const cases = (function* () {
      for (const i of indexes(PLAN_CASES)) yield makeCase('plan', i, ENVIFIED.seeds, pool);
    })();
    const exits = new Map<number, number>();
    planExits[target] = exits;
    const warmup = [[...ws.dbArgs, 'plan', 'examples']];
    const init: WorkerInit = ws.url
      ? { cwd: ws.cwd, env, databaseUrl: ws.url, warmup }
      : { cwd: ws.cwd, env, embeddedDir: path.join(ws.cwd, '.cvctl', 'db'), warmup };
    // One worker: the embedded database admits one handle, and PostgreSQL gets the same load.
    const stats = await runCases(
      `plan-${target}`,
      [init],
      cases,
      (c) => {
        const json = c.index % 2 === 0;
        // The plan seeds read secrets from env and file only; a mutation that names a cloud
        // source (a token swap can) is planned without reading secrets, so nothing leaves the machine.
        const noSecrets = CLOUD_SOURCE.test(c.bytes.toString('latin1'));
        return {
          writes: [{ rel: c.seed.rel, bytes: c.bytes }],
          commands: [[...ws.dbArgs, 'plan', '--detailed-exitcode', ...(json ? ['--output', 'json'] : []), ...(noSecrets ? ['--no-resolve-secrets'] : []), 'examples']],
        };
      },
      (c, o, problems, kinds) => {
        const plan = o.results[0] as CommandResult;
        for (const m of plan.stderr.matchAll(/^\S+:\d+:\d+ error ([a-z0-9-]+) /gm)) kinds.add(m[1]!);
        const err = /^cvctl: error: (.*)$/m.exec(plan.stderr)?.[1];
        if (err && !/in the files \(see above\)/.test(err)) kinds.add(err.replace(/\S+\.yaml:\d+:\d+/g, 'FILE:L:C').slice(0, 60));
        checkPlan(plan, { json: c.index % 2 === 0, rel: c.seed.rel, bytes: c.bytes }, problems);
        exits.set(c.index, plan.code);
        return plan.code;
      },
      () => writeTree(files, ENVIFIED.seeds),
    );
    report(`plan-${target}`, stats);
    // Every worker is closed or terminated now; a terminated one leaves the embedded database's lock behind.
    FuzzWorker.releaseEmbeddedLock(init);

    const after = await ws.withDb(async (db) => ({ versions: await rowVersions(db), dump: await dumpRows(db) }));
    const written = rowVersionDiff(before.versions, after.versions);
    expectNoFailures(`plan on ${target}`, stats);
    // plan never writes: not a row, not a run record (cvctl_runs), not a sequence value, not the KEK.
    expect(written).toEqual([]);
    expect(after.dump).toEqual(before.dump);
    expect(kekHash()).toBe(kekBefore);
    // And the detector does see a write, even one that leaves every value as it was.
    const touched = await ws.withDb(async (db) => {
      await db.query('update providers set name = name where name = (select min(name) from providers)');
      return rowVersionDiff(after.versions, await rowVersions(db));
    });
    expect(touched).toHaveLength(1);
    expect(stats.cases).toBe(indexes(PLAN_CASES).length);
    if (!ONLY) {
      expect(stats.exits['1'] ?? 0).toBeGreaterThan(stats.cases / 4);
      expect((stats.exits['0'] ?? 0) + (stats.exits['2'] ?? 0)).toBeGreaterThan(0);
    }
  });
});

it('plan gives the same exit code for every case on both targets', () => {
  const pg = planExits.postgres;
  const lite = planExits.pglite;
  if (!pg || !lite) return; // one target only on this machine
  const differ = [...pg.keys()].filter((i) => pg.get(i) !== lite.get(i));
  expect(differ.map((i) => `case ${i}: postgres ${pg.get(i)}, pglite ${lite.get(i)} (CVCTL_FUZZ_SEED=${SEED_HEX} CVCTL_FUZZ_ONLY=${i})`)).toEqual([]);
  expect(pg.size).toBe(lite.size);
});
