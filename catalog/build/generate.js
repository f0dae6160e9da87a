#!/usr/bin/env node
'use strict';
// Builds catalog/<kind>.yaml from LiteLLM's price file and the selection in selection.js.
//
//   node catalog/build/generate.js <model-prices.json> [--check]
//
// <model-prices.json> is the reduced LiteLLM file (fields id, mode, max_input_tokens,
// input_per_mtok, output_per_mtok, deprecation_date, grouped under "providers"), as taken
// from the RoCry/llm-api-price mirror named in each YAML header. The path may also come from
// CATALOG_SOURCE. --check writes nothing and exits 1 when a committed file differs from what
// this script would write (for CI: the YAML files must not be edited by hand).
//
// The script refuses, rather than silently drops, anything suspicious: a selected id missing
// from the source, a duplicate id, an unknown mode, a missing price, an implausible price, or a
// model the vendor retires before RETIREMENT_HORIZON. Fix the selection, not the output.

const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const { SELECTION, RETIREMENT_HORIZON } = require('./selection');

const CATALOG_VERSION = '2026.04.15';
const CATALOG_DATE = '2026-04-15';
const OUT_DIR = path.resolve(__dirname, '..');

// Above these a per-1M price is almost certainly a unit error in the source (the known
// embed-multilingual-light-v3.0 row says $100). o1-pro's $600 output is the real maximum.
const MAX_PRICE = { chat: 1000, embedding: 5 };

function fail(msg) {
  throw new Error(`generate: ${msg}`);
}

function modelKind(mode, src) {
  if (mode === 'chat' || mode === 'responses') return 'chat';
  if (mode === 'embedding') return 'embedding';
  return fail(`${src}: unsupported mode ${JSON.stringify(mode)}`);
}

function stripPrefix(id, prefix) {
  return prefix && id.startsWith(prefix) ? id.slice(prefix.length) : id;
}

/** Resolves one selection entry against its bucket; returns the catalog model plus notes. */
function buildModel(kind, spec, byId, sel) {
  const entry = typeof spec === 'string' ? { src: spec } : spec;
  const row = byId.get(entry.src);
  if (!row) fail(`${kind}: ${entry.src} is not in the source bucket ${sel.bucket}`);
  const id = entry.id ?? stripPrefix(entry.src, sel.prefix);
  const mk = modelKind(row.mode, entry.src);

  if (row.deprecation_date && row.deprecation_date <= RETIREMENT_HORIZON && !entry.keepDeprecated) {
    fail(`${kind}: ${entry.src} retires ${row.deprecation_date} (horizon ${RETIREMENT_HORIZON}); ` +
      'drop it or give keepDeprecated a reason');
  }

  let pricing = entry.pricing ?? null;
  if (!pricing) {
    if (typeof row.input_per_mtok !== 'number' || typeof row.output_per_mtok !== 'number') {
      fail(`${kind}: ${entry.src} has no price in the source; correct it in selection.js or leave it out`);
    }
    pricing = { inputPerMTok: row.input_per_mtok, outputPerMTok: row.output_per_mtok };
  }
  for (const [k, v] of Object.entries(pricing)) {
    if (!(v >= 0) || v > MAX_PRICE[mk]) fail(`${kind}: ${entry.src} ${k}=${v} is implausible for a ${mk} model`);
  }

  const contextWindow = entry.contextWindow ?? row.max_input_tokens ?? null;
  if (contextWindow !== null && !(Number.isInteger(contextWindow) && contextWindow > 0)) {
    fail(`${kind}: ${entry.src} context window ${contextWindow} is not a positive integer`);
  }

  const notes = [];
  if (entry.why) notes.push(`${entry.id ? 'derived' : 'corrected'}: ${entry.why}`);
  if (entry.keepDeprecated) notes.push(`kept despite retirement date ${row.deprecation_date}: ${entry.keepDeprecated}`);
  return { model: { id, kind: mk, contextWindow, pricing }, notes };
}

/** A YAML scalar for a string: plain when it reads back as the same string, quoted otherwise. */
function yamlString(s) {
  if (/^[A-Za-z0-9][A-Za-z0-9._/@:+-]*$/.test(s) && !/:$/.test(s)) {
    try {
      if (YAML.parse(s) === s) return s;
    } catch {
      /* fall through to quoting */
    }
  }
  return JSON.stringify(s);
}

const WIDTH = 100;

/** Comment lines for text, each source line word-wrapped; continuations indented 2 more. */
function wrapComment(text, indent = '') {
  const out = [];
  for (const line of text.split('\n')) {
    const lead = line.match(/^ */)[0];
    let cur = `${indent}# ${lead}`;
    let empty = true;
    for (const word of line.trim().split(/\s+/)) {
      if (!empty && cur.length + 1 + word.length > WIDTH) {
        out.push(cur);
        cur = `${indent}# ${lead}  ${word}`;
      } else {
        cur += (empty ? '' : ' ') + word;
      }
      empty = false;
    }
    out.push(cur.trimEnd());
  }
  return out;
}

function renderFile(kind, sel, models, meta) {
  const lines = [];
  lines.push(`# Bundled CodeVector catalog: kind ${kind}, version ${CATALOG_VERSION}`);
  lines.push(`# (chat and embedding models current on ${CATALOG_DATE}).`);
  lines.push('#');
  lines.push('# Source: LiteLLM model_prices_and_context_window.json (BerriAI/litellm), as mirrored at');
  lines.push(`#   ${meta.source}`);
  lines.push(`#   (mirror commit of ${meta.commit_date}).`);
  lines.push('# contextWindow is the maximum number of input tokens; pricing is USD per 1M tokens, base tier');
  lines.push('#   (no caching, batch or long-context surcharges).');
  lines.push('# Generated by catalog/build/generate.js from catalog/build/selection.js: change those and');
  lines.push('#   re-run it; do not edit this file by hand.');
  if (sel.notes.length) {
    lines.push('#');
    for (const note of sel.notes) lines.push(...wrapComment(note));
  }
  const corrections = models.filter((m) => m.notes.length);
  lines.push('#');
  if (corrections.length) {
    lines.push('# Corrections and derived entries (also noted at each entry):');
    for (const c of corrections) for (const n of c.notes) lines.push(...wrapComment(`  ${c.model.id}: ${n}`));
  } else {
    lines.push('# Corrections to the source: none.');
  }
  if (sel.excluded.length) {
    lines.push('#');
    lines.push('# Left out on purpose:');
    // selection.js writes the list as flowing text, items separated by semicolons.
    const items = sel.excluded.join(' ').replace(/\.$/, '').split(/;\s+/);
    for (const item of items) lines.push(...wrapComment(`  - ${item}`));
  }
  lines.push(`kind: ${kind}`);
  lines.push(`version: "${CATALOG_VERSION}"`);
  if (!models.length) {
    lines.push('models: []');
    return lines.join('\n') + '\n';
  }
  lines.push('models:');
  for (const { model: m, notes } of models) {
    for (const n of notes) lines.push(...wrapComment(n, '  '));
    lines.push(`  - id: ${yamlString(m.id)}`);
    lines.push(`    kind: ${m.kind}`);
    lines.push(`    contextWindow: ${m.contextWindow === null ? 'null' : m.contextWindow}`);
    lines.push(
      m.pricing === null
        ? '    pricing: null'
        : `    pricing: {inputPerMTok: ${m.pricing.inputPerMTok}, outputPerMTok: ${m.pricing.outputPerMTok}}`,
    );
  }
  return lines.join('\n') + '\n';
}

function generate(sourcePath) {
  const data = JSON.parse(fs.readFileSync(sourcePath, 'utf8'));
  if (!data.providers || typeof data.providers !== 'object') fail(`${sourcePath}: no "providers" object`);
  const meta = { source: data.source ?? '(unknown)', commit_date: data.commit_date ?? '(unknown)' };
  const files = new Map();
  for (const [kind, sel] of Object.entries(SELECTION)) {
    const bucket = sel.bucket ? data.providers[sel.bucket] : [];
    if (!Array.isArray(bucket)) fail(`${kind}: source has no bucket ${sel.bucket}`);
    const byId = new Map(bucket.map((r) => [r.id, r]));
    const built = sel.models.map((spec) => buildModel(kind, spec, byId, sel));
    const seen = new Set();
    for (const b of built) {
      if (seen.has(b.model.id)) fail(`${kind}: id ${b.model.id} selected twice`);
      seen.add(b.model.id);
    }
    files.set(`${kind}.yaml`, { text: renderFile(kind, sel, built, meta), count: built.length });
  }
  return files;
}

function main(argv) {
  const check = argv.includes('--check');
  const sourcePath = argv.find((a) => !a.startsWith('--')) ?? process.env.CATALOG_SOURCE;
  if (!sourcePath) {
    process.stderr.write('usage: node catalog/build/generate.js <model-prices.json> [--check]\n');
    return 2;
  }
  const files = generate(sourcePath);
  let stale = 0;
  for (const [name, { text, count }] of files) {
    const target = path.join(OUT_DIR, name);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (check) {
      if (current !== text) {
        stale++;
        process.stderr.write(`catalog/${name} is out of date\n`);
      }
    } else {
      fs.writeFileSync(target, text);
      process.stdout.write(`catalog/${name}: ${count} models\n`);
    }
  }
  return stale ? 1 : 0;
}

module.exports = { generate };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}
