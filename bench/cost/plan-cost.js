#!/usr/bin/env node
// What the cost estimate adds to a plan (issue 16, Speed: at most 0.5 s on dataset L with
// 1,000 models and 2,000,000 usage rows), measured against the same plan with --no-cost, in
// the same run, on PostgreSQL. Not a test.
//
// One database: dataset L (bench/reconcile/generate.js: 1,000 providers x 100 custom models)
// applied by cvctl, then, by SQL, 1,000 model facades (half fallback, half weighted) with 3
// backends each on provider models of different providers, and 2,000,000 usage_daily rows:
// the 3,000 (facade, backend) pairs plus 100 unattributed pairs (model_id NULL), one row per
// pair and day going back from today (~645 days), so the default 30-day window holds ~93,000
// rows and --cost-window 366 about 1,130,000. Then RUNS rounds, each plan in a fresh process
// (bench/reconcile/child.js: CLI in-process, wall and CPU of the command only, the backend's CPU
// from /proc, every SQL statement timed), in turn:
//
//   no-cost    cvctl plan --no-cost            (the baseline)
//   cost-30    cvctl plan                      (default window, 30 days)
//   cost-366   cvctl plan --cost-window 366    (the largest window)
//
// The plans are no-op plans (files == database): the estimate still prices every usage pair
// before and after. Medians are printed, with the usage aggregate's and the routing read's own
// statement times.
//
//   node bench/cost/plan-cost.js [--runs 5] [--admin-url postgres://postgres@127.0.0.1:5432/postgres]
//        [--no-build] [--keep] [--json FILE]
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ENV, generate, SIZES } = require('../reconcile/generate');
const { median, pgAdmin } = require('../lib/pg-admin');

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'bin', 'cvctl.js');
const CHILD = path.join(ROOT, 'bench', 'reconcile', 'child.js');
const USAGE_ROWS = 2_000_000;
const MODELS = 1000;

const opts = { runs: 5, adminUrl: process.env.CVCTL_BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres', build: true, keep: false, json: '' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--runs') opts.runs = Number(process.argv[++i]);
  else if (a === '--admin-url') opts.adminUrl = process.argv[++i];
  else if (a === '--no-build') opts.build = false;
  else if (a === '--keep') opts.keep = true;
  else if (a === '--json') opts.json = process.argv[++i];
  else throw new Error(`unknown option ${a}`);
}

const env = { ...process.env, ...ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
delete env.DATABASE_URL;
delete env.CVCTL_KMS_KEY;
const log = (m) => process.stderr.write(`${m}\n`);
const { psql, dbUrl, createDb, dropAll } = pgAdmin(opts.adminUrl, env);

// Facades, their backends (3 providers apart, so fallback and weighted both have real choices)
// and the usage, all in SQL: the gateway's rows, not cvctl's.
const SEED_SQL = `
insert into models (name, routing)
  select 'facade-' || lpad(i::text, 4, '0'), jsonb_build_object('strategy', case when i % 2 = 0 then 'fallback' else 'weighted' end)
  from generate_series(0, ${MODELS - 1}) i;
with m as (select id, row_number() over (order by name) - 1 as i from models),
     pm as (select id, row_number() over (order by id) - 1 as n, count(*) over () as total from provider_models)
insert into model_backends (model_id, provider_model_id, priority, weight)
  select m.id, pm.id, k + 1, 100 * (k + 1)
  from m cross join generate_series(0, 2) k join pm on pm.n = ((m.i * 3 + k) * 33 + k * 101) % pm.total;
create temporary table pairs as
  select model_id, provider_model_id from model_backends
  union all
  select null, id from (select id from provider_models order by id limit 100) u;
insert into usage_daily (day, model_id, provider_model_id, requests, input_tokens, output_tokens)
  select current_date - d, p.model_id, p.provider_model_id, 100 + (d % 7), 1000000 + d * 17, 200000 + d * 3
  from (select model_id, provider_model_id, row_number() over (order by provider_model_id, model_id) - 1 as r from pairs) p
  cross join generate_series(0, ceil(${USAGE_ROWS}::numeric / (select count(*) from pairs))::int - 1) d
  order by d, p.r
  limit ${USAGE_ROWS};
analyze usage_daily;
analyze models;
analyze model_backends;
select (select count(*) from models) as models, (select count(*) from model_backends) as backends,
       (select count(*) from usage_daily) as usage_rows, (select min(day) from usage_daily) as first_day;
`;

function child(args, cwd) {
  const r = spawnSync(process.execPath, [CHILD, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const CASES = [
  ['no-cost', ['--no-cost']],
  ['cost-30', []],
  ['cost-366', ['--cost-window', '366']],
];

/** The statement times the cost adds: the usage catalog check + aggregate, the routing reads. */
function costSql(r) {
  const sql = r.sql || [];
  const sum = (re) => Math.round(sql.filter((s) => re.test(s.sql)).reduce((n, s) => n + s.ms, 0) * 10) / 10;
  // child.js keeps the first 70 characters of each statement: matched by how they start.
  return {
    usageMs: sum(/^select a\.attname as name, format_type|^select model_id as "modelId", provider_model_id/),
    routingMs: sum(/^select id, name, kind, status, description|^select mb\.id, mb\.model_id|^select g\.id, g\.model_id/),
  };
}

function main() {
  if (opts.build) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-cost-bench-'));
  const files = path.join(base, 'files');
  const gen = generate({ ...SIZES.L, out: files });
  const kms = `local://${path.join(base, 'kek')}`;
  const name = `cvctl_bench_cost_${process.pid}`;
  const url = dbUrl(name);
  try {
    createDb(name);
    const cvctl = (args) => execFileSync(process.execPath, [CLI, ...args, '--kms', kms, '--database-url', url], { cwd: base, env, stdio: ['ignore', 'ignore', 'inherit'] });
    cvctl(['db', 'migrate']);
    log(`dataset L: ${gen.providers} providers, ${gen.providers * SIZES.L.models} provider models; applying…`);
    cvctl(['apply', files, '--auto-approve']);
    log(`seeding ${MODELS} facades x 3 backends and ${USAGE_ROWS.toLocaleString('en')} usage rows…`);
    const t0 = Date.now();
    const seeded = psql(url, ['-A', '-F', ' ', '-t', '-c', SEED_SQL.replace(/\n/g, ' ')]).trim().split('\n').pop();
    log(`  seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: models, backends, usage rows, first day = ${seeded}`);

    const results = Object.fromEntries(CASES.map(([label]) => [label, []]));
    for (let i = 0; i < opts.runs; i++) {
      for (const [label, extra] of CASES) {
        const r = child(['cvctl', 'plan', files, '--detailed-exitcode', '--output', 'json', '--kms', kms, '--database-url', url, ...extra], base);
        if (r.code !== 0) throw new Error(`${label}: plan exited ${r.code}: ${r.stderr}`);
        const c = costSql(r);
        results[label].push({ wallMs: r.wallMs, cpuMs: r.cpuMs, serverCpuMs: r.serverCpuMs ?? null, statements: r.statements, stdoutBytes: r.stdoutBytes, ...c });
        log(`  #${i + 1} ${label.padEnd(8)} ${r.wallMs} ms wall, ${r.cpuMs} ms CPU + ${r.serverCpuMs ?? '-'} ms server, ${r.statements} statements, usage SQL ${c.usageMs} ms, routing SQL ${c.routingMs} ms`);
      }
    }
    const summary = {};
    for (const [label] of CASES) {
      const rs = results[label];
      summary[label] = Object.fromEntries(['wallMs', 'cpuMs', 'serverCpuMs', 'usageMs', 'routingMs', 'statements'].map((k) => [k, median(rs.map((r) => r[k]))]));
    }
    const base0 = summary['no-cost'];
    log('\nmedians (ms)            wall     CPU  server   usage SQL  routing SQL  statements   added wall   added CPU+server');
    for (const [label] of CASES) {
      const s = summary[label];
      const added = label === 'no-cost' ? '' : `${(s.wallMs - base0.wallMs).toFixed(0).padStart(10)}   ${(s.cpuMs + s.serverCpuMs - base0.cpuMs - base0.serverCpuMs).toFixed(0).padStart(10)}`;
      log(`  ${label.padEnd(18)} ${String(s.wallMs).padStart(7)} ${String(s.cpuMs).padStart(7)} ${String(s.serverCpuMs).padStart(7)} ${String(s.usageMs).padStart(11)} ${String(s.routingMs).padStart(12)} ${String(s.statements).padStart(11)} ${added}`);
    }
    log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (${os.cpus().length} CPUs)`);
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ seeded, summary, results, loadavg: os.loadavg() }, null, 2));
  } finally {
    if (!opts.keep) {
      dropAll();
      fs.rmSync(base, { recursive: true, force: true });
    }
  }
}

main();
