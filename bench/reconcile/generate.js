#!/usr/bin/env node
// Writes a synthetic repository of provider files for the reconcile benchmark.
//
//   S: 10 providers importing the bundled OpenAI catalog (10 x 36 = 360 provider models)
//   M: 100 providers x 50 custom models (5,000 provider models)
//   L: 1,000 providers x 100 custom models (100,000 provider models)
//
// Custom models carry kind, contextWindow and (every other one) pricing. Providers cycle over
// five kinds, each with its own `from: env` credential (five distinct environment variables,
// see ENV below), and are spread over ~10 files.
//
//   node bench/reconcile/generate.js --size L [--out DIR] [--files N]
//   node bench/reconcile/generate.js --providers 1000 --models 100 [--catalog] [--out DIR]
//
// Prints the output directory. Deterministic: same arguments, same bytes.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const CATALOG_VERSION = '2026.04.15';

/** The environment the generated files reference (the benchmark sets these). */
const ENV = {
  BENCH_OPENAI_API_KEY: 'sk-proj-benchAAAAbbbbCCCCddddEEEEffff0001',
  BENCH_ANTHROPIC_API_KEY: 'sk-ant-api03-benchAAAAbbbbCCCCddddEEEEffff0002',
  BENCH_GROQ_API_KEY: 'gsk_benchAAAAbbbbCCCCddddEEEEffff0003',
  BENCH_DEEPSEEK_API_KEY: 'sk-benchAAAAbbbbCCCCddddEEEEffff0004',
  BENCH_GATEWAY_API_KEY: 'tgp_v1_benchAAAAbbbbCCCCddddEEEEffff0005',
};

const KINDS = [
  { kind: 'openai-compatible', env: 'BENCH_GATEWAY_API_KEY', config: (p) => [`      baseUrl: https://llm-${p}.internal.example.com/v1`] },
  { kind: 'openai', env: 'BENCH_OPENAI_API_KEY', config: (p) => [`      organization: org-bench-${p % 13}`] },
  { kind: 'anthropic', env: 'BENCH_ANTHROPIC_API_KEY', config: () => [] },
  { kind: 'groq', env: 'BENCH_GROQ_API_KEY', config: () => [] },
  { kind: 'deepseek', env: 'BENCH_DEEPSEEK_API_KEY', config: () => [] },
];

const SIZES = {
  S: { providers: 10, models: 0, catalog: true, files: 2 },
  M: { providers: 100, models: 50, catalog: false, files: 10 },
  L: { providers: 1000, models: 100, catalog: false, files: 10 },
};

function parseArgs(argv) {
  const o = { out: '', size: '', providers: 0, models: 0, catalog: false, files: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
    if (k === 'catalog') o.catalog = true;
    else o[k] = k === 'out' || k === 'size' ? argv[++i] : Number(argv[++i]);
  }
  if (o.size) {
    const s = SIZES[o.size];
    if (!s) throw new Error(`unknown size ${o.size} (S, M or L)`);
    o.providers = o.providers || s.providers;
    o.models = o.models || s.models;
    o.catalog = o.catalog || s.catalog;
    o.files = o.files || s.files;
  }
  if (!o.providers) throw new Error('give --size S|M|L or --providers N');
  o.files = o.files || 10;
  if (!o.out) o.out = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-reconcile-'));
  return o;
}

function providerBlock(p, o) {
  const k = o.catalog ? KINDS[1] : KINDS[p % KINDS.length];
  const config = k.config(p);
  const lines = [
    `  - name: bench-${String(p).padStart(4, '0')}`,
    `    kind: ${k.kind}`,
    `    labels: {team: team-${p % 17}, tier: "${p % 3}"}`,
  ];
  if (config.length) lines.push('    config:', ...config);
  lines.push('    credentials:', '      apiKey:', '        from: env', `        name: ${k.env}`, '    models:');
  if (o.catalog) lines.push(`      catalog: "${CATALOG_VERSION}"`);
  if (o.models > 0) lines.push('      custom:');
  for (let m = 0; m < o.models; m++) {
    lines.push(
      `        - id: m-${p}-${String(m).padStart(3, '0')}`,
      `          kind: ${m % 10 === 9 ? 'embedding' : 'chat'}`,
      `          contextWindow: ${8192 * (1 + (m % 16))}`,
    );
    if (m % 2 === 0) lines.push(`          pricing: {inputPerMTok: ${((m % 7) / 10 + 0.1).toFixed(1)}, outputPerMTok: ${(m % 5) + 0.5}}`);
  }
  return lines.join('\n');
}

function generate(o) {
  fs.mkdirSync(o.out, { recursive: true });
  for (const f of fs.readdirSync(o.out)) if (/\.ya?ml$/.test(f)) fs.unlinkSync(path.join(o.out, f));
  const files = Math.min(o.files, o.providers);
  const per = Math.ceil(o.providers / files);
  let bytes = 0;
  for (let f = 0; f < files; f++) {
    const blocks = [];
    for (let p = f * per; p < Math.min(o.providers, (f + 1) * per); p++) blocks.push(providerBlock(p, o));
    // Two documents per file when there is room, to exercise multi-document files.
    const half = Math.ceil(blocks.length / 2);
    const docs = blocks.length > 1 ? [blocks.slice(0, half), blocks.slice(half)] : [blocks];
    const text =
      '# yaml-language-server: $schema=../../schemas/providers.schema.json\n' +
      docs.map((d) => `version: 1\nproviders:\n${d.join('\n')}\n`).join('---\n');
    fs.writeFileSync(path.join(o.out, `providers-${String(f).padStart(2, '0')}.yaml`), text);
    bytes += Buffer.byteLength(text);
  }
  return { dir: o.out, files, bytes, providers: o.providers };
}

module.exports = { ENV, SIZES, generate, parseArgs };

if (require.main === module) {
  const r = generate(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${r.dir}\n`);
  process.stderr.write(`${r.files} files, ${(r.bytes / 1e6).toFixed(2)} MB, ${r.providers} providers\n`);
}
