#!/usr/bin/env node
// Reconcile benchmark (issue "reconciler core", section Speed). Not a test.
//
// For each dataset size (generate.js: S = 10 providers x catalog import, M = 100 x 50,
// L = 1,000 x 100 custom models), RUNS rounds; each round makes a fresh migrated database and
// measures, each in a fresh child process (child.js), in this order (so that the machine's
// load hits the product and its limits alike); medians are reported:
//
//   first apply   `cvctl apply --auto-approve` into an empty, migrated database
//   no-op plan    `cvctl plan --detailed-exitcode` once those files are applied (must exit 0)
//
// the product driven in-process through the CLI's own main() from dist/, with its SQL
// statements (Database.statementCount), KEK calls (Kek.callCount) and peak RSS, next to
// limits measured in the same run on the same files and rows:
//
//   A  read + js-yaml loadAll of every file (no validation)
//   B  SELECT * FROM providers + SELECT * FROM provider_models
//   C  COPY ... FROM STDIN of the same rows into scratch tables with the same keys, unique
//      indexes and foreign key (pg, protocol-level CopyData), one transaction; also
//      INSERT ... SELECT FROM unnest(...) and psql \copy of a TSV file (psql process timed)
//
// Targets (PostgreSQL): no-op plan <= 1.5 x (A + B); first apply <= 2 x (A + C); no-op plan
// <= 10 statements and <= 1 KEK call; apply <= 10 statements per table written and one KEK
// wrap per created provider (+1 the first time a database gets its fingerprint key).
//
//   node bench/reconcile/run.js [--sizes S,M,L] [--target postgres|pglite] [--runs 3]
//        [--admin-url postgres://postgres@127.0.0.1:5432/postgres] [--no-build] [--keep]
//        [--json FILE] [--profile DIR]
//
// PostgreSQL: creates and drops databases cvctl_bench_<pid>_*. PGlite: data directories
// under a temporary folder. --profile DIR: also writes one --cpu-prof profile of each
// product measurement (an extra, untimed run; summarise with profile-summary.js).
// CPU time is reported as the node process's plus, on PostgreSQL, its backend's (from
// /proc), which the machine's load hardly changes; ratios are given on both.
// CVCTL_BENCH_DIST=DIR measures another build of the product (A/B comparisons).
// See docs/benchmarks-reconcile.md.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ENV, generate, SIZES } = require('./generate');
const { median, pgAdmin } = require('../lib/pg-admin');

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin', 'cvctl.js');
const CHILD = path.join(__dirname, 'child.js');

function parseArgs(argv) {
  const o = {
    sizes: ['S', 'M', 'L'],
    target: 'postgres',
    runs: 3,
    adminUrl: process.env.CVCTL_BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    build: true,
    keep: false,
    json: '',
    profile: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--sizes') o.sizes = next().split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    else if (a === '--target') o.target = next();
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--admin-url') o.adminUrl = next();
    else if (a === '--no-build') o.build = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--json') o.json = next();
    else if (a === '--profile') o.profile = path.resolve(next());
    else throw new Error(`unknown option ${a}`);
  }
  if (!['postgres', 'pglite'].includes(o.target)) throw new Error('--target is postgres or pglite');
  for (const s of o.sizes) if (!SIZES[s]) throw new Error(`unknown size ${s}`);
  if (!(o.runs >= 1)) throw new Error('--runs must be >= 1');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const env = { ...process.env, ...ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
delete env.DATABASE_URL;
delete env.CVCTL_KMS_KEY;
const log = (m) => process.stderr.write(`${m}\n`);

/** One child process; returns its JSON line. */
function child(args, { cwd = ROOT, nodeArgs = [] } = {}) {
  const r = spawnSync(process.execPath, [...nodeArgs, CHILD, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed (${r.status}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

function once(label, i, r) {
  log(`  ${label} #${i + 1}: ${r.wallMs} ms wall, ${r.cpuMs ?? '-'} ms CPU, ${r.maxRssMb ?? '-'} MB` +
    (r.statements !== undefined ? `, ${r.statements} statements` : '') + (r.kekCalls !== undefined ? `, ${r.kekCalls} KEK calls` : ''));
  return r;
}

/** Median of each numeric field over the runs; min and max of the wall time, to show the noise. */
function summarize(results) {
  for (const r of results) if (typeof r.cpuMs === 'number') r.totalCpuMs = r.cpuMs + (r.serverCpuMs ?? 0);
  const m = { ...results[results.length - 1], runs: results };
  for (const k of ['wallMs', 'cpuMs', 'serverCpuMs', 'totalCpuMs', 'maxRssMb', 'processMs']) m[k] = median(results.map((r) => r[k]));
  m.wallMin = Math.min(...results.map((r) => r.wallMs));
  m.wallMax = Math.max(...results.map((r) => r.wallMs));
  for (const k of ['statements', 'kekCalls']) {
    const vals = new Set(results.map((r) => r[k]));
    if (vals.size > 1) m[`${k}Varies`] = [...vals];
  }
  if (results[0].phases) {
    m.phases = {};
    for (const p of Object.keys(results[0].phases)) m.phases[p] = median(results.map((r) => r.phases[p] && r.phases[p].ms));
  }
  return m;
}

// ---------------------------------------------------------------- databases

const { psql, dbUrl, createDb, dropDb, created: createdDbs } = pgAdmin(opts.adminUrl, env);
const PREFIX = `cvctl_bench_${process.pid}`;

function cvctl(args, cwd) {
  execFileSync(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
}

// ---------------------------------------------------------------- one size

function runSize(size, base, kek) {
  const dir = path.join(base, size);
  const files = path.join(dir, 'files');
  const gen = generate({ ...SIZES[size], out: files });
  const counts = datasetRows(size);
  log(`\n${size}: ${gen.providers} providers, ${counts.models} provider models, ${gen.files} files, ${(gen.bytes / 1e6).toFixed(2)} MB`);
  const kms = `local://${kek}`;
  const out = { size, providers: gen.providers, models: counts.models, rows: gen.providers + counts.models, files: gen.files, bytes: gen.bytes };

  // Where the database of apply run i lives, and the cvctl arguments to reach it.
  let target;
  if (opts.target === 'postgres') {
    const tpl = `${PREFIX}_tpl`;
    if (!createdDbs.has(tpl)) {
      createDb(tpl);
      cvctl(['db', 'migrate', '--database-url', dbUrl(tpl)], dir);
    }
    const name = (i) => `${PREFIX}_${size.toLowerCase()}_${i}`;
    target = {
      fresh: (i) => createDb(name(i), tpl),
      args: (i) => ['--database-url', dbUrl(name(i))],
      cwd: () => dir,
      drop: (i) => dropDb(name(i)),
      url: (i) => dbUrl(name(i)),
    };
  } else {
    const tplCwd = path.join(base, 'pglite-template');
    if (!fs.existsSync(path.join(tplCwd, '.cvctl', 'db'))) {
      fs.mkdirSync(tplCwd, { recursive: true });
      cvctl(['db', 'migrate'], tplCwd);
    }
    const cwdOf = (i) => path.join(dir, `run-${i}`);
    target = {
      fresh: (i) => {
        fs.rmSync(cwdOf(i), { recursive: true, force: true });
        fs.mkdirSync(path.join(cwdOf(i), '.cvctl'), { recursive: true });
        fs.cpSync(path.join(tplCwd, '.cvctl', 'db'), path.join(cwdOf(i), '.cvctl', 'db'), { recursive: true });
      },
      args: () => [],
      cwd: cwdOf,
      drop: (i) => fs.rmSync(cwdOf(i), { recursive: true, force: true }),
      dataDir: (i) => path.join(cwdOf(i), '.cvctl', 'db'),
    };
  }

  const applyArgs = (i) => ['cvctl', 'apply', files, '--auto-approve', '--kms', kms, ...target.args(i)];
  const planArgs = (i) => ['cvctl', 'plan', files, '--detailed-exitcode', '--kms', kms, ...target.args(i)];

  // Round i: a fresh database, the first apply into it, the no-op plan on it, then every limit
  // on the same files and rows. Interleaved so that a change in the machine's load hits the
  // product and its limits alike.
  const runs = { apply: [], plan: [], limitA: [], limitB: [], limitC: [], limitCunnest: [], limitCpsql: [] };
  const pg = opts.target === 'postgres';
  for (let i = 0; i < opts.runs; i++) {
    target.fresh(i);
    const a = child(applyArgs(i), { cwd: target.cwd(i) });
    if (a.code !== 0) throw new Error(`apply failed: ${a.stderr}`);
    runs.apply.push(once(`${size} first apply`, i, a));
    const p = child(planArgs(i), { cwd: target.cwd(i) });
    if (p.code !== 0) throw new Error(`the plan after apply is not empty (exit ${p.code}): ${p.stderr}`);
    runs.plan.push(once(`${size} no-op plan`, i, p));
    runs.limitA.push(once(`${size} A yaml loadAll`, i, child(['yaml', files])));
    if (pg) {
      const url = target.url(i);
      runs.limitB.push(once(`${size} B select`, i, child(['select', url])));
      runs.limitC.push(once(`${size} C COPY`, i, child(['copy', url])));
      runs.limitCunnest.push(once(`${size} C' unnest`, i, child(['unnest', url])));
      runs.limitCpsql.push(once(`${size} C'' psql \\copy`, i, psqlCopy(url, path.join(dir, 'tsv'))));
    } else {
      const dataDir = target.dataDir(i);
      runs.limitB.push(once(`${size} B select`, i, child(['select-pglite', dataDir])));
      runs.limitC.push(once(`${size} C COPY`, i, child(['copy-pglite', dataDir])));
      runs.limitCunnest.push(once(`${size} C' unnest`, i, child(['unnest-pglite', dataDir])));
    }
    if (opts.profile && i === 0) {
      fs.mkdirSync(opts.profile, { recursive: true });
      const prof = (name, args, j) =>
        child(args, { cwd: target.cwd(j), nodeArgs: ['--cpu-prof', '--cpu-prof-dir', opts.profile, '--cpu-prof-name', `${opts.target}-${size}-${name}.cpuprofile`] });
      prof('plan', planArgs(i), i);
      const extra = opts.runs; // a scratch database for the profiled apply
      target.fresh(extra);
      prof('apply', applyArgs(extra), extra);
      target.drop(extra);
    }
    if (!opts.keep) target.drop(i);
  }
  for (const [k, v] of Object.entries(runs)) if (v.length) out[k] = summarize(v);
  return out;
}

function datasetRows(size) {
  const s = SIZES[size];
  if (!s.catalog) return { models: s.providers * s.models };
  const { bundledCatalog } = require(path.join(ROOT, 'dist/catalog/catalog.js'));
  return { models: s.providers * bundledCatalog().models('openai', '2026.04.15').length };
}

/** psql \copy of the same rows from TSV files into the scratch tables; the psql process is timed. */
function psqlCopy(url, tsvDir) {
  child(['tsv', url, tsvDir]);
  const cols = JSON.parse(fs.readFileSync(path.join(tsvDir, 'columns.json'), 'utf8'));
  const copy = (table, scratch) =>
    `\\copy ${scratch} (${cols[table].join(', ')}) from '${path.join(tsvDir, `${table}.tsv`)}'`;
  psql(url, ['-f', path.join(tsvDir, 'scratch.sql')]);
  const t0 = process.hrtime.bigint();
  // Every table child.js wrote (parents first, as columns.json lists them).
  psql(url, ['-1', ...Object.keys(cols).flatMap((t) => ['-c', copy(t, `cvctl_bench_scratch_${t}`)])]);
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  psql(url, ['-f', path.join(tsvDir, 'drop.sql')]);
  return { mode: 'psql-copy', wallMs: Math.round(wallMs * 10) / 10 };
}

// ---------------------------------------------------------------- report

const ms = (x) => (x === null || x === undefined ? '–' : x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);
const ratio = (a, b) => (a / b).toFixed(2);
const cpu = (x) => (x.serverCpuMs != null ? `${ms(x.totalCpuMs)} (${ms(x.cpuMs)} + ${ms(x.serverCpuMs)})` : ms(x.cpuMs));
const spread = (x) => (x.runs && x.runs.length > 1 ? ` (${ms(x.wallMin)}–${ms(x.wallMax)})` : '');

function machine() {
  let pgVersion = '';
  if (opts.target === 'postgres') {
    try {
      pgVersion = psql(opts.adminUrl, ['-At', '-c', 'show server_version']).trim();
    } catch {
      pgVersion = '?';
    }
  } else {
    pgVersion = `PGlite ${require(path.join(ROOT, 'node_modules/@electric-sql/pglite/package.json')).version}`;
  }
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    cpu: os.cpus()[0].model,
    ramGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    database: opts.target === 'postgres' ? `PostgreSQL ${pgVersion}` : pgVersion,
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

function report(results, m, loadBefore) {
  const pg = opts.target === 'postgres';
  const L = [];
  L.push(`machine: ${m.nproc} CPUs (${m.cpu}), ${m.ramGb} GB RAM, node ${m.node}, ${m.database}; ${m.date}`);
  L.push(`load average before / after: ${loadBefore} / ${m.load}; median of ${opts.runs} runs, each in a fresh process`);
  L.push(`target: ${opts.target}${pg ? ' (targets, on L: no-op plan ≤ 1.5 × (A+B), first apply ≤ 2 × (A+C))' : ' (embedded; no targets apply, figures for information)'}`);
  L.push('');
  L.push('| size | rows (providers + models) | YAML | A: yaml loadAll | B: SELECT all | C: COPY | C\': INSERT…unnest' + (pg ? ' | C\'\': psql \\copy' : '') +
    ' | no-op plan | plan ÷ (A+B) | first apply | apply ÷ (A+C) | CPU²: plan ÷ (A+B) | CPU²: apply ÷ (A+C) |');
  L.push('| --- | --- | --- | --- | --- | --- | --- |' + (pg ? ' --- |' : '') + ' --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const pr = ratio(r.plan.wallMs, r.limitA.wallMs + r.limitB.wallMs);
    const ar = ratio(r.apply.wallMs, r.limitA.wallMs + r.limitC.wallMs);
    // The targets are set for L; at S and M fixed costs (~1-2 s) dominate and the limits are tiny.
    const pok = pg && r.size === 'L' ? (pr <= 1.5 ? ' ✅' : ' ❌') : '';
    const aok = pg && r.size === 'L' ? (ar <= 2 ? ' ✅' : ' ❌') : '';
    L.push(
      `| ${r.size} | ${r.rows.toLocaleString('en-US')} (${r.providers} + ${r.models.toLocaleString('en-US')}) | ${(r.bytes / 1e6).toFixed(2)} MB, ${r.files} files` +
        ` | ${ms(r.limitA.wallMs)} | ${ms(r.limitB.wallMs)} | ${ms(r.limitC.wallMs)} | ${ms(r.limitCunnest.wallMs)}` +
        (pg ? ` | ${ms(r.limitCpsql.wallMs)}` : '') +
        ` | ${ms(r.plan.wallMs)} | ${pr}${pok} | ${ms(r.apply.wallMs)} | ${ar}${aok}` +
        ` | ${ratio(r.plan.totalCpuMs, r.limitA.totalCpuMs + r.limitB.totalCpuMs)} | ${ratio(r.apply.totalCpuMs, r.limitA.totalCpuMs + r.limitC.totalCpuMs)} |`,
    );
  }
  if (results.length > 1) {
    L.push('');
    L.push('Growth (wall, medians): time per row, and the marginal time per row added since the previous size (fixed costs cancel out):');
    L.push('');
    L.push('| size | rows | no-op plan | µs/row | marginal µs/row | marginal CPU² µs/row | first apply | µs/row | marginal µs/row | marginal CPU² µs/row |');
    L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    results.forEach((r, i) => {
      const prev = results[i - 1];
      const marg = (k, f = 'wallMs') => (prev ? (((r[k][f] - prev[k][f]) * 1000) / (r.rows - prev.rows)).toFixed(1) : '–');
      L.push(
        `| ${r.size} | ${r.rows.toLocaleString('en-US')} | ${ms(r.plan.wallMs)} | ${((r.plan.wallMs * 1000) / r.rows).toFixed(1)} | ${marg('plan')} | ${marg('plan', 'totalCpuMs')}` +
          ` | ${ms(r.apply.wallMs)} | ${((r.apply.wallMs * 1000) / r.rows).toFixed(1)} | ${marg('apply')} | ${marg('apply', 'totalCpuMs')} |`,
      );
    });
  }
  L.push('');
  L.push('| size | operation | wall, median (min–max) | CPU² (client + server) | whole process¹ | peak RSS | SQL statements | writes per table | KEK calls |');
  L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    for (const [name, x, expectKek] of [
      ['no-op plan', r.plan, '≤ 1'],
      ['first apply', r.apply, `${r.providers} + 1 fingerprint key`],
    ]) {
      const writes = Object.entries(x.writesPerTable || {}).map(([t, n]) => `${t} ${n}`).join(', ') || 'none';
      L.push(
        `| ${r.size} | ${name} | ${ms(x.wallMs)}${spread(x)} | ${cpu(x)} | ${ms(x.processMs)} | ${x.maxRssMb} MB | ${x.statements}${x.statementsVaries ? ` (varies: ${x.statementsVaries})` : ''}` +
          ` | ${writes} | ${x.kekCalls} (expected ${expectKek}) |`,
      );
    }
    for (const [name, x] of [['A yaml', r.limitA], ['B select', r.limitB], ['C COPY', r.limitC], ["C' unnest", r.limitCunnest]]) {
      L.push(`| ${r.size} | limit ${name} | ${ms(x.wallMs)}${spread(x)} | ${cpu(x)} | | ${x.maxRssMb} MB | ${x.statements ?? ''} | | |`);
    }
    if (r.limitCpsql) L.push(`| ${r.size} | limit C'' psql \\copy (process) | ${ms(r.limitCpsql.wallMs)}${spread(r.limitCpsql)} | | | | | | |`);
  }
  L.push('');
  L.push('¹ from process start (node bootstrap and module loading included) to the end of the command, as `cvctl` on the command line.');
  L.push('² CPU time of the node process plus, on PostgreSQL, of its server backend (/proc/PID/stat of the connection\'s backend): unlike wall time, hardly inflated by other load on the machine. Targets are on wall time.');
  L.push('');
  L.push('Where the time goes (median wall ms of the instrumented functions, summed over calls; nested: makePlan includes bundledCatalog (first call loads it), loadConfig, readState and computePlan, which includes planDigest; applyPlan includes the write functions):');
  L.push('');
  const phaseNames = ['bundledCatalog', 'loadConfig', 'readState', 'computePlan', 'planDigest', 'makePlan', 'renderPlan', 'applyPlan', 'checkAndLockRows', 'storeCredentials', 'insertProviders', 'insertModels'];
  L.push(`| size | operation | ${phaseNames.join(' | ')} |`);
  L.push(`| --- | --- |${phaseNames.map(() => ' --- |').join('')}`);
  for (const r of results) {
    for (const [name, x] of [['no-op plan', r.plan], ['first apply', r.apply]]) {
      L.push(`| ${r.size} | ${name} | ${phaseNames.map((p) => (x.phases && x.phases[p] != null ? Math.round(x.phases[p]) : '–')).join(' | ')} |`);
    }
  }
  return L.join('\n');
}

// ---------------------------------------------------------------- main

function main() {
  if (opts.build) {
    log('building dist/ (npm run build)...');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  }
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-reconcile-'));
  const kek = path.join(base, 'kek');
  const results = [];
  try {
    for (const size of opts.sizes) results.push(runSize(size, base, kek));
  } finally {
    if (opts.target === 'postgres' && !opts.keep) for (const name of [...createdDbs]) dropDb(name);
    if (!opts.keep) fs.rmSync(base, { recursive: true, force: true });
    else log(`kept ${base}${createdDbs.size ? ` and databases ${[...createdDbs].join(', ')}` : ''}`);
  }
  const m = machine();
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ machine: m, opts, results }, null, 2));
  process.stdout.write(report(results, m, loadBefore) + '\n');
}

main();
