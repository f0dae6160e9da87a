#!/usr/bin/env node
// The scale benchmark (issue "Benchmarks at scale"): one table of cvctl's commands on datasets
// S, M, L and XL, each next to a limit measured in the same run on the same files and rows.
// Not a test: figures are written down (bench/RESULTS.md), never asserted in CI.
//
//   dataset (bench/reconcile/generate.js)            rows = providers + provider models
//   S   10 providers importing the OpenAI catalog     370
//   M   100 x 50 custom models                        5,100
//   L   1,000 x 100 custom models                     101,000
//   XL  10,000 providers importing their catalogs     260,040
//   M+routing  M + 50 models x 3 backends + 250 grants            5,550
//   L+routing  L + 1,000 models x 3 backends + 5,000 grants       110,000   (issue 15)
//
// Per size and round (a fresh migrated database each round), each command in a fresh process
// (bench/reconcile/child.js: the CLI's own main() from dist/, timed from its call, with SQL
// statements, KEK calls and peak RSS):
//
//   validate        cvctl validate FILES                      limit A: read + js-yaml loadAll
//   first apply     cvctl apply FILES into the empty db        limit A + C: one COPY per table
//   no-op plan      cvctl plan FILES (must exit 0)             limit A + B: one SELECT * per table
//
// (tables: providers, provider_models, models, model_backends, access_grants; the last three
// are empty except in the +routing datasets)
//   drift           cvctl drift FILES (must exit 0)            limit A + B
//   1% apply        cvctl apply FILES' (1% of rows changed)    limit: the no-op plan (target 1.5x)
//
// and on L, once: `cvctl kek rotate` of its 1,000 providers from one AWS KMS key to another on
// the KMS emulator (5 ms per call, concurrency 16), against the emulator's ceiling (raw
// ReEncrypt calls/s at the same latency and concurrency, before and after; the higher counts).
//
//   node bench/scale/run.js [--sizes S,M,L,XL,M+routing,L+routing] [--target postgres|pglite] [--runs 3]
//        [--no-build] [--no-rotate] [--write] [--json FILE]
//        [--admin-url postgres://postgres@127.0.0.1:5432/postgres]
//
// --write replaces this target's section of bench/RESULTS.md with the table (and the machine,
// date and load). Targets are checked on PostgreSQL; the embedded database is reported
// without targets.
'use strict';
const { execFileSync, spawnSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ENV, SIZES, generate } = require('../reconcile/generate');
const { report, writeResults } = require('./report');
const { median, pgAdmin } = require('../lib/pg-admin');

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin', 'cvctl.js');
const CHILD = path.join(ROOT, 'bench', 'reconcile', 'child.js');

function parseArgs(argv) {
  const o = {
    sizes: ['S', 'M', 'L', 'XL'],
    target: 'postgres',
    runs: 3,
    adminUrl: process.env.CVCTL_BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    build: true,
    rotate: true,
    write: false,
    json: '',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--sizes') o.sizes = next().split(',').map((s) => s.trim().replace(/^[a-z]+/i, (x) => x.toUpperCase())).filter(Boolean);
    else if (a === '--target') o.target = next();
    else if (a === '--runs') o.runs = Number(next());
    else if (a === '--admin-url') o.adminUrl = next();
    else if (a === '--no-build') o.build = false;
    else if (a === '--no-rotate') o.rotate = false;
    else if (a === '--write') o.write = true;
    else if (a === '--json') o.json = next();
    else throw new Error(`unknown option ${a}`);
  }
  if (!['postgres', 'pglite'].includes(o.target)) throw new Error('--target is postgres or pglite');
  for (const s of o.sizes) if (!SIZES[s]) throw new Error(`unknown size ${s}`);
  if (!(o.runs >= 1 && o.runs <= 20)) throw new Error('--runs is 1 to 20');
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const pg = opts.target === 'postgres';
const env = { ...process.env, ...ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
for (const k of ['DATABASE_URL', 'CVCTL_KMS_KEY', 'CVCTL_DATABASE_URL']) delete env[k];
const log = (m) => process.stderr.write(`${m}\n`);

/** One measurement in a fresh process; its JSON line. */
function child(args, { cwd = ROOT, extraEnv = {} } = {}) {
  const r = spawnSync(process.execPath, [CHILD, ...args], { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`child ${args.slice(0, 3).join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The same, without blocking this process's event loop (the KMS ceiling runs in it). */
function childAsync(args, { cwd = ROOT, extraEnv = {} } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CHILD, ...args], { cwd, env: { ...env, ...extraEnv } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`child ${args.slice(0, 3).join(' ')} failed (${code}): ${err}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

function expectExit(what, r, code) {
  if (r.code !== code) throw new Error(`${what} exited ${r.code}, expected ${code}: ${r.stderr || r.stdoutTail}`);
  return r;
}

// ---------------------------------------------------------------- databases

const { psql, dbUrl, createDb, dropDb, dropAll } = pgAdmin(opts.adminUrl, env);
const PREFIX = `cvctl_scale_${process.pid}`;

/** Where a round's database lives and how cvctl reaches it. */
function targetFor(base) {
  if (pg) {
    const tpl = `${PREFIX}_tpl`;
    createDb(tpl);
    execFileSync(process.execPath, [CLI, 'db', 'migrate', '--database-url', dbUrl(tpl)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    return {
      fresh: (name) => {
        createDb(`${PREFIX}_${name}`, tpl);
        return {
          args: ['--database-url', dbUrl(`${PREFIX}_${name}`)],
          cwd: base,
          selectArgs: ['select', dbUrl(`${PREFIX}_${name}`)],
          copyArgs: ['copy', dbUrl(`${PREFIX}_${name}`)],
          drop: () => dropDb(`${PREFIX}_${name}`),
        };
      },
    };
  }
  const tplCwd = path.join(base, 'pglite-template');
  fs.mkdirSync(tplCwd, { recursive: true });
  execFileSync(process.execPath, [CLI, 'db', 'migrate'], { cwd: tplCwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
  return {
    fresh: (name) => {
      const cwd = path.join(base, `db-${name}`);
      fs.rmSync(cwd, { recursive: true, force: true });
      fs.mkdirSync(path.join(cwd, '.cvctl'), { recursive: true });
      fs.cpSync(path.join(tplCwd, '.cvctl', 'db'), path.join(cwd, '.cvctl', 'db'), { recursive: true });
      const dataDir = path.join(cwd, '.cvctl', 'db');
      return { args: [], cwd, selectArgs: ['select-pglite', dataDir], copyArgs: ['copy-pglite', dataDir], drop: () => fs.rmSync(cwd, { recursive: true, force: true }) };
    },
  };
}

// ---------------------------------------------------------------- one size

/** Medians of the numeric figures over rounds; counts must not vary (they are reported as a list if they do). */
function summarize(rs) {
  const out = { ...rs[rs.length - 1], n: rs.length };
  for (const k of ['wallMs', 'cpuMs', 'maxRssMb', 'processMs']) out[k] = median(rs.map((r) => r[k]));
  // Client + PostgreSQL backend CPU (from /proc), the figure a loaded machine does not inflate.
  out.totalCpuMs = median(rs.map((r) => r.cpuMs + (r.serverCpuMs ?? 0)));
  out.maxRssMb = Math.max(...rs.map((r) => r.maxRssMb ?? 0));
  out.wallMin = Math.min(...rs.map((r) => r.wallMs));
  out.wallMax = Math.max(...rs.map((r) => r.wallMs));
  for (const k of ['statements', 'kekCalls']) {
    const v = [...new Set(rs.map((r) => r[k]))];
    if (v.length > 1) out[`${k}Varies`] = v;
  }
  delete out.sql;
  delete out.phases;
  return out;
}

function runSize(size, base, target) {
  const dir = path.join(base, size);
  const files = path.join(dir, 'files');
  const changedFiles = path.join(dir, 'files-1pct');
  const gen = generate({ ...SIZES[size], out: files });
  generate({ ...SIZES[size], out: changedFiles, change: 0.01 });
  const routingRows = gen.routingModels + gen.backends + gen.grants;
  const rows = gen.providers + gen.models + routingRows;
  const routing = routingRows ? ` + ${gen.routingModels.toLocaleString('en-US')} models, ${gen.backends.toLocaleString('en-US')} backends, ${gen.grants.toLocaleString('en-US')} grants` : '';
  log(`\n${size}: ${gen.providers.toLocaleString('en-US')} providers + ${gen.models.toLocaleString('en-US')} provider models${routing}, ${gen.files} files, ${(gen.bytes / 1e6).toFixed(2)} MB`);
  const kms = ['--kms', `local://${path.join(base, 'kek')}`];
  const m = { validate: [], apply: [], plan: [], drift: [], apply1: [], A: [], B: [], C: [] };
  const show = (label, r) => {
    log(`  ${label}: ${r.wallMs} ms, ${r.maxRssMb} MB${r.statements !== undefined ? `, ${r.statements} statements` : ''}${r.kekCalls !== undefined ? `, ${r.kekCalls} KEK calls` : ''}`);
    return r;
  };
  for (let i = 0; i < opts.runs; i++) {
    const db = target.fresh(`${size.toLowerCase().replace(/[^a-z0-9]/g, '_')}_${i}`);
    const cv = (...a) => child(['cvctl', ...a], { cwd: db.cwd });
    m.validate.push(show('validate', expectExit('validate', cv('validate', files), 0)));
    m.apply.push(show('first apply', expectExit('first apply', cv('apply', files, '--auto-approve', ...kms, ...db.args), 0)));
    m.plan.push(show('no-op plan', expectExit('no-op plan', cv('plan', files, '--detailed-exitcode', ...kms, ...db.args), 0)));
    m.drift.push(show('drift', expectExit('drift', cv('drift', files, ...kms, ...db.args), 0)));
    const a1 = show('1% apply', expectExit('1% apply', cv('apply', changedFiles, '--auto-approve', ...kms, ...db.args), 0));
    if (!/updated/.test(a1.stdoutTail)) throw new Error(`1% apply did not report updates: ${a1.stdoutTail}`);
    m.apply1.push(a1);
    m.A.push(show('limit A (yaml loadAll)', child(['yaml', files])));
    m.B.push(show('limit B (SELECT)', child(db.selectArgs)));
    m.C.push(show('limit C (COPY)', child(db.copyArgs)));
    db.drop();
  }
  const out = { size, providers: gen.providers, models: gen.models, routingModels: gen.routingModels, backends: gen.backends, grants: gen.grants, rows, files: gen.files, bytes: gen.bytes };
  for (const [k, v] of Object.entries(m)) out[k] = summarize(v);
  const changed = /(\d+) updated/.exec(out.apply1.stdoutTail);
  out.apply1.changedRows = changed ? Number(changed[1]) : null;
  return out;
}

// ---------------------------------------------------------------- kek rotate on L

async function runRotate(base, target) {
  const { startEmulator, AWS_ENV } = require('../kms/lib');
  const { ceiling } = require('../kms/rotate');
  Object.assign(process.env, AWS_ENV);
  const latencyMs = 5;
  const concurrency = 16;
  const emu = await startEmulator();
  try {
    const a = await emu.call('createKey', { description: 'scale bench: source' });
    const b = await emu.call('createKey', { description: 'scale bench: target' });
    const files = path.join(base, 'L', 'files');
    if (!fs.existsSync(files)) generate({ ...SIZES.L, out: files });
    const db = target.fresh('rotate');
    const extraEnv = { ...AWS_ENV, AWS_ENDPOINT_URL_KMS: emu.url };
    const cv = (...args) => childAsync(['cvctl', ...args], { cwd: db.cwd, extraEnv });
    await emu.call('injectFaults', { latencyMs });
    log('\nkek rotate on L (AWS KMS emulator, 5 ms per call, concurrency 16)');
    const applied = expectExit('apply with aws-kms', await cv('apply', files, '--auto-approve', '--kms', `aws-kms://${a.arn}`, ...db.args), 0);
    log(`  first apply under aws-kms: ${applied.wallMs} ms, ${applied.kekCalls} KEK calls`);
    const before = await ceiling(emu, a.arn, b.arn, { concurrency, seconds: 5 });
    await emu.call('resetStats');
    const rotate = expectExit(
      'kek rotate',
      await cv('kek', 'rotate', '--kms', `aws-kms://${a.arn}`, '--to', `aws-kms://${b.arn}`, '--concurrency', String(concurrency), '--max-rate', '0', ...db.args),
      0,
    );
    const stats = await emu.call('stats');
    const after = await ceiling(emu, a.arn, b.arn, { concurrency, seconds: 5 });
    const ceil = Math.max(before.callsPerSecond, after.callsPerSecond);
    const rows = 1000;
    log(`  rotate: ${rotate.wallMs} ms, ${rotate.maxRssMb} MB; ceiling ${before.callsPerSecond} / ${after.callsPerSecond} calls/s`);
    db.drop();
    return {
      rows,
      latencyMs,
      concurrency,
      apply: applied,
      rotate: { ...rotate, sql: undefined, phases: undefined },
      kmsCalls: stats.total,
      kmsCallsByOperation: stats.calls,
      ceiling: { before: before.callsPerSecond, after: after.callsPerSecond, callsPerSecond: ceil },
      limitMs: Math.round((rows / ceil) * 1000),
    };
  } finally {
    await emu.stop();
  }
}

// ---------------------------------------------------------------- main

function machine() {
  let database = '';
  if (pg) database = `PostgreSQL ${psql(opts.adminUrl, ['-At', '-c', 'show server_version']).trim()} (127.0.0.1, same machine)`;
  else {
    const pkg = path.join(path.dirname(require.resolve('@electric-sql/pglite', { paths: [ROOT] })), '..', 'package.json');
    database = `PGlite ${JSON.parse(fs.readFileSync(pkg, 'utf8')).version} (embedded, in process)`;
  }
  return {
    date: new Date().toISOString(),
    cpus: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    cpu: os.cpus()[0].model.trim(),
    ramGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    database,
  };
}

async function main() {
  if (opts.build) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const loadBefore = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-scale-'));
  const results = { sizes: [], rotate: null };
  try {
    const target = targetFor(base);
    for (const size of opts.sizes) results.sizes.push(runSize(size, base, target));
    if (opts.rotate && opts.sizes.includes('L')) results.rotate = await runRotate(base, target);
  } finally {
    if (pg) dropAll();
    fs.rmSync(base, { recursive: true, force: true });
  }
  const m = { ...machine(), load: `${loadBefore} / ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`, runs: opts.runs, target: opts.target };
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ machine: m, opts, results }, null, 2));
  const text = report(results, m);
  process.stdout.write(`${text}\n`);
  if (opts.write) {
    writeResults(path.join(ROOT, 'bench', 'RESULTS.md'), opts.target, text);
    log(`\nwrote the ${opts.target} section of bench/RESULTS.md`);
  }
}

main().catch((e) => {
  log(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
