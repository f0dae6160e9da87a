#!/usr/bin/env node
// KMS benchmark (issue "Cloud KMS and secret managers"). Not a test. Counts the calls the KMS
// emulator receives (test/support/kms-emulator.ts, run in its own process by
// emulator-server.js, transpiled on the fly with typescript's transpileModule) while the real
// CLI (bin/cvctl.js -> dist/, one child process per command, --kms aws-kms://<alias ARN>)
// runs against a fresh database:
//
//   first apply       N providers into an empty database: N + 1 data keys (the +1 is the
//                     fingerprint key), one DescribeKey
//   no-op plan        target <= 1 KMS call (the fingerprint-key unwrap)
//   no-op apply       target <= 1 KMS call
//   apply k of N      k credentials changed: target k GenerateDataKey, <= 1 Decrypt, <= 1
//                     DescribeKey, nothing for the unchanged rows
//   kek rotate        only when dist/app/kek-rotate.js exists: rotateKek() of R rows from one
//                     AWS key to another, emulator latency L ms, concurrency C, next to the
//                     emulator's ceiling for raw ReEncrypt calls at the same L and C
//                     (rotate.js); target >= 80% of the ceiling
//
//   node bench/kms/run.js [--target postgres|pglite] [--providers 100] [--changes 1,10,100]
//        [--rotate-rows 10000] [--latency-ms 5] [--concurrency 16] [--batch-size 500]
//        [--ceiling-seconds 5] [--no-rotate] [--no-build] [--json FILE]
//        [--admin-url postgres://postgres@127.0.0.1:5432/postgres]
//
// Builds dist/ first (npm run build) unless --no-build. Exit 1 when a
// target is missed. Results: docs/benchmarks-kms.md.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { randomBytes } = require('crypto');
const { ROOT, DIST, AWS_ENV, startEmulator, cvctl, reachable, freshDatabase, machine, tmpDir } = require('./lib');

function parseArgs(argv) {
  const o = {
    target: '',
    providers: 100,
    changes: [1, 10, 100],
    rotateRows: 10000,
    latencyMs: 5,
    concurrency: 16,
    batchSize: 500,
    ceilingSeconds: 5,
    rotate: true,
    build: true,
    json: '',
    adminUrl: process.env.CVCTL_BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const int = () => {
      const v = Number(next());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer`);
      return v;
    };
    if (a === '--target') o.target = next();
    else if (a === '--providers') o.providers = int();
    else if (a === '--changes') o.changes = next().split(',').map(Number);
    else if (a === '--rotate-rows') o.rotateRows = int();
    else if (a === '--latency-ms') o.latencyMs = int();
    else if (a === '--concurrency') o.concurrency = int();
    else if (a === '--batch-size') o.batchSize = int();
    else if (a === '--ceiling-seconds') o.ceilingSeconds = int();
    else if (a === '--no-rotate') o.rotate = false;
    else if (a === '--no-build') o.build = false;
    else if (a === '--json') o.json = next();
    else if (a === '--admin-url') o.adminUrl = next();
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const yamlFor = (n) =>
  `version: 1\nproviders:\n${Array.from(
    { length: n },
    (_, i) => `  - name: p-${i + 1}\n    kind: openai\n    credentials:\n      apiKey: {from: env, name: KEY_${i + 1}}\n`,
  ).join('')}`;

const newKey = () => `sk-proj-${randomBytes(16).toString('hex')}`;

/** Runs one cvctl command; returns what KMS saw during it. Throws when the exit code is not `want`. */
async function measured(emu, label, args, ctx, want = 0) {
  await emu.call('resetStats');
  const r = await cvctl(args, ctx);
  if (r.code !== want) throw new Error(`${label}: exit ${r.code}, expected ${want}\n${r.stderr}`);
  const s = await emu.call('stats');
  return { label, ms: r.ms, kmsCalls: s.total, byOp: s.calls };
}

function check(results, row, ok, target) {
  results.push({ ...row, target, met: ok });
}

async function cliScenarios(emu, o, target) {
  const key = await emu.call('createKey', { description: 'bench KEK' });
  const alias = await emu.call('createAlias', 'alias/cvctl-bench', key.keyId);
  const work = tmpDir('cvctl-bench-kms-');
  const db = await freshDatabase(target, o.adminUrl, work);
  const keys = {};
  for (let i = 1; i <= o.providers; i++) keys[`KEY_${i}`] = newKey();
  fs.mkdirSync(path.join(work, 'repo'));
  fs.writeFileSync(path.join(work, 'repo', 'providers.yaml'), yamlFor(o.providers));
  const ctx = () => ({ cwd: work, env: { ...AWS_ENV, AWS_ENDPOINT_URL_KMS: emu.url, ...keys } });
  const kms = [...db.args, '--kms', `aws-kms://${alias}`];
  const results = [];
  const n = o.providers;
  try {
    const first = await measured(emu, `first apply (${n} providers)`, [...kms, 'apply', 'repo', '--auto-approve'], ctx());
    check(results, first, first.byOp.GenerateDataKey === n + 1 && (first.byOp.DescribeKey || 0) <= 1, `${n + 1} GenerateDataKey, <= 1 DescribeKey`);
    for (let i = 0; i < 3; i++) {
      const plan = await measured(emu, `no-op plan #${i + 1}`, [...kms, 'plan', 'repo', '--detailed-exitcode'], ctx());
      check(results, plan, plan.kmsCalls <= 1, '<= 1 KMS call');
    }
    const noop = await measured(emu, 'no-op apply', [...kms, 'apply', 'repo', '--auto-approve'], ctx());
    check(results, noop, noop.kmsCalls <= 1, '<= 1 KMS call');
    for (const k of o.changes.filter((c) => c >= 1 && c <= n)) {
      // k distinct providers, spread over the file.
      for (let j = 0; j < k; j++) keys[`KEY_${1 + Math.floor((j * n) / k)}`] = newKey();
      const r = await measured(emu, `apply, ${k} of ${n} changed`, [...kms, 'apply', 'repo', '--auto-approve'], ctx());
      const others = Object.entries(r.byOp).filter(([op]) => !['GenerateDataKey', 'Decrypt', 'DescribeKey'].includes(op));
      const ok = r.byOp.GenerateDataKey === k && (r.byOp.Decrypt || 0) <= 1 && (r.byOp.DescribeKey || 0) <= 1 && others.length === 0;
      check(results, r, ok, `${k} GenerateDataKey, <= 1 Decrypt, <= 1 DescribeKey, nothing else`);
    }
  } finally {
    await db.cleanup().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
  return results;
}

function printCli(results) {
  const pad = (s, n) => String(s).padEnd(n);
  process.stdout.write(`\n${pad('run', 30)}${pad('ms', 8)}${pad('KMS calls', 11)}${pad('by operation', 48)}target\n`);
  for (const r of results) {
    const ops = Object.entries(r.byOp).map(([op, c]) => `${op} ${c}`).join(', ') || '-';
    process.stdout.write(`${pad(r.label, 30)}${pad(r.ms, 8)}${pad(r.kmsCalls, 11)}${pad(ops, 48)}${r.target}: ${r.met ? 'met' : 'MISSED'}\n`);
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.build) {
    process.stderr.write('building dist/ (npm run build; --no-build to skip)\n');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  }
  Object.assign(process.env, AWS_ENV); // the in-process SDK clients (rotation, ceiling) read these
  const target = o.target || ((await reachable(o.adminUrl)) ? 'postgres' : 'pglite');
  const emu = await startEmulator();
  const report = { date: new Date().toISOString(), machine: machine(), target, options: o, cli: [], rotate: null };
  try {
    if (target === 'postgres') {
      const { Client } = require('pg');
      const c = new Client({ connectionString: o.adminUrl });
      await c.connect();
      report.machine.postgres = (await c.query('show server_version')).rows[0].server_version;
      await c.end();
    }
    process.stderr.write(`target ${target}, KMS emulator at ${emu.url}\n`);
    report.cli = await cliScenarios(emu, o, target);
    printCli(report.cli);

    const rotateModule = path.join(DIST, 'app', 'kek-rotate.js');
    if (!o.rotate) process.stdout.write('\nkek rotate: skipped (--no-rotate)\n');
    else if (!fs.existsSync(rotateModule)) process.stdout.write('\nkek rotate: skipped (dist/app/kek-rotate.js does not exist)\n');
    else {
      const { benchRotate } = require('./rotate');
      const work = tmpDir('cvctl-bench-kms-rotate-');
      const db = await freshDatabase(target, o.adminUrl, work);
      try {
        process.stderr.write(`kek rotate: seeding ${o.rotateRows} rows, then ceiling and rotation at ${o.latencyMs} ms, concurrency ${o.concurrency}\n`);
        report.rotate = await benchRotate(emu, db, {
          rows: o.rotateRows,
          latencyMs: o.latencyMs,
          concurrency: o.concurrency,
          batchSize: o.batchSize,
          seconds: o.ceilingSeconds,
        });
      } finally {
        await db.cleanup().catch(() => undefined);
        fs.rmSync(work, { recursive: true, force: true });
      }
      const r = report.rotate;
      process.stdout.write(
        `\nkek rotate, ${r.rows} rows AWS key -> AWS key, ${r.latencyMs} ms per KMS call, concurrency ${r.concurrency}, batches of ${r.batchSize}:\n` +
          `  ceiling (raw ReEncrypt, ${r.ceiling.seconds} s, before/after the rotation): ${r.ceiling.before} / ${r.ceiling.after} calls/s\n` +
          `  rotateKek: ${r.rotate.rowsPerSecond} rows/s (${r.rotate.wallMs} ms; KMS calls ${JSON.stringify(r.rotate.kmsCalls)})\n` +
          `  ratio to the higher ceiling ${(r.ratio * 100).toFixed(1)}% (target >= 80%: ${r.targetMet ? 'met' : 'MISSED'})\n`,
      );
    }
  } finally {
    await emu.stop();
  }
  report.loadAverageAtEnd1m = Math.round(require('os').loadavg()[0] * 100) / 100;
  if (o.json) fs.writeFileSync(o.json, JSON.stringify(report, null, 2) + '\n');
  const missed = report.cli.filter((r) => !r.met).length + (report.rotate && !report.rotate.targetMet ? 1 : 0);
  process.stdout.write(`\n${report.date} · ${report.machine.cpu} · load ${report.machine.loadAverage1m}-${report.loadAverageAtEnd1m} · ${report.machine.node} · ${target}${missed ? ` · ${missed} target(s) MISSED` : ' · all targets met'}\n`);
  process.exitCode = missed ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`${(e && e.stack) || e}\n`);
  process.exitCode = 1;
});
