#!/usr/bin/env node
// A/B of the first apply on dataset L (docs/benchmarks-scale.md, issue 13 part 3): builds and
// node flags interleaved round by round (order reversed every other round), each round on a fresh
// migrated database, limits A (js-yaml) and C (COPY) measured in every round next to the first
// variant. Prints medians of wall and of CPU (client + PostgreSQL backend, which machine load
// does not inflate) and their ratios to A + C. Not a test; figures go in the docs.
//
//   node bench/scale/ab-first-apply.js ROUNDS 'LABEL|NODE FLAGS|DIST DIR' ...
//   e.g. node bench/scale/ab-first-apply.js 5 'before||/tmp/old/dist' 'after||' 'semi32|--max-semi-space-size=32|'
//
// An empty DIST DIR is this checkout's dist/ (npm run build first); LABEL is part of a database
// name (letters, digits, _). Data goes to $TMPDIR/cvctl-ab.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ROOT = path.resolve(__dirname, '../..');
const { ENV, SIZES, generate } = require(ROOT + '/bench/reconcile/generate');
const { median, pgAdmin } = require(ROOT + '/bench/lib/pg-admin');
const CHILD = path.join(ROOT, 'bench/reconcile/child.js');
const env = { ...process.env, ...ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
for (const k of ['DATABASE_URL', 'CVCTL_KMS_KEY', 'CVCTL_DATABASE_URL']) delete env[k];
const rounds = Number(process.argv[2]);
const variants = process.argv.slice(3).map((s) => { const [label, flags, dist, extra] = s.split('|'); return { label, flags: flags ? flags.split(' ') : [], dist, extra: extra ? extra.split(' ') : [] }; });
const base = path.join(os.tmpdir(), 'cvctl-ab'); const files = path.join(base, 'L');
if (!fs.existsSync(files)) generate({ ...SIZES.L, out: files });
const { dbUrl, createDb, dropDb, dropAll } = pgAdmin(process.env.CVCTL_BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres', env);
const P = `cvctl_ab_${process.pid}`;
createDb(`${P}_tpl`);
execFileSync(process.execPath, [ROOT + '/bin/cvctl.js', 'db', 'migrate', '--database-url', dbUrl(`${P}_tpl`)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const kms = ['--kms', `local://${path.join(base, 'kek')}`];
const child = (flags, args, dist) => {
  const r = spawnSync(process.execPath, [...flags, CHILD, ...args], { env: { ...env, ...(dist ? { CVCTL_BENCH_DIST: dist } : {}) }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};
const res = {}; const lim = [];
try {
  for (let i = 0; i < rounds; i++) {
    for (const v of (i % 2 ? [...variants].reverse() : variants)) {
      const db = `${P}_${v.label}_${i}`; createDb(db, `${P}_tpl`);
      const r = child(v.flags, ['cvctl', 'apply', files, '--auto-approve', ...v.extra, ...kms, '--database-url', dbUrl(db)], v.dist);
      if (r.code !== 0) throw new Error(JSON.stringify(r).slice(0, 2000));
      (res[v.label] ??= []).push(r);
      process.stderr.write(`${v.label} r${i}: wall ${r.wallMs} cpu ${r.cpuMs} srv ${r.serverCpuMs} rss ${r.maxRssMb} load ${os.loadavg()[0].toFixed(1)}\n`);
      if (v === variants[0]) {
        const a = child([], ['yaml', files]); const c = child([], ['copy', dbUrl(db)]);
        lim.push({ wall: a.wallMs + c.wallMs, cpu: a.cpuMs + c.cpuMs + (c.serverCpuMs || 0) });
        process.stderr.write(`  A+C: wall ${a.wallMs + c.wallMs} cpu ${a.cpuMs}+${c.cpuMs}+${c.serverCpuMs}\n`);
      }
      dropDb(db);
    }
  }
} finally { dropAll(); }
const L = { wall: median(lim.map((x) => x.wall)), cpu: median(lim.map((x) => x.cpu)) };
console.log(`A+C median: wall ${L.wall} cpu(client+server) ${L.cpu}`);
for (const [k, rs] of Object.entries(res)) {
  const w = median(rs.map((r) => r.wallMs)), c = median(rs.map((r) => r.cpuMs + (r.serverCpuMs || 0))), cc = median(rs.map((r) => r.cpuMs));
  console.log(`${k}: wall ${w} (${(w / L.wall).toFixed(2)}x) cpu ${c} = client ${cc} (${(c / L.cpu).toFixed(2)}x) rss max ${Math.max(...rs.map((r) => r.maxRssMb))} phases ${JSON.stringify(Object.fromEntries(Object.entries(rs[rs.length-1].phases||{}).map(([p,x])=>[p,Math.round(x.ms)])))}`);
}
