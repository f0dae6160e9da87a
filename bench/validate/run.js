#!/usr/bin/env node
// Validate benchmark (not a test): MB/s and peak RSS of the validator on a generated
// repository of 1,000 providers x 100 custom models (~10 MB), against the fastest plain
// parse of the same files, plus a variant with ~100 diagnostics to show what recovering
// exact positions costs. Each measurement runs in a fresh child process, RUNS times; the
// median is reported.
//
//   node bench/validate/run.js [--runs 5] [--no-build] [--with-yaml-document] [--keep]
//
// Builds dist/ first (npm run build) unless --no-build.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function generate(out, errors, files = 100) {
  const argv = [path.join(__dirname, 'generate.js'), '--out', out, '--errors', String(errors), '--files', String(files)];
  execFileSync(process.execPath, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
}

function measure(mode, repo) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const line = execFileSync(process.execPath, [path.join(__dirname, 'child.js'), mode, repo], { cwd: ROOT, encoding: 'utf8' });
    results.push(JSON.parse(line));
  }
  const r = results[0];
  const wallMs = median(results.map((x) => x.wallMs));
  const cpuMs = median(results.map((x) => x.cpuMs));
  return {
    ...r,
    wallMs,
    cpuMs,
    maxRssMb: Math.max(...results.map((x) => x.maxRssMb)),
    mbPerSecWall: r.bytes / 1e6 / (wallMs / 1000),
    mbPerSecCpu: r.bytes / 1e6 / (cpuMs / 1000),
  };
}

function row(label, m) {
  const extra = m.mode === 'loadConfig' ? ` | ${m.diagnostics} diagnostics, ${m.providers} providers, ${m.models} models` : '';
  return `| ${label} | ${(m.bytes / 1e6).toFixed(1)} MB, ${m.files} files | ${m.wallMs} ms | ${m.mbPerSecWall.toFixed(1)} | ${m.mbPerSecCpu.toFixed(1)} | ${m.maxRssMb} MB${extra} |`;
}

function main() {
  if (!flag('--no-build')) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-bench-'));
  const clean = path.join(base, 'clean');
  const broken = path.join(base, 'errors');
  const single = path.join(base, 'single');
  generate(clean, 0);
  generate(broken, 100);
  generate(single, 100, 1);
  const lines = [
    `machine: ${os.cpus().length} CPUs (nproc ${os.availableParallelism ? os.availableParallelism() : os.cpus().length}), ${os.cpus()[0].model}, node ${process.version}, ${new Date().toISOString().slice(0, 10)}, median of ${runs} runs`,
    '',
    '| run | input | wall | MB/s (wall) | MB/s (CPU) | peak RSS |',
    '| --- | --- | --- | --- | --- | --- |',
    row('js-yaml 5 `loadAll` (plain parse, no checks)', measure('js-yaml-load', clean)),
    row('js-yaml 5 `parseEvents` (events only)', measure('js-yaml-events', clean)),
  ];
  if (flag('--with-yaml-document')) lines.push(row('`yaml` `parseAllDocuments` + LineCounter', measure('yaml-document', clean)));
  const ok = measure('loadConfig', clean);
  const bad = measure('loadConfig', broken);
  const one = measure('loadConfig', single);
  lines.push(
    row('`loadConfig`, valid repository', ok),
    row('`loadConfig`, ~100 diagnostics', bad),
    row('js-yaml 5 `loadAll`, one 10 MB file', measure('js-yaml-load', single)),
    row('`loadConfig`, one 10 MB file, ~100 diagnostics', one),
  );
  lines.push('', `catalog load (once per process, not in the figures above): ${ok.catalogLoadMs} ms`);
  if (!bad.positioned || !one.positioned) lines.push('WARNING: some diagnostics lack a position');
  process.stdout.write(lines.join('\n') + '\n');
  if (!flag('--keep')) fs.rmSync(base, { recursive: true, force: true });
  else process.stdout.write(`repositories kept in ${base}\n`);
}

main();
