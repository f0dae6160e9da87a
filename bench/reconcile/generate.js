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
// --routing N --grants G (issue 15; sizes M+routing and L+routing) add N user-facing models in
// models-NN.yaml, each with 3 backends on custom provider models of 3 different providers
// (even models fallback: priorities 1, 1, 2, weights 300/100/100; odd models weighted
// 600/300/100; every 10th an embedding model on embedding provider models; every 25th with its
// third backend disabled), and G access grants in grants-NN.yaml, spread over the models (each
// model's first three grants to groups, the rest to users; limits on most, every 10th user grant
// with an expiry). With --change F every (1/F)th model gets another weight on its second backend
// and every (1/F)th grant another requestsPerMinute. Without --routing the files are byte for byte
// those of before (S, M, L and XL stay reproducible).
//
//   node bench/reconcile/generate.js --size L [--out DIR] [--files N] [--change 0.01]
//   node bench/reconcile/generate.js --providers 1000 --models 100 [--catalog] [--out DIR]
//   node bench/reconcile/generate.js --size L+routing     (= --size L --routing 1000 --grants 5000)
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
  // Issue 15: the same provider files, plus models with 3 backends each and access grants.
  'M+routing': { providers: 100, models: 50, catalog: false, files: 10, routing: 50, grants: 250 },
  'L+routing': { providers: 1000, models: 100, catalog: false, files: 10, routing: 1000, grants: 5000 },
};

function parseArgs(argv) {
  const o = { out: '', size: '', providers: 0, models: 0, catalog: false, files: 0, change: 0, kinds: '', routing: 0, grants: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
    if (k === 'catalog') o.catalog = true;
    else o[k] = k === 'out' || k === 'size' || k === 'kinds' ? argv[++i] : Number(argv[++i]);
  }
  if (o.size) {
    const s = SIZES[o.size];
    if (!s) throw new Error(`unknown size ${o.size} (${Object.keys(SIZES).join(', ')})`);
    o.kinds = o.kinds || s.kinds || '';
    o.providers = o.providers || s.providers;
    o.models = o.models || s.models;
    o.catalog = o.catalog || s.catalog;
    o.files = o.files || s.files;
    o.routing = o.routing || s.routing || 0;
    o.grants = o.grants || s.grants || 0;
  }
  if (!o.providers) throw new Error('give --size S|M|L|XL or --providers N');
  if (o.routing && (o.models < 10 || o.providers < 3)) throw new Error('--routing needs custom models (--models 10 or more) on 3 or more providers');
  if (o.grants && !o.routing) throw new Error('--grants needs --routing');
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
  const routing = o.routing ? writeRouting(o, files) : { bytes: 0, files: 0, models: 0, backends: 0, grants: 0 };
  return {
    dir: o.out,
    files: files + routing.files,
    bytes: bytes + routing.bytes,
    providers: o.providers,
    models: counter.model || o.providers * o.models,
    routingModels: routing.models,
    backends: routing.backends,
    grants: routing.grants,
  };
}

const pad = (i, w) => String(i).padStart(w, '0');

/** The provider model of model i's backend k: 3 providers apart, of the model's kind (every 10th custom model is an embedding one). */
function backendOf(i, k, o, embedding) {
  const p = (i + k * Math.floor(o.providers / 3)) % o.providers;
  const slot = (i * 7 + k * 3) % Math.floor(o.models / 10);
  const m = embedding ? slot * 10 + 9 : slot * 10 + (i + k) % 9;
  return `bench-${pad(p, 5)}/m-${p}-${pad(m, 3)}`;
}

function routingModelBlock(i, o) {
  const embedding = i % 10 === 5;
  const weighted = i % 2 === 1;
  const weights = weighted ? [600, 300, 100] : [300, 100, 100];
  // The second backend: its provider model is never one --change also changes (at M and L), so
  // the 1% apply makes the same kinds of statements at every size.
  if (changed(i, o)) weights[1] = 150;
  const lines = [
    `  - name: route-${pad(i, 4)}`,
    `    kind: ${embedding ? 'embedding' : 'chat'}`,
    `    description: Bench model ${i}`,
    `    labels: {team: team-${i % 17}}`,
    '    routing:',
    `      strategy: ${weighted ? 'weighted' : 'fallback'}`,
    `      retries: ${i % 3}`,
  ];
  if (!weighted) lines.push('      failoverOn: [rate-limit, server-error, timeout]');
  lines.push('    backends:');
  for (let k = 0; k < 3; k++) {
    lines.push(`      - providerModel: ${backendOf(i, k, o, embedding)}`);
    if (!weighted) lines.push(`        priority: ${k < 2 ? 1 : 2}`);
    lines.push(`        weight: ${weights[k]}`);
    if (k === 2 && i % 25 === 24) lines.push('        status: disabled');
  }
  return lines.join('\n');
}

/** Grant g: on model g % N, the model's (g / N)th grant; the first three to groups, the rest to users. */
function grantBlock(g, o) {
  const i = g % o.routing;
  const s = Math.floor(g / o.routing);
  const subject = s < 3 ? `{group: group-${s}-${i % 20}}` : `{user: u${s}-${i % 50}@bench.example}`;
  const lines = [`  - model: route-${pad(i, 4)}`, `    subject: ${subject}`];
  const rpm = changed(g, o) ? 77 : 60 * (1 + (g % 10));
  if (s === 0) lines.push(`    limits: {requestsPerMinute: ${rpm}, tokensPerDay: ${1000000 * (1 + (i % 5))}}`);
  else if (s === 2) lines.push(`    limits: {requestsPerMinute: ${rpm}, monthlyBudgetUsd: ${100 * (1 + (i % 9))}}`);
  else if (s >= 3 && g % 3 !== 0) lines.push(`    limits: {requestsPerMinute: ${rpm}}`);
  else if (changed(g, o)) lines.push(`    limits: {requestsPerMinute: ${rpm}}`);
  if (s >= 3 && i % 10 === 3) lines.push('    expiresAt: "2027-06-30"');
  return lines.join('\n');
}

function writeRouting(o, providerFiles) {
  const files = Math.min(providerFiles, o.routing);
  const header = '# yaml-language-server: $schema=../../schemas/providers.schema.json\nversion: 1\n';
  let bytes = 0;
  const write = (name, key, blocks) => {
    const text = `${header}${key}:\n${blocks.join('\n')}\n`;
    fs.writeFileSync(path.join(o.out, name), text);
    bytes += Buffer.byteLength(text);
  };
  const perModels = Math.ceil(o.routing / files);
  const perGrants = Math.ceil(o.grants / files);
  for (let f = 0; f < files; f++) {
    const models = [];
    for (let i = f * perModels; i < Math.min(o.routing, (f + 1) * perModels); i++) models.push(routingModelBlock(i, o));
    write(`models-${pad(f, 2)}.yaml`, 'models', models);
    const grants = [];
    for (let g = f * perGrants; g < Math.min(o.grants, (f + 1) * perGrants); g++) grants.push(grantBlock(g, o));
    if (grants.length) write(`grants-${pad(f, 2)}.yaml`, 'accessGrants', grants);
  }
  return { bytes, files: files * (o.grants ? 2 : 1), models: o.routing, backends: o.routing * 3, grants: o.grants };
}

module.exports = { ENV, SIZES, generate, parseArgs, catalogIds };

if (require.main === module) {
  const r = generate(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${r.dir}\n`);
  process.stderr.write(`${r.files} files, ${(r.bytes / 1e6).toFixed(2)} MB, ${r.providers} providers\n`);
}
