#!/usr/bin/env node
// The embedded database's first run, as a new user meets it (README's try-it command):
//   first `cvctl apply examples/basic --auto-approve` in a folder with no .cvctl/ (makes the
//   database, the local KEK, applies 1 provider and 36 models), then a no-op `cvctl plan`.
// Each command is a whole process (`node bin/cvctl.js`, node start-up included), timed from
// spawn to exit; CPU (user + sys) and peak RSS come from the process itself (rusage.js).
// Targets (issue 13): first apply ≤ 1.0 s and ≤ 300 MB; no-op plan ≤ 0.6 s and ≤ 250 MB.
//
//   node bench/embedded/run.js [--runs 5] [--root DIR ...] [--json out.json]
//   npm run bench -- --only embedded
//
// Several --root (checkouts of cvctl, each built) are measured round-robin in the same run, so
// a before/after comparison sees the same machine load. Default: this checkout.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const argv = process.argv.slice(2);
const roots = [];
let runs = 5;
let jsonOut = null;
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') runs = Number(argv[++i]);
  else if (argv[i] === '--root') roots.push(path.resolve(argv[++i]));
  else if (argv[i] === '--json') jsonOut = argv[++i];
  else if (argv[i] === '--no-build') continue; // from bench/run.js: this benchmark never builds (run `npm run build`)
  else throw new Error(`unknown argument ${argv[i]}`);
}
if (!roots.length) roots.push(ROOT);

const RUSAGE = path.join(__dirname, 'rusage.js');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function measure(root, cwd, args) {
  const out = path.join(cwd, `rusage-${process.hrtime.bigint()}.json`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', RUSAGE, path.join(root, 'bin', 'cvctl.js'), ...args], {
    cwd,
    env: { ...process.env, OPENAI_API_KEY: 'sk-test-123', CVCTL_BENCH_RUSAGE: out, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`cvctl ${args.join(' ')} in ${root} exited ${r.status}: ${r.stderr}`);
  const u = JSON.parse(fs.readFileSync(out, 'utf8'));
  fs.rmSync(out);
  return { wallMs, cpuMs: u.userMs + u.sysMs, maxRssMb: u.maxRssMb, stdout: r.stdout };
}

function round(root) {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-bench-embedded-'));
  try {
    fs.cpSync(path.join(ROOT, 'examples', 'basic'), path.join(cwd, 'basic'), { recursive: true });
    const apply = measure(root, cwd, ['apply', 'basic', '--auto-approve']);
    const plan = measure(root, cwd, ['plan', 'basic', '--detailed-exitcode']);
    return { apply, plan };
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

const results = new Map(roots.map((r) => [r, { apply: [], plan: [] }]));
for (let i = 0; i < runs; i++) {
  for (const root of roots) {
    const r = round(root);
    results.get(root).apply.push(r.apply);
    results.get(root).plan.push(r.plan);
    process.stderr.write(
      `round ${i + 1} ${path.basename(root)}: apply ${r.apply.wallMs.toFixed(0)} ms / ${r.apply.cpuMs.toFixed(0)} ms CPU / ${r.apply.maxRssMb.toFixed(0)} MB; ` +
        `plan ${r.plan.wallMs.toFixed(0)} ms / ${r.plan.cpuMs.toFixed(0)} ms CPU / ${r.plan.maxRssMb.toFixed(0)} MB\n`,
    );
  }
}

const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const summary = [];
console.log(`\nEmbedded first run, examples/basic; median of ${runs}; ${os.cpus().length} CPUs, load average ${load}, node ${process.version}\n`);
console.log('| build | first apply: wall | CPU | peak RSS | no-op plan: wall | CPU | peak RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [root, r] of results) {
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const row = {
    root,
    apply: { wallMs: m(r.apply, 'wallMs'), cpuMs: m(r.apply, 'cpuMs'), maxRssMb: Math.max(...r.apply.map((x) => x.maxRssMb)) },
    plan: { wallMs: m(r.plan, 'wallMs'), cpuMs: m(r.plan, 'cpuMs'), maxRssMb: Math.max(...r.plan.map((x) => x.maxRssMb)) },
  };
  summary.push(row);
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `| ${path.relative(process.cwd(), root) || '.'} | ${s(row.apply.wallMs)} | ${s(row.apply.cpuMs)} | ${row.apply.maxRssMb.toFixed(0)} MB | ` +
      `${s(row.plan.wallMs)} | ${s(row.plan.cpuMs)} | ${row.plan.maxRssMb.toFixed(0)} MB |`,
  );
}
console.log('\nTargets: first apply ≤ 1.0 s, ≤ 300 MB; no-op plan ≤ 0.6 s, ≤ 250 MB (peak RSS is the maximum over the rounds).');
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ runs, load, results: summary }, null, 2));
