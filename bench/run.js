#!/usr/bin/env node
// `npm run bench`: the scale benchmark (bench/scale) on PostgreSQL, then on the embedded
// database: one table each, for S, M, L and XL, written to bench/RESULTS.md. PostgreSQL is
// skipped (said so) when it is not reachable.
//
//   npm run bench                              scale, both targets, written to bench/RESULTS.md
//   npm run bench -- --runs 1 --sizes S,M      arguments after -- go to each benchmark
//   npm run bench -- --only validate,reconcile,kms,scale
//                                              pick benchmarks: validate (MB/s of the validator),
//                                              reconcile (plan/apply against more limits),
//                                              kms (KMS call counts, rotation), scale (the default),
//                                              embedded (first run on the embedded database)
//   npm run bench -- --targets pglite          only one target of the scale benchmark
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const argv = process.argv.slice(2);
function take(name, fallback) {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const v = argv[at + 1];
  argv.splice(at, 2);
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}
const only = take('--only', ['scale']);
const targets = take('--targets', ['postgres', 'pglite']);

function postgresReachable() {
  const url = new URL(process.env.CVCTL_BENCH_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const probe = `const s=require('net').connect(${Number(url.port || 5432)}, ${JSON.stringify(url.hostname)});
    s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000);`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

// Build once here (tsc and the precompiled schema validator); each benchmark is told not to rebuild.
execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
for (const name of only) {
  const script = path.join(__dirname, name, 'run.js');
  if (name === 'scale') {
    for (const target of targets) {
      process.stdout.write(`\n## bench/scale on ${target}\n\n`);
      if (target === 'postgres' && !postgresReachable()) {
        process.stdout.write('PostgreSQL is not reachable (set CVCTL_BENCH_ADMIN_URL): skipped.\n');
        continue;
      }
      execFileSync(process.execPath, [script, '--no-build', '--write', '--target', target, ...argv], { stdio: 'inherit' });
    }
    continue;
  }
  const extra = name === 'kms' ? [] : ['--no-build'];
  process.stdout.write(`\n## bench/${name}\n\n`);
  execFileSync(process.execPath, [script, ...extra, ...argv], { stdio: 'inherit' });
}
