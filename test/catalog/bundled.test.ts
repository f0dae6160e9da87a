// The shipped data: catalog/<kind>.yaml. These tests read the files directly (and validate
// them with their own ajv instance) so a loader bug cannot hide a data bug, then check the
// loaded catalog through the public API.
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { CATALOG_VERSION, PROVIDER_KINDS, type ProviderKind } from '../../src/domain/kinds';
import { BUNDLED_CATALOG_DIR, bundledCatalog, type CatalogModel } from '../../src/catalog/catalog';

const ROOT = path.resolve(__dirname, '../..');
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/catalog.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

const yamlFiles = fs.readdirSync(BUNDLED_CATALOG_DIR).filter((f) => /\.ya?ml$/.test(f));
const raw = (kind: ProviderKind) => fs.readFileSync(path.join(BUNDLED_CATALOG_DIR, `${kind}.yaml`), 'utf8');
const ids = (kind: ProviderKind) => bundledCatalog().models(kind, CATALOG_VERSION).map((m) => m.id);

// Models that must be importable; the brief's list, in each platform's own id spelling.
const FLAGSHIPS: Record<ProviderKind, string[]> = {
  openai: [
    'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5.1', 'gpt-5.2', 'gpt-5.4', 'gpt-5.4-mini', 'gpt-5.4-nano',
    'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini',
    'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002',
  ],
  anthropic: ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-5'],
  azure: [
    'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini',
    'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002',
  ],
  bedrock: [
    'anthropic.claude-sonnet-4-6', 'anthropic.claude-opus-4-6-v1', 'anthropic.claude-haiku-4-5-20251001-v1:0',
    'amazon.nova-pro-v1:0', 'amazon.titan-embed-text-v2:0', 'cohere.embed-v4:0',
    'meta.llama4-maverick-17b-instruct-v1:0', 'openai.gpt-oss-120b-1:0',
  ],
  google: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3.1-pro-preview', 'gemini-3-flash-preview', 'gemini-embedding-001'],
  vertex: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-3.1-pro-preview', 'gemini-embedding-001', 'text-embedding-005'],
  'vertex-anthropic': ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-haiku-4-5@20251001', 'claude-sonnet-4-5@20250929', 'claude-opus-4-5@20251101'],
  groq: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant', 'openai/gpt-oss-120b', 'openai/gpt-oss-20b', 'meta-llama/llama-4-scout-17b-16e-instruct'],
  cohere: ['command-a-03-2025', 'command-r-08-2024', 'command-r-plus-08-2024', 'command-r7b-12-2024', 'embed-v4.0', 'embed-english-v3.0', 'embed-multilingual-v3.0'],
  deepseek: ['deepseek-chat', 'deepseek-reasoner'],
  moonshot: ['kimi-k2.5', 'kimi-k2-thinking', 'kimi-k2-0905-preview', 'moonshot-v1-8k', 'moonshot-v1-32k', 'moonshot-v1-128k'],
  'openai-compatible': [],
};

describe('catalog files', () => {
  test('there is exactly one file per provider kind', () => {
    expect(yamlFiles.sort()).toEqual(PROVIDER_KINDS.map((k) => `${k}.yaml`).sort());
  });

  test.each(PROVIDER_KINDS)('%s.yaml validates against schemas/catalog.schema.json', (kind) => {
    const doc = parse(raw(kind));
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(doc.kind).toBe(kind);
    expect(doc.version).toBe(CATALOG_VERSION);
  });

  test.each(PROVIDER_KINDS)('%s.yaml starts with a header naming its source', (kind) => {
    const header = raw(kind).split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(raw(kind).startsWith('#')).toBe(true);
    expect(header).toContain('LiteLLM');
    expect(header).toContain('RoCry/llm-api-price@c6eefc5c');
    expect(header).toContain('2026-04-14');
  });

  test.each(PROVIDER_KINDS)('%s.yaml has unique ids', (kind) => {
    const list = (parse(raw(kind)).models as CatalogModel[]).map((m) => m.id);
    expect(new Set(list).size).toBe(list.length);
  });
});

describe('bundled catalog contents', () => {
  test('loads, with exactly the version cvctl advertises', () => {
    const cat = bundledCatalog();
    expect(cat.versions()).toEqual([CATALOG_VERSION]);
    expect(cat.has(CATALOG_VERSION)).toBe(true);
    expect(cat.has('2020.01.01')).toBe(false);
    expect(bundledCatalog()).toBe(cat); // cached
  });

  test.each(PROVIDER_KINDS)('%s: flagship models are present', (kind) => {
    expect(ids(kind)).toEqual(expect.arrayContaining(FLAGSHIPS[kind]));
  });

  test.each(PROVIDER_KINDS.filter((k) => k !== 'openai-compatible'))('%s: has chat models', (kind) => {
    expect(bundledCatalog().models(kind, CATALOG_VERSION).some((m) => m.kind === 'chat')).toBe(true);
  });

  test('openai-compatible is empty', () => {
    expect(bundledCatalog().models('openai-compatible', CATALOG_VERSION)).toEqual([]);
  });

  test.each(PROVIDER_KINDS)('%s: sane context windows and prices', (kind) => {
    for (const m of bundledCatalog().models(kind, CATALOG_VERSION)) {
      const where = `${kind}/${m.id}`;
      expect([where, Number.isInteger(m.contextWindow) && m.contextWindow! > 0]).toEqual([where, true]);
      expect(m.pricing).not.toBeNull();
      const { inputPerMTok, outputPerMTok } = m.pricing!;
      for (const p of [inputPerMTok, outputPerMTok]) {
        expect([where, Number.isFinite(p) && p >= 0]).toEqual([where, true]);
      }
      // Embeddings cost cents per 1M tokens; a dollar figure is a unit error in the source.
      if (m.kind === 'embedding') expect([where, inputPerMTok <= 1]).toEqual([where, true]);
    }
  });

  test('the $100/Mtok embed-multilingual-light-v3.0 error is corrected', () => {
    const m = bundledCatalog().find('cohere', CATALOG_VERSION, 'embed-multilingual-light-v3.0');
    expect(m?.pricing).toEqual({ inputPerMTok: 0.1, outputPerMTok: 0 });
    for (const kind of PROVIDER_KINDS) {
      for (const x of bundledCatalog().models(kind, CATALOG_VERSION)) expect(x.pricing?.inputPerMTok).not.toBe(100);
    }
  });

  test('ids are the platforms\' own, without LiteLLM prefixes, regions, snapshots or fine-tunes', () => {
    for (const kind of PROVIDER_KINDS) {
      for (const id of ids(kind)) {
        expect(id).not.toMatch(/^(azure|vertex_ai|gemini|groq|cohere|deepseek|moonshot|bedrock|bedrock_mantle)\//);
        expect(id).not.toMatch(/^ft:/);
        expect(id).not.toMatch(/(^|-)(realtime|audio|tts|transcribe|moderation|search)(-|$)/);
      }
    }
    for (const id of ids('bedrock')) expect(id).not.toMatch(/^(us|eu|apac|au|jp|global|us-gov)\./);
    for (const id of ids('openai')) expect(id).not.toMatch(/-20\d\d-\d\d-\d\d$/);
    for (const id of ids('anthropic')) expect(id).not.toMatch(/-20\d{6}$/);
  });

  test('model kinds: embeddings are embeddings, responses-only models are chat', () => {
    const cat = bundledCatalog();
    expect(cat.find('openai', CATALOG_VERSION, 'text-embedding-3-large')?.kind).toBe('embedding');
    expect(cat.find('openai', CATALOG_VERSION, 'gpt-5-pro')?.kind).toBe('chat');
    expect(cat.find('vertex', CATALOG_VERSION, 'gemini-embedding-001')?.kind).toBe('embedding');
    expect(cat.find('cohere', CATALOG_VERSION, 'embed-v4.0')?.kind).toBe('embedding');
  });
});

// Keeps the shipped YAML in step with catalog/build: runs when the LiteLLM reference file is
// available (CATALOG_SOURCE=/path/to/model-prices-2026-04-14.json npx jest test/catalog).
const withSource = process.env.CATALOG_SOURCE ? test : test.skip;
withSource('catalog/*.yaml are exactly what catalog/build/generate.js writes', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { generate } = require(path.join(ROOT, 'catalog/build/generate.js')) as {
    generate: (src: string) => Map<string, { text: string }>;
  };
  for (const [name, { text }] of generate(process.env.CATALOG_SOURCE!)) {
    expect([name, fs.readFileSync(path.join(BUNDLED_CATALOG_DIR, name), 'utf8')]).toEqual([name, text]);
  }
});
