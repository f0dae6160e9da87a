// Provider rows → file text: variable names, which credential fields are referenced, the
// schema comment, and YAML that cvctl reads back to the same values (quoting).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundledCatalog } from '../../src/catalog/catalog';
import { loadConfig } from '../../src/config/load';
import { credentialFields, envVarName, exportProvider } from '../../src/export/document';
import { providersDocument, schemaRefFor } from '../../src/export/emit';
import { exportDocuments, joinDocuments, selectRows, writeDocuments } from '../../src/export/export';
import { PROVIDERS_SCHEMA_PATH } from '../../src/config/schema-validator';
import { current, modelRow, providerRow } from '../plan/builders';

describe('envVarName', () => {
  test.each<[string, string, string]>([
    ['openai-prod', 'apiKey', 'OPENAI_PROD_API_KEY'],
    ['bedrock-us', 'accessKeyId', 'BEDROCK_US_ACCESS_KEY_ID'],
    ['vertex.eu', 'serviceAccountJson', 'VERTEX_EU_SERVICE_ACCOUNT_JSON'],
    ['9lives', 'apiKey', '_9LIVES_API_KEY'],
  ])('%s / %s → %s', (p, f, want) => expect(envVarName(p, f)).toBe(want));

  test('names that collide get a suffix', () => {
    const taken = new Set<string>();
    const a = exportProvider(providerRow('a-b'), [], bundledCatalog(), taken);
    const b = exportProvider(providerRow('a.b'), [], bundledCatalog(), taken);
    expect([...a.variables, ...b.variables].map((v) => v.name)).toEqual(['A_B_API_KEY', 'A_B_API_KEY_2']);
  });
});

describe('credentialFields', () => {
  const none = { credentialFingerprints: {}, credentialPrefix: null, credentialUpdatedAt: null };
  test.each<[string, Parameters<typeof providerRow>[1], string[]]>([
    ['fingerprints name the fields', { kind: 'azure', credentialFingerprints: { tenantId: 'x', clientId: 'y', clientSecret: 'z' } }, ['clientId', 'clientSecret', 'tenantId']],
    ['openai without fingerprints: the required key', { ...none, kind: 'openai' }, ['apiKey']],
    ['vertex: the service account', { ...none, kind: 'vertex' }, ['serviceAccountJson']],
    ['bedrock with keys', { ...none, kind: 'bedrock', credentialPrefix: 'AKIA' }, ['accessKeyId', 'secretAccessKey']],
    ['bedrock assuming a role, no keys stored', { ...none, kind: 'bedrock', config: { roleArn: 'arn:aws:iam::123456789012:role/x' } }, []],
    ['openai-compatible without a key', { ...none, kind: 'openai-compatible' }, []],
    ['openai-compatible with a key', { ...none, kind: 'openai-compatible', credentialPrefix: 'tok' }, ['apiKey']],
  ])('%s', (_n, o, want) => expect(credentialFields(providerRow('p', o))).toEqual(want));
});

describe('YAML', () => {
  test('strings that YAML 1.1 or 1.2 would read as something else are quoted, and read back as written', async () => {
    const row = providerRow('azure-x', {
      kind: 'azure',
      labels: { yes: 'no', on: 'true', version: '1.10', date: '2024-10-21' },
      config: { endpoint: 'https://acme.openai.azure.com/', apiVersion: '2024-10-21', deployments: { '#weird': '0o12', '*star': '012' } }, // deployments route models it has
    });
    const models = [modelRow('azure-x', '#weird', { source: 'custom' }), modelRow('azure-x', '*star', { source: 'custom' }), modelRow('azure-x', '@at', { source: 'custom' })];
    const e = exportProvider(row, models, bundledCatalog(), new Set());
    const text = providersDocument([e.block], 'schema.json');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=schema.json');
    expect(text).toContain('apiVersion: "2024-10-21"');
    expect(text).toContain('"yes": "no"');
    expect(text).toContain('pricing: {inputPerMTok: 2.5, outputPerMTok: 10}');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-export-yaml-'));
    fs.writeFileSync(path.join(dir, 'p.yaml'), text);
    const load = await loadConfig([dir], { catalog: bundledCatalog(), cwd: dir });
    expect(load.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const spec = load.desired.providers[0].spec;
    expect(spec.labels).toEqual(row.labels);
    expect(spec.config).toEqual(row.config);
    expect(load.desired.providers[0].models.map((m) => m.modelId)).toEqual(['#weird', '*star', '@at']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('several documents on stdout are one YAML stream', () => {
    const rows = current({ providers: [providerRow('a'), providerRow('b')] });
    const r = exportDocuments(selectRows(rows, 'default', false), bundledCatalog(), 's.json');
    expect(joinDocuments(r.documents).match(/^---$/gm)).toHaveLength(1);
  });
});

describe('selection', () => {
  const rows = current({
    providers: [
      providerRow('mine'),
      providerRow('console', { managedBy: null }),
      providerRow('theirs', { managedBy: 'team-b' }),
    ],
    providerModels: [modelRow('mine', 'a'), modelRow('mine', 'console-made', { managedBy: null }), modelRow('console', 'c', { managedBy: null })],
  });
  test('this scope only, its own models; the rest is counted', () => {
    const s = selectRows(rows, 'default', false);
    expect(s.map((x) => [x.provider.name, x.models.map((m) => m.modelId), x.skippedModels])).toEqual([['mine', ['a'], 1]]);
  });
  test('with unmanaged rows', () => {
    const s = selectRows(rows, 'default', true);
    expect(s.map((x) => [x.provider.name, x.models.map((m) => m.modelId)])).toEqual([
      ['console', ['c']],
      ['mine', ['a', 'console-made']],
    ]);
  });
});

describe('files', () => {
  test('existing files are not overwritten without force, and nothing is written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-export-out-'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'keep me');
    const docs = [
      { file: 'a.yaml', text: 'A' },
      { file: 'b.yaml', text: 'B' },
    ];
    expect(() => writeDocuments(dir, docs, false, (p) => path.basename(p))).toThrow(
      'refusing to overwrite existing file b.yaml; pass --force to overwrite. Nothing was written',
    );
    expect(fs.existsSync(path.join(dir, 'a.yaml'))).toBe(false);
    writeDocuments(dir, docs, true, (p) => p);
    expect(fs.readFileSync(path.join(dir, 'b.yaml'), 'utf8')).toBe('B');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('schema reference: relative inside the repository, the $id URL outside it', () => {
    const repo = path.resolve(PROVIDERS_SCHEMA_PATH, '../..');
    expect(schemaRefFor(path.join(repo, 'providers/team-a'), repo)).toBe('../../schemas/providers.schema.json');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-export-norepo-'));
    expect(schemaRefFor(outside, outside)).toBe('https://codevector.dev/schemas/cvctl/providers.schema.json');
    fs.rmSync(outside, { recursive: true, force: true });
  });
});
