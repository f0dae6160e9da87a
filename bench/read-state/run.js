#!/usr/bin/env node
// readState at scale: how long the read path (src/state/read-state.ts, what every plan and drift
// starts with) takes on a seeded database, and that it stays a constant number of statements.
// This was a timed assertion in test/state/read-state.perf.test.ts; speed belongs here, not in
// a test (test/state/read-state.test.ts keeps the constant statement count).
//
//   node bench/read-state/run.js [--no-build] [--target postgres|pglite] [--shapes 1000x100,10000x25] [--runs 4]
//
// Per shape: a fresh database (PostgreSQL: created on CVCTL_BENCH_ADMIN_URL and dropped; embedded:
// a temp data directory), rows seeded with set-based SQL as the console would write them, ANALYZE,
// then `runs` reads; prints the first read and the median of the warm ones. Target: median warm
// read <= 20 s at 1,000 x 100 and 10,000 x 25 (the ceiling the test used to assert, there to catch
// per-row queries or quadratic mapping); results in docs/reliability.md ("Speed is measured in bench/").
'use strict';
const { execFileSync } = require('child_process');
const { randomBytes } = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const at = argv.indexOf(name);
  return at < 0 ? dflt : argv[at + 1];
};
const target = opt('--target', 'postgres');
const runs = Math.max(2, Number(opt('--runs', 4)));
const shapes = opt('--shapes', '1000x100,10000x25')
  .split(',')
  .map((s) => s.split('x').map(Number))
  .map(([providers, models]) => ({ providers, models }));
const TARGET_MS = 20_000;
const EXPECTED_STATEMENTS = 6;

if (!argv.includes('--no-build')) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
const { openDatabase } = require(path.join(ROOT, 'dist', 'state', 'connect.js'));
const { migrate } = require(path.join(ROOT, 'dist', 'state', 'migrations.js'));
const { readState } = require(path.join(ROOT, 'dist', 'state', 'read-state.js'));
const { Client } = require('pg');

const adminUrl = process.env.CVCTL_BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function withAdmin(fn) {
  const c = new Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A migrated throwaway database: { db, cleanup }. */
async function fresh() {
  if (target === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-bench-read-'));
    const db = await openDatabase({ embeddedDir: path.join(dir, 'db') });
    await migrate(db);
    return { db, cleanup: async () => { await db.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `cvctl_bench_read_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: u.toString() });
  await migrate(db);
  return { db, cleanup: async () => { await db.close(); await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`)); } };
}

/** The same rows as test/state/seed.ts seedBulk: providers, catalog models with pricing and last_applied, 50 facades. */
async function seed(db, s) {
  await db.query(
    `insert into providers (name, kind, config, labels, managed_by, credential_prefix, last_applied)
     select 'p-' || lpad(i::text, 6, '0'), 'openai', jsonb_build_object('organization', 'org-' || i),
            '{"team":"platform"}', 'default', 'sk-proj-', jsonb_build_object('name', 'p-' || lpad(i::text, 6, '0'), 'kind', 'openai')
       from generate_series(1, $1::int) i`,
    [s.providers],
  );
  await db.query(
    `insert into provider_models (provider_id, model_id, kind, context_window, pricing, source, managed_by, last_applied)
     select p.id, 'm-' || lpad(j::text, 5, '0'), case when j % 10 = 0 then 'embedding' else 'chat' end, 128000,
            jsonb_build_object('inputPerMTok', 0.3, 'outputPerMTok', 1.2), 'catalog:2026.04.15', 'default',
            jsonb_build_object('modelId', 'm-' || lpad(j::text, 5, '0'), 'kind', 'chat', 'contextWindow', 128000)
       from providers p cross join generate_series(1, $1::int) j`,
    [s.models],
  );
  await db.query(`insert into models (name) select 'facade-' || k from generate_series(1, 50) k`);
  await db.query(
    `insert into model_backends (model_id, provider_model_id, priority)
     select m.id, pm.id, 0 from models m join provider_models pm on pm.model_id = 'm-00001'
       join providers p on p.id = pm.provider_id
      where p.name <= 'p-' || lpad((1 + (substr(m.name, 8)::int % 3))::text, 6, '0')`,
  );
  await db.query('analyze');
}

(async () => {
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`readState on ${target}; ${os.cpus().length} CPUs, Node ${process.version}, load average ${load}`);
  console.log('| shape | provider models | seed | first read | median warm read | statements per read | target (<= 20 s) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  let ok = true;
  for (const s of shapes) {
    const f = await fresh();
    try {
      const t0 = Date.now();
      await seed(f.db, s);
      const seedMs = Date.now() - t0;
      const times = [];
      const counts = new Set();
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const before = f.db.statementCount();
        const t = process.hrtime.bigint();
        const state = await readState(f.db);
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
        counts.add(f.db.statementCount() - before);
        rows = state.providerModels.length;
      }
      const warm = times.slice(1).sort((a, b) => a - b);
      const median = warm[Math.floor(warm.length / 2)];
      const met = median <= TARGET_MS && counts.size === 1 && counts.has(EXPECTED_STATEMENTS) && rows === s.providers * s.models;
      ok = ok && met;
      console.log(
        `| ${s.providers} x ${s.models} | ${rows.toLocaleString('en')} | ${(seedMs / 1000).toFixed(1)} s | ${times[0].toFixed(0)} ms | ` +
          `${median.toFixed(0)} ms | ${[...counts].join(', ')} | ${met ? 'met' : 'NOT MET'} |`,
      );
    } finally {
      await f.cleanup();
    }
  }
  process.exitCode = ok ? 0 : 1;
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
