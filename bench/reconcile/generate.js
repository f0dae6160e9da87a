#!/usr/bin/env node
// Writes a synthetic repository of provider files for the reconcile benchmark.
//
//   S:  10 providers importing the bundled OpenAI catalog (10 x 36 = 360 provider models)
//   M:  100 providers x 50 custom models (5,000 provider models)
//   L:  1,000 providers x 100 custom models (100,000 provider models)
//   XL: 10,000 providers each importing its kind's catalog, over six kinds (openai 36, azure
//       34, bedrock 64, anthropic 6, groq 8, deepseek 2 models: 25 on average, ~250,000)
//
// Custom models carry kind, contextWindow and (every other one) pricing. Providers cycle over
// five kinds, each with its own `from: env` credential (five distinct environment variables,
// see ENV below), and are spread over ~10 files (XL: 100).
//
// --change F (e.g. 0.01) writes the same repository with a fraction F of its rows changed: every
// (1/F)th provider gets another `tier` label, every (1/F)th provider model another
// contextWindow (custom models directly; catalog models through a custom entry overriding it).
// `cvctl apply` of it after the original is the benchmark's "1% change" apply.
//
//   node bench/reconcile/generate.js --size L [--out DIR] [--files N] [--change 0.01]
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
  BENCH_AZURE_API_KEY: 'benchazureAAAAbbbbCCCCddddEEEEffff0006',
  BENCH_AWS_ACCESS_KEY_ID: 'AKIABENCHAAAABBBBCCCC',
  BENCH_AWS_SECRET_ACCESS_KEY: 'benchAwsSecretAAAAbbbbCCCCddddEEEEffff0007',
};

const KINDS = [
  { kind: 'openai-compatible', env: 'BENCH_GATEWAY_API_KEY', config: (p) => [`      baseUrl: https://llm-${p}.internal.example.com/v1`] },
  { kind: 'openai', env: 'BENCH_OPENAI_API_KEY', config: (p) => [`      organization: org-bench-${p % 13}`] },
  { kind: 'anthropic', env: 'BENCH_ANTHROPIC_API_KEY', config: () => [] },
  { kind: 'groq', env: 'BENCH_GROQ_API_KEY', config: () => [] },
  { kind: 'deepseek', env: 'BENCH_DEEPSEEK_API_KEY', config: () => [] },
];

/** The kinds XL cycles over, each importing its bundled catalog. */
const CATALOG_KINDS = [
  KINDS[1],
  {
    kind: 'azure',
    env: 'BENCH_AZURE_API_KEY',
    config: (p) => [`      endpoint: https://bench-${p}.openai.azure.com/`, '      apiVersion: "2024-10-21"'],
  },
  {
    kind: 'bedrock',
    credentials: ['accessKeyId', 'BENCH_AWS_ACCESS_KEY_ID', 'secretAccessKey', 'BENCH_AWS_SECRET_ACCESS_KEY'],
    config: (p) => [`      region: ${['us-east-1', 'eu-central-1', 'us-west-2'][p % 3]}`],
  },
  KINDS[2],
  KINDS[3],
  KINDS[4],
];

const SIZES = {
  S: { providers: 10, models: 0, catalog: true, files: 2 },
  M: { providers: 100, models: 50, catalog: false, files: 10 },
  L: { providers: 1000, models: 100, catalog: false, files: 10 },
  XL: { providers: 10000, models: 0, catalog: true, kinds: 'catalog', files: 100 },
};

function parseArgs(argv) {
  const o = { out: '', size: '', providers: 0, models: 0, catalog: false, files: 0, change: 0, kinds: '' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
    if (k === 'catalog') o.catalog = true;
    else o[k] = k === 'out' || k === 'size' || k === 'kinds' ? argv[++i] : Number(argv[++i]);
  }
  if (o.size) {
    const s = SIZES[o.size];
    if (!s) throw new Error(`unknown size ${o.size} (S, M, L or XL)`);
    o.kinds = o.kinds || s.kinds || '';
    o.providers = o.providers || s.providers;
    o.models = o.models || s.models;
    o.catalog = o.catalog || s.catalog;
    o.files = o.files || s.files;
  }
  if (!o.providers) throw new Error('give --size S|M|L|XL or --providers N');
  o.files = o.files || 10;
  if (!o.out) o.out = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-reconcile-'));
  return o;
}

/** The kind of provider p: XL cycles over the catalog kinds, S is all openai, M and L cycle over five. */
function kindOf(p, o) {
  if (o.kinds === 'catalog') return CATALOG_KINDS[p % CATALOG_KINDS.length];
  return o.catalog ? KINDS[1] : KINDS[p % KINDS.length];
}

/** Whether the row with this index is one of the changed ones (--change F: every (1/F)th). */
function changed(index, o) {
  return o.change > 0 && index % Math.round(1 / o.change) === 0;
}

let catalogCache;
/** Model ids of the bundled catalog per kind (from the files, without loading the product). */
function catalogIds(kind) {
  if (!catalogCache) {
    const yaml = require('js-yaml');
    catalogCache = new Map();
    const dir = path.resolve(__dirname, '../../catalog');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      const doc = yaml.load(fs.readFileSync(path.join(dir, f), 'utf8'));
      catalogCache.set(f.replace(/\.yaml$/, ''), (doc.models || []).map((m) => m.id));
    }
  }
  return catalogCache.get(kind) || [];
}

function providerBlock(p, o, counter) {
  const k = kindOf(p, o);
  const config = k.config(p);
  const tier = changed(p, o) ? 'changed' : `${p % 3}`;
  const lines = [
    `  - name: bench-${String(p).padStart(5, '0')}`,
    `    kind: ${k.kind}`,
    `    labels: {team: team-${p % 17}, tier: "${tier}"}`,
  ];
  if (config.length) lines.push('    config:', ...config);
  const creds = k.credentials || ['apiKey', k.env];
  lines.push('    credentials:');
  for (let i = 0; i < creds.length; i += 2) lines.push(`      ${creds[i]}:`, '        from: env', `        name: ${creds[i + 1]}`);
  lines.push('    models:');
  if (o.catalog) {
    lines.push(`      catalog: "${CATALOG_VERSION}"`);
    // Overrides of the changed catalog models: a custom entry with the catalog model's id.
    const overrides = catalogIds(k.kind).filter(() => changed(counter.model++, o));
    if (overrides.length) {
      lines.push('      custom:');
      for (const id of overrides) lines.push(`        - id: ${JSON.stringify(id)}`, '          contextWindow: 4096');
    }
  }
  if (o.models > 0) lines.push('      custom:');
  for (let m = 0; m < o.models; m++) {
    const window = changed(counter.model++, o) ? 4096 : 8192 * (1 + (m % 16));
    lines.push(
      `        - id: m-${p}-${String(m).padStart(3, '0')}`,
      `          kind: ${m % 10 === 9 ? 'embedding' : 'chat'}`,
      `          contextWindow: ${window}`,
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
  const counter = { model: 0 };
  for (let f = 0; f < files; f++) {
    const blocks = [];
    for (let p = f * per; p < Math.min(o.providers, (f + 1) * per); p++) blocks.push(providerBlock(p, o, counter));
    // Two documents per file when there is room, to exercise multi-document files.
    const half = Math.ceil(blocks.length / 2);
    const docs = blocks.length > 1 ? [blocks.slice(0, half), blocks.slice(half)] : [blocks];
    const text =
      '# yaml-language-server: $schema=../../schemas/providers.schema.json\n' +
      docs.map((d) => `version: 1\nproviders:\n${d.join('\n')}\n`).join('---\n');
    fs.writeFileSync(path.join(o.out, `providers-${String(f).padStart(2, '0')}.yaml`), text);
    bytes += Buffer.byteLength(text);
  }
  return { dir: o.out, files, bytes, providers: o.providers, models: counter.model || o.providers * o.models };
}

module.exports = { ENV, SIZES, generate, parseArgs, catalogIds };

if (require.main === module) {
  const r = generate(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${r.dir}\n`);
  process.stderr.write(`${r.files} files, ${(r.bytes / 1e6).toFixed(2)} MB, ${r.providers} providers\n`);
}
