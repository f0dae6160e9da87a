import * as path from 'path';
import type { Catalog } from '../../src/catalog/catalog';
import { readSourceFile } from '../../src/config/source-file';
import { fakeCatalog, load, providerDoc, removeRepo, summarize, tempRepo } from './helpers';

describe('loadConfig', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  it('applies every default to a minimal provider', async () => {
    dir = tempRepo({ 'p.yaml': providerDoc('minimal') });
    const r = await load(['.'], dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.files).toEqual(['p.yaml']);
    const { spec, models } = r.desired.providers[0];
    expect(spec).toEqual({
      name: 'minimal',
      kind: 'openai',
      status: 'active',
      labels: {},
      protected: false,
      onRemove: 'delete',
      config: {},
      credentials: {
        apiKey: {
          ref: { from: 'env', name: 'OPENAI_API_KEY' },
          pos: { file: 'p.yaml', line: 6, column: 15 },
          baseDir: dir,
        },
      },
      models: { exclude: [], custom: [] },
      ignoreDrift: [],
      pos: { file: 'p.yaml', line: 3, column: 5 },
      at: { kind: { file: 'p.yaml', line: 4, column: 11 }, pricing: [] },
    });
    expect(models).toEqual([]);
  });

  it('keeps every field that is set and expands the catalog', async () => {
    dir = tempRepo({
      'team/full.yaml': [
        'version: 1',
        'providers:',
        '  - name: full',
        '    kind: openai',
        '    status: disabled',
        '    labels: {team: platform}',
        '    protected: true',
        '    onRemove: disable',
        '    config: {organization: org-1}',
        '    credentials:',
        '      apiKey: {from: vault, path: cv/openai, field: key, mount: kv, version: 3}',
        '    models:',
        '      catalog: "2026.04.15"',
        '      exclude: [gpt-3.5-turbo]',
        '      custom:',
        '        - {id: gpt-4o, status: disabled, contextWindow: 64000}',
        '        - {id: ft:gpt-4o-mini:acme, kind: chat}',
        '    ignoreDrift:',
        '      - {path: config.organization, reason: managed by finance, until: "2026-12-31"}',
        '',
      ].join('\n'),
    });
    const r = await load(['team'], dir);
    expect(r.diagnostics).toEqual([]);
    const { spec, models } = r.desired.providers[0];
    expect(spec).toMatchObject({
      status: 'disabled',
      labels: { team: 'platform' },
      protected: true,
      onRemove: 'disable',
      config: { organization: 'org-1' },
      models: {
        catalog: '2026.04.15',
        exclude: ['gpt-3.5-turbo'],
        custom: [
          { id: 'gpt-4o', status: 'disabled', contextWindow: 64000 },
          { id: 'ft:gpt-4o-mini:acme', kind: 'chat' },
        ],
      },
      ignoreDrift: [{ path: 'config.organization', reason: 'managed by finance', until: '2026-12-31' }],
    });
    expect(spec.credentials.apiKey.ref).toEqual({ from: 'vault', path: 'cv/openai', field: 'key', mount: 'kv', version: 3 });
    expect(spec.credentials.apiKey.pos).toEqual({ file: 'team/full.yaml', line: 11, column: 15 });
    expect(models.map((m) => [m.modelId, m.status, m.contextWindow, m.source])).toEqual([
      ['ft:gpt-4o-mini:acme', 'active', null, 'custom'],
      ['gpt-4o', 'disabled', 64000, 'catalog:2026.04.15'],
      ['gpt-4o-mini', 'active', 128000, 'catalog:2026.04.15'],
      ['text-embedding-3-small', 'active', 8191, 'catalog:2026.04.15'],
    ]);
  });

  it('reports a provider declared in two files at both places, each naming the other', async () => {
    dir = tempRepo({ 'a.yaml': providerDoc('same'), 'sub/b.yaml': '# second\n' + providerDoc('same') });
    const r = await load(['.'], dir);
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.message])).toEqual([
      ['duplicate-provider', 'a.yaml', 3, 5, "provider 'same' is declared more than once; also at sub/b.yaml:4:5"],
      ['duplicate-provider', 'sub/b.yaml', 4, 5, "provider 'same' is declared more than once; also at a.yaml:3:5"],
    ]);
    expect(r.desired.providers.map((p) => p.spec.pos.file)).toEqual(['a.yaml']);
  });

  it('returns the providers that could be loaded, sorted by name, next to the errors', async () => {
    dir = tempRepo({
      'z.yaml': providerDoc('zeta') + '  - name: broken\n    kind: openai\n',
      'a.yaml': providerDoc('alpha'),
      'bad.yaml': 'providers: [\n',
    });
    const r = await load(['.'], dir);
    expect(summarize(r)).toEqual(['yaml-syntax 2:1', 'missing-property 7:5']);
    expect(r.diagnostics.map((d) => d.file)).toEqual(['bad.yaml', 'z.yaml']);
    expect(r.desired.providers.map((p) => p.spec.name)).toEqual(['alpha', 'zeta']);
  });

  it('defaults to the working directory when no path is given', async () => {
    dir = tempRepo({ 'p.yml': providerDoc('here') });
    const r = await load([], dir);
    expect(r.files).toEqual(['p.yml']);
  });

  it('turns an unexpected failure into an internal-error diagnostic for that file only', async () => {
    dir = tempRepo({ 'a.yaml': providerDoc('a', '    models: {catalog: "2026.04.15"}\n'), 'b.yaml': providerDoc('b') });
    const broken: Catalog = { ...fakeCatalog(), has: () => { throw new Error('catalog exploded'); } };
    const r = await load(['.'], dir, broken);
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line, d.message])).toEqual([
      ['internal-error', 'a.yaml', 0, 'could not process file: catalog exploded'],
    ]);
    expect(r.desired.providers.map((p) => p.spec.name)).toEqual(['b']);
  });

  it('reports a file it cannot read as unreadable-file', () => {
    dir = tempRepo({ 'x/y.yaml': '' });
    const r = readSourceFile(path.join(dir, 'x'));
    expect(r).toEqual({ ok: false, problem: { code: 'unreadable-file', message: 'cannot read file (EISDIR)', line: 0, column: 0 } });
  });

  it('never puts a value found under credentials into a message', async () => {
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const variants = [
      `      apiKey: ${secret}`,
      `      apiKey: "${secret}"`,
      `      apiKey: {from: env, name: "${secret}"}`,
      `      apiKey: {from: "${secret}", name: X}`,
      `      apiKey: {from: env, name: X, value: "${secret}"}`,
      `      apiKey: [${secret}]`,
      `      ${secret}: {from: env, name: X}`,
    ];
    dir = tempRepo(
      Object.fromEntries(
        variants.map((v, i) => [`v${i}.yaml`, `version: 1\nproviders:\n  - name: p${i}\n    kind: openai\n    credentials:\n${v}\n`]),
      ),
    );
    const r = await load(['.'], dir);
    expect(r.diagnostics.length).toBeGreaterThanOrEqual(variants.length);
    for (const d of r.diagnostics) expect(d.message).not.toContain('abcdefghij');
  });
});
