// The loader and the Catalog API on small fixture folders: versions, lookups, and the errors a
// broken catalog must produce (clear, with file:line:column where there is one).
import * as fs from 'fs';
import * as path from 'path';
import { catalogFromFiles, CatalogError, latestVersion } from '../../src/catalog/catalog';
import { goldenFixture, tempDir, writeCatalog } from './helpers';

const GPT4O = { id: 'gpt-4o', kind: 'chat' as const, contextWindow: 128000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } };

function loadError(dir: string): CatalogError {
  try {
    catalogFromFiles(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogError);
    return e as CatalogError;
  }
  throw new Error('expected catalogFromFiles to throw');
}

/** A valid catalog in a temp dir, then `kind`'s file replaced by `text`. */
function withFile(kind: string, text: string): string {
  const dir = writeCatalog(tempDir(), '2026.04.15', {});
  fs.writeFileSync(path.join(dir, `${kind}.yaml`), text);
  return dir;
}

describe('Catalog API', () => {
  const cat = catalogFromFiles(goldenFixture());

  test('versions are sorted; the newest is the default', () => {
    expect(cat.versions()).toEqual(['2026.01.01', '2026.04.15']);
    expect(latestVersion(cat)).toBe('2026.04.15');
    expect(cat.has('2026.01.01')).toBe(true);
    expect(cat.has('2026.02.30')).toBe(false);
  });

  test('models() per kind and version, in file order; [] for kinds without models', () => {
    expect(cat.models('openai', '2026.04.15').map((m) => m.id)).toEqual([
      'gpt-4o', 'gpt-5.4', 'text-embedding-3-small', 'mystery-model',
    ]);
    expect(cat.models('openai', '2026.01.01').map((m) => m.id)).toEqual(['gpt-4']);
    expect(cat.models('openai-compatible', '2026.04.15')).toEqual([]);
  });

  test('models() returns a fresh array of frozen models', () => {
    const a = cat.models('openai', '2026.04.15');
    a.pop();
    expect(cat.models('openai', '2026.04.15')).toHaveLength(4);
    expect(Object.isFrozen(a[0])).toBe(true);
    expect(Object.isFrozen(a[0].pricing)).toBe(true);
  });

  test('unknown version throws a clear error naming the versions there are', () => {
    expect(() => cat.models('openai', '1999.01.01')).toThrow(CatalogError);
    expect(() => cat.models('openai', '1999.01.01')).toThrow(/unknown catalog version "1999.01.01".*2026\.01\.01, 2026\.04\.15/);
    expect(() => cat.find('openai', '1999.01.01', 'gpt-4o')).toThrow(/unknown catalog version/);
  });

  test('find() by kind, version and id', () => {
    expect(cat.find('openai', '2026.04.15', 'gpt-4o')).toEqual(GPT4O);
    expect(cat.find('openai', '2026.04.15', 'mystery-model')).toEqual({
      id: 'mystery-model', kind: 'chat', contextWindow: null, pricing: null,
    });
    expect(cat.find('openai', '2026.04.15', 'gpt-4')).toBeUndefined(); // only in the older version
    expect(cat.find('anthropic', '2026.04.15', 'gpt-4o')).toBeUndefined(); // other kind
  });
});

describe('loader errors', () => {
  test('empty or missing folder', () => {
    expect(loadError(tempDir()).message).toMatch(/no catalog files/);
    expect(loadError(path.join(tempDir(), 'nope')).message).toMatch(/cannot read the catalog folder/);
  });

  test('a kind without a file', () => {
    const dir = writeCatalog(tempDir(), '2026.04.15', {});
    fs.rmSync(path.join(dir, 'groq.yaml'));
    expect(loadError(dir).message).toMatch(/version 2026\.04\.15 .* no file for kind\(s\): groq/);
  });

  test('YAML syntax error, with line and column', () => {
    const e = loadError(withFile('openai', 'kind: openai\nversion: "2026.04.15"\nmodels: [\n'));
    expect(e.message).toMatch(/openai\.yaml:\d+:\d+: /);
  });

  test('duplicate YAML keys are rejected', () => {
    const e = loadError(withFile('openai', 'kind: openai\nkind: openai\nversion: "2026.04.15"\nmodels: []\n'));
    expect(e.message).toMatch(/openai\.yaml:2:1: .*[Mm]ap keys must be unique/);
  });

  test('schema violation points at the offending line', () => {
    const text = [
      'kind: openai',
      'version: "2026.04.15"',
      'models:',
      '  - id: gpt-4o',
      '    kind: chat',
      '    contextWindow: 128000',
      '    pricing: {inputPerMTok: -1, outputPerMTok: 10}',
      '',
    ].join('\n');
    const e = loadError(withFile('openai', text));
    expect(e.message).toMatch(/openai\.yaml:7:\d+: \/models\/0\/pricing\/inputPerMTok: must be >= 0/);
  });

  test('unknown properties and bad enums are named', () => {
    const extra = 'kind: openai\nversion: "2026.04.15"\nmodels:\n  - {id: a, kind: chat, contextWindow: 1, pricing: null, color: red}\n';
    expect(loadError(withFile('openai', extra)).message).toMatch(/openai\.yaml:4:\d+: \/models\/0: unknown property "color"/);
    const badKind = 'kind: openai\nversion: "2026.04.15"\nmodels:\n  - {id: a, kind: image, contextWindow: 1, pricing: null}\n';
    expect(loadError(withFile('openai', badKind)).message).toMatch(/\/models\/0\/kind: must be one of chat, embedding/);
  });

  test('required fields: contextWindow and pricing must be stated (null when unknown)', () => {
    const text = 'kind: openai\nversion: "2026.04.15"\nmodels:\n  - {id: a, kind: chat}\n';
    expect(loadError(withFile('openai', text)).message).toMatch(/must have required property 'contextWindow'/);
  });

  test('duplicate model ids', () => {
    const dir = writeCatalog(tempDir(), '2026.04.15', { openai: [GPT4O, GPT4O] });
    expect(loadError(dir).message).toMatch(/openai\.yaml:\d+:\d+: duplicate model id "gpt-4o"/);
  });

  test('file name and kind must agree', () => {
    const e = loadError(withFile('groq', 'kind: openai\nversion: "2026.04.15"\nmodels: []\n'));
    expect(e.message).toMatch(/groq\.yaml: declares kind "openai" but the file name says "groq"/);
  });

  test('openai-compatible cannot list models', () => {
    const dir = writeCatalog(tempDir(), '2026.04.15', { 'openai-compatible': [GPT4O] });
    expect(loadError(dir).message).toMatch(/openai-compatible\.yaml:\d+:\d+: \/models: must NOT have more than 0 items/);
  });

  test('a version folder must hold that version', () => {
    const dir = writeCatalog(tempDir(), '2026.04.15', {});
    writeCatalog(dir, '2026.01.01', {}, { sub: true });
    fs.writeFileSync(path.join(dir, '2026.01.01', 'openai.yaml'), 'kind: openai\nversion: "2026.04.15"\nmodels: []\n');
    expect(loadError(dir).message).toMatch(/2026\.01\.01\/openai\.yaml: version "2026\.04\.15" does not match its folder/);
  });

  test('other folders (like build/) are ignored', () => {
    const dir = writeCatalog(tempDir(), '2026.04.15', {});
    fs.mkdirSync(path.join(dir, 'build'));
    fs.writeFileSync(path.join(dir, 'build', 'junk.yaml'), 'not: a catalog\n');
    expect(catalogFromFiles(dir).versions()).toEqual(['2026.04.15']);
  });
});
