#!/usr/bin/env node
// `npm run bench`: the three benchmarks in turn, each printing its own table (and writing
// its figures as documented in docs/benchmarks-*.md). Arguments after `--` are passed to
// each: `npm run bench -- --runs 1`. `--only validate,reconcile,kms` picks some.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const argv = process.argv.slice(2);
const onlyAt = argv.indexOf('--only');
const only = onlyAt >= 0 ? argv[onlyAt + 1].split(',') : ['validate', 'reconcile', 'kms'];
const passthrough = onlyAt >= 0 ? argv.filter((_, i) => i !== onlyAt && i !== onlyAt + 1) : argv;

// Build once here; each benchmark is told not to rebuild where it supports that.
execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
for (const name of only) {
  const script = path.join(__dirname, name, 'run.js');
  const extra = name === 'kms' ? [] : ['--no-build'];
  process.stdout.write(`\n## bench/${name}\n\n`);
  execFileSync(process.execPath, [script, ...extra, ...passthrough], { stdio: 'inherit' });
}
