#!/usr/bin/env node
'use strict';
// Generates the reference part of docs/file-format.md from schemas/providers.schema.json, the
// single source of truth of the file format: every property with its path, type, whether it
// is required, default, description and constraints (enum, const, pattern, lengths, ranges,
// format), per provider kind (config + credentials) and per secret source.
//
//   node docs/gen/file-format.js           rewrite docs/file-format.md between the markers
//   node docs/gen/file-format.js --check   exit 1 when the committed doc is out of date
//
// test/docs/file-format.test.ts regenerates it in memory and fails when the doc and the
// schema disagree. Plain Node, no dependencies.
const fs = require('fs');
const path = require('path');
const { replaceGenerated, cell, code, text, runMain } = require('./markers');

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA_PATH = path.join(ROOT, 'schemas', 'providers.schema.json');
const DOC_PATH = path.join(ROOT, 'docs', 'file-format.md');
const NAME = 'file-format';

function loadSchema() {
  return JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
}

/** Renders the generated section for a schema. */
function render(schema) {
  const defs = schema.$defs || {};
  const deref = (node) => {
    if (node && typeof node.$ref === 'string') {
      const m = /^#\/\$defs\/(.+)$/.exec(node.$ref);
      if (!m || !defs[m[1]]) throw new Error(`unsupported or dangling $ref ${node.$ref}`);
      const { $ref: _r, ...own } = node;
      // The referring node's own title/description win over the definition's.
      return { ...deref(defs[m[1]]), ...own, $refName: m[1] };
    }
    return node;
  };
  const def = (name) => {
    if (!defs[name]) throw new Error(`schema has no $defs/${name}`);
    return defs[name];
  };
  const anchor = (s) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9 -]/g, '')
      .trim()
      .replace(/ /g, '-');

  // --- one property -> one table row --------------------------------------------------------
  function typeOf(n) {
    if (n.$refName === 'secretRef') return '[secret reference](#secret-references)';
    if (n.const !== undefined) return `${typeof n.const === 'number' ? 'integer' : typeof n.const} (const)`;
    if (n.enum) return 'enum';
    if (n.type === 'array') {
      const items = n.items ? deref(n.items) : {};
      if (items.$refName && items.type === 'object') return `list of [${items.title || items.$refName}](#${anchor(items.title || items.$refName)})`;
      return `list of ${items.type || (items.enum ? 'enum' : 'any')}`;
    }
    if (n.type === 'object' && n.$refName && sectionDefs.has(n.$refName)) {
      const t = n.$refName === 'pricing' ? 'Pricing' : defs[n.$refName].title;
      return `object ([${t}](#${anchor(t)}))`;
    }
    if (n.type === 'object' && n.additionalProperties && typeof n.additionalProperties === 'object') {
      return `map of string → ${deref(n.additionalProperties).type || 'any'}`;
    }
    if (Array.isArray(n.type)) return n.type.join(' \\| ');
    return n.type || 'object (per kind)';
  }

  function constraints(n) {
    const out = [];
    if (n.const !== undefined) out.push(`must be ${code(JSON.stringify(n.const))}`);
    if (n.enum) out.push(`one of ${n.enum.map((v) => code(v)).join(', ')}`);
    if (n.format) out.push(`format ${code(n.format)}`);
    if (n.pattern) out.push(`pattern ${code(n.pattern)}`);
    if (n.minLength !== undefined || n.maxLength !== undefined) out.push(range('length', n.minLength, n.maxLength));
    if (n.minimum !== undefined || n.maximum !== undefined) out.push(range('value', n.minimum, n.maximum));
    if (n.minItems !== undefined || n.maxItems !== undefined) out.push(range('items', n.minItems, n.maxItems));
    if (n.uniqueItems) out.push('unique items');
    if (n.maxProperties !== undefined) out.push(`at most ${n.maxProperties} entries`);
    if (n.propertyNames && n.propertyNames.pattern) out.push(`keys match ${code(n.propertyNames.pattern)}`);
    if (n.propertyNames && n.propertyNames.maxLength !== undefined) out.push(`keys at most ${n.propertyNames.maxLength} characters`);
    if (n.additionalProperties && typeof n.additionalProperties === 'object') {
      const v = deref(n.additionalProperties);
      const inner = [];
      if (v.pattern) inner.push(`pattern ${code(v.pattern)}`);
      if (v.minLength !== undefined || v.maxLength !== undefined) inner.push(range('length', v.minLength, v.maxLength));
      if (inner.length) out.push(`values: ${inner.join(', ')}`);
    }
    if (n.items) {
      const items = deref(n.items);
      if ((items.$refName && items.type !== 'object') || items.enum) {
        const inner = constraints(items);
        if (inner.length) out.push(`each item: ${inner.join(', ')}`);
      }
    }
    if (n.examples) out.push(`e.g. ${n.examples.map((e) => code(JSON.stringify(e))).join(', ')}`);
    return out;
  }

  function range(what, min, max) {
    if (min !== undefined && max !== undefined) return `${what} ${min}–${max}`;
    if (min !== undefined) return `${what} ≥ ${min}`;
    return `${what} ≤ ${max}`;
  }

  function row(pathName, node, required) {
    const n = deref(node);
    const desc = [text(n.description || n.title || ''), ...constraints(n).map((c) => `${c}.`)].filter(Boolean).join(' ');
    const dflt = n.default === undefined ? '' : code(JSON.stringify(n.default));
    return `| ${code(pathName)} | ${cell(typeOf(n))} | ${required ? 'yes' : ''} | ${cell(dflt)} | ${cell(desc)} |`;
  }

  const HEAD = ['| Path | Type | Required | Default | Description |', '| --- | --- | --- | --- | --- |'];

  function table(prefix, objNode, opts = {}) {
    const n = deref(objNode);
    const req = new Set(opts.required || n.required || []);
    const lines = [...HEAD];
    for (const [key, prop] of Object.entries(n.properties || {})) {
      lines.push(row(`${prefix}${key}`, prop, req.has(key)));
    }
    return lines.join('\n');
  }

  function objectNotes(n) {
    const notes = [];
    if (n.additionalProperties === false) notes.push('No other keys are allowed.');
    const alternatives = (list) => list.map((a) => `${a.title ? `${a.title}: ` : ''}${(a.required || []).map((k) => code(k)).join(' + ')}`);
    if (Array.isArray(n.oneOf)) notes.push(`Exactly one of: ${alternatives(n.oneOf).join('; or ')}.`);
    if (Array.isArray(n.anyOf)) notes.push(`At least one of: ${alternatives(n.anyOf).join('; or ')}.`);
    if (n.dependentRequired) {
      for (const [k, v] of Object.entries(n.dependentRequired)) notes.push(`${code(k)} requires ${v.map((x) => code(x)).join(' and ')}.`);
    }
    return notes;
  }

  // Definitions that get a section of their own (object types linked from the tables).
  const sectionDefs = new Set(['provider', 'models', 'customModel', 'pricing', 'ignoreDriftEntry', 'model', 'routing', 'backend', 'accessGrant', 'grantSubject', 'grantLimits', 'policy', 'policyPriceCaps', 'policyRegions']);
  const out = [];

  // --- document ------------------------------------------------------------------------------
  out.push('## Document', '');
  out.push(cell(text(schema.description || '')), '');
  out.push(table('', schema), '');
  out.push(...objectNotes(schema), '');

  // --- provider, models, custom models, pricing, ignoreDrift -----------------------------------
  const sections = [
    ['provider', 'providers[].'],
    ['models', 'providers[].models.'],
    ['customModel', 'providers[].models.custom[].'],
    ['pricing', 'providers[].models.custom[].pricing.'],
    ['ignoreDriftEntry', 'providers[].ignoreDrift[].'],
    ['model', 'models[].'],
    ['routing', 'models[].routing.'],
    ['backend', 'models[].backends[].'],
    ['accessGrant', 'accessGrants[].'],
    ['grantSubject', 'accessGrants[].subject.'],
    ['grantLimits', 'accessGrants[].limits.'],
    ['policy', 'policy.'],
    ['policyPriceCaps', 'policy.maxPricePerMTok.'],
    ['policyRegions', 'policy.allowedRegions.'],
  ];
  for (const [name, prefix] of sections) {
    const d = def(name);
    out.push(`## ${name === 'pricing' ? 'Pricing' : d.title}`, '');
    out.push(cell(text(d.description || '')), '');
    out.push(table(prefix, d), '');
    const notes = objectNotes(d);
    if (notes.length) out.push(notes.join(' '), '');
  }

  // --- per kind ------------------------------------------------------------------------------
  const provider = def('provider');
  const kinds = provider.properties.kind.enum;
  out.push('## Provider kinds', '');
  out.push(
    'What `config` and `credentials` hold depends on `kind`. "Provider requires" lists the keys a provider of',
    'that kind must have besides `name` and `kind`.',
    '',
    '| Kind | Config | Credentials | Provider requires |',
    '| --- | --- | --- | --- |',
  );
  const perKind = kinds.map((kind) => {
    const branch = (provider.allOf || []).find(
      (b) => b.if && b.if.properties && b.if.properties.kind && b.if.properties.kind.const === kind,
    );
    if (!branch) throw new Error(`no allOf branch for kind ${kind}`);
    const then = branch.then;
    const config = deref(then.properties.config);
    const credentials = deref(then.properties.credentials);
    return { kind, then, config, credentials };
  });
  for (const k of perKind) {
    const keys = (o) => Object.keys(o.properties || {}).map((x) => ((o.required || []).includes(x) ? `${code(x)} (R)` : code(x)));
    const requires = (k.then.required || []).map((x) => code(x)).join(', ') || '–';
    out.push(`| [${code(k.kind)}](#kind-${k.kind}) | ${keys(k.config).join(', ')} | ${keys(k.credentials).join(', ') || '–'} | ${requires} |`);
  }
  out.push('');
  for (const k of perKind) {
    out.push(`### Kind \`${k.kind}\``, '');
    out.push(`${cell(text(k.config.title))}. ${cell(text(k.config.description || ''))}`, '');
    const req = (k.then.required || []).map((x) => code(x));
    if (req.length) out.push(`A provider of this kind requires ${req.join(' and ')}.`, '');
    out.push(`**${cell(text(k.config.title))}** (\`config\`)`, '');
    out.push(table('config.', k.config), '');
    out.push(`**${cell(text(k.credentials.title))}** (\`credentials\`): ${cell(text(k.credentials.description || ''))}`, '');
    out.push(table('credentials.', k.credentials), '');
    const notes = objectNotes(k.credentials).filter((x) => x !== 'No other keys are allowed.');
    if (k.then.$comment) notes.push(cell(text(k.then.$comment)));
    if (notes.length) out.push(notes.join(' '), '');
  }

  // --- secret references -----------------------------------------------------------------------
  const secretRef = def('secretRef');
  out.push('## Secret references', '');
  out.push(cell(text(secretRef.description)), '');
  const sources = secretRef.properties.from.enum;
  out.push('| `from` | Other keys | Reads |', '| --- | --- | --- |');
  for (const from of sources) {
    const d = def(`secretRef.${from}`);
    const keys = Object.keys(d.properties)
      .filter((x) => x !== 'from')
      .map((x) => ((d.required || []).includes(x) ? code(x) : `${code(x)}?`));
    out.push(`| [${code(from)}](#from-${from}) | ${keys.join(', ')} | ${cell(text(d.description))} |`);
  }
  out.push('');
  for (const from of sources) {
    const d = def(`secretRef.${from}`);
    out.push(`### from: \`${from}\``, '');
    out.push(`${cell(text(d.title))}. ${cell(text(d.description))}`, '');
    out.push(table('', d), '');
  }

  // --- shared types ----------------------------------------------------------------------------
  out.push('## Shared value types', '');
  out.push('| Name | Type | Description |', '| --- | --- | --- |');
  for (const name of ['providerName', 'modelName', 'modelId', 'awsRegion', 'labels']) {
    const d = def(name);
    const desc = [text(d.description), ...constraints(d).map((c) => `${c}.`)].join(' ');
    out.push(`| ${cell(text(d.title))} | ${cell(typeOf(d))} | ${cell(desc)} |`);
  }
  out.push('');
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

/** The whole doc as it should be, given its current text (hand-written parts kept). */
function expectedDoc(current, schema = loadSchema()) {
  return replaceGenerated(current, render(schema), NAME);
}

module.exports = { render, expectedDoc, loadSchema, DOC_PATH, SCHEMA_PATH };

if (require.main === module) runMain(NAME, DOC_PATH, (current) => expectedDoc(current));
