// Models, backends and access grants in the files (CONTRACT.md section 5): what they load to
// (defaults applied, positions kept), and each cross-file rule as a table of one valid and one
// invalid repository, asserting code, file, line and column. The rules that need the database
// are deferred (deferredReferences) and checked by checkDeferredReferences at plan time.
import { expiryInstant } from '../../src/config/build-routing';
import { checkDeferredReferences, deferredReferences, type DatabaseProviderModel } from '../../src/config/routing-refs';
import { loadConfig, type LoadResult } from '../../src/config/load';
import { fakeCatalog, removeRepo, tempRepo } from './helpers';

/** The loader compares expiries with the time it is given, not the clock. */
const NOW = new Date('2026-06-01T00:00:00Z');
const load = (paths: string[], cwd: string): Promise<LoadResult> => loadConfig(paths, { catalog: fakeCatalog(), cwd, now: NOW });

/** openai-prod (catalog, gpt-3.5-turbo excluded, gpt-4o-mini disabled) and a disabled anthropic-main. */
const PROVIDERS = [
  'version: 1',
  'providers:',
  '  - name: openai-prod',
  '    kind: openai',
  '    renamedFrom: openai-main',
  '    credentials: {apiKey: {from: env, name: OPENAI_API_KEY}}',
  '    models:',
  '      catalog: "2026.04.15"',
  '      exclude: [gpt-3.5-turbo]',
  '      custom: [{id: gpt-4o-mini, status: disabled}]',
  '  - name: anthropic-main',
  '    kind: anthropic',
  '    status: disabled',
  '    credentials: {apiKey: {from: env, name: ANTHROPIC_API_KEY}}',
  '    models: {catalog: "2026.04.15"}',
  '',
].join('\n');

/** A models document: each entry `name|kind|status|ref[:status],ref...` (empty parts use defaults). */
function models(...specs: string[]): string {
  const lines = ['version: 1', 'models:'];
  for (const s of specs) {
    const [name, kind, status, refs] = s.split('|');
    lines.push(`  - name: ${name}`);
    if (kind) lines.push(`    kind: ${kind}`);
    if (status) lines.push(`    status: ${status}`);
    lines.push(refs ? '    backends:' : '    backends: []');
    for (const r of refs ? refs.split(',') : []) {
      const [ref, st] = r.split(':');
      lines.push(`      - providerModel: ${ref}`);
      if (st) lines.push(`        status: ${st}`);
    }
  }
  return lines.join('\n') + '\n';
}

function grants(...specs: string[]): string {
  const lines = ['version: 1', 'accessGrants:'];
  for (const s of specs) {
    const [model, subject, extra] = s.split('|');
    lines.push(`  - model: ${model}`, `    subject: {${subject}}`);
    if (extra) lines.push(`    ${extra}`);
  }
  return lines.join('\n') + '\n';
}

type Files = Record<string, string>;

async function diagnose(files: Files): Promise<string[]> {
  const dir = tempRepo(files);
  try {
    const r = await load(['.'], dir);
    return r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`);
  } finally {
    removeRepo(dir);
  }
}

// [rule, valid repository, invalid repository, diagnostics of the invalid one]
const RULES: Array<[string, Files, Files, string[]]> = [
  [
    'model names are unique across files',
    { 'p.yaml': PROVIDERS, 'a.yaml': models('chat|||openai-prod/gpt-4o'), 'b.yaml': models('chat-2|||openai-prod/gpt-4o') },
    { 'p.yaml': PROVIDERS, 'a.yaml': models('chat|||openai-prod/gpt-4o'), 'b.yaml': models('chat|||openai-prod/gpt-4o') },
    ['duplicate-model-name a.yaml:3:5', 'duplicate-model-name b.yaml:3:5'],
  ],
  [
    'a backend names a model of a provider declared in the files',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-5-turbo,openai-prod/gpt-4o') },
    ['unknown-provider-model m.yaml:5:24'],
  ],
  [
    'a backend may not name a model its provider excludes from the catalog',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-3.5-turbo,openai-prod/gpt-4o') },
    ['unknown-provider-model m.yaml:5:24'],
  ],
  [
    "a backend names a provider by its current name, not one it was renamed from",
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-main/gpt-4o,openai-prod/gpt-4o') },
    ['unknown-provider-model m.yaml:5:24'],
  ],
  [
    "every backend is of the model's kind",
    { 'p.yaml': PROVIDERS, 'm.yaml': models('embed|embedding||openai-prod/text-embedding-3-small') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('embed|embedding||openai-prod/text-embedding-3-small,openai-prod/gpt-4o') },
    ['backend-kind-mismatch m.yaml:7:24'],
  ],
  [
    'an active backend may not route to a provider model the files disable',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o,openai-prod/gpt-4o-mini:disabled') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o,openai-prod/gpt-4o-mini') },
    ['backend-provider-model-disabled m.yaml:6:24'],
  ],
  [
    'an active backend may not route to a provider the files disable',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o,anthropic-main/claude-sonnet-4-6:disabled') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o,anthropic-main/claude-sonnet-4-6') },
    ['backend-provider-model-disabled m.yaml:6:24'],
  ],
  [
    'an active model has an active backend (a disabled model needs none)',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o,openai-prod/gpt-4o-mini:disabled', 'parked||disabled|') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o:disabled', 'empty|||') },
    ['model-without-active-backend m.yaml:3:5', 'model-without-active-backend m.yaml:7:5'],
  ],
  [
    'a backend whose only provider model is disabled leaves its model without an active backend',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o-mini') },
    ['model-without-active-backend m.yaml:3:5', 'backend-provider-model-disabled m.yaml:5:24'],
  ],
  [
    'each provider model at most once per model',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('a|||openai-prod/gpt-4o', 'b|||openai-prod/gpt-4o') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('a|||openai-prod/gpt-4o,openai-prod/gpt-4o') },
    ['duplicate-backend m.yaml:6:24'],
  ],
  [
    'each (model, subject) granted once across files, emails without case',
    { 'g.yaml': grants('chat|user: ana@example.com', 'chat|group: ana@example.com', 'other|user: ana@example.com') },
    { 'a.yaml': grants('chat|user: ana@example.com'), 'b.yaml': grants('chat|user: Ana@Example.COM') },
    ['duplicate-grant a.yaml:3:5', 'duplicate-grant b.yaml:3:5'],
  ],
  [
    'a grant names a model by its current name',
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat-default|||openai-prod/gpt-4o'), 'g.yaml': grants('chat-default|group: eng') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('chat-default|||openai-prod/gpt-4o').replace('    backends:', '    renamedFrom: chat\n    backends:'), 'g.yaml': grants('chat|group: eng') },
    ['unknown-grant-model g.yaml:3:12'],
  ],
  [
    'an expiresAt in the past is a warning; one that is no real date an error',
    { 'g.yaml': grants('chat|group: eng|expiresAt: 2026-06-02', 'chat|group: ops|expiresAt: "2026-06-01T00:00:01Z"') },
    { 'g.yaml': grants('chat|group: eng|expiresAt: 2026-05-31', 'chat|group: ops|expiresAt: "2027-02-29"') },
    ['grant-expired g.yaml:5:16', 'invalid-value g.yaml:8:16'],
  ],
  [
    "a model's renamedFrom follows the providers' rules",
    { 'p.yaml': PROVIDERS, 'm.yaml': models('new|||openai-prod/gpt-4o').replace('    backends:', '    renamedFrom: [old]\n    backends:') },
    { 'p.yaml': PROVIDERS, 'm.yaml': models('new|||openai-prod/gpt-4o', 'old|||openai-prod/gpt-4o').replace('    backends:', '    renamedFrom: [new]\n    backends:') },
    ['renamed-from-self m.yaml:4:19'],
  ],
];

describe('models and grants: each rule, valid and invalid', () => {
  it.each(RULES.map(([rule, valid]) => [rule, valid] as const))('valid: %s', async (_rule, files) => {
    expect(await diagnose(files)).toEqual([]);
  });

  it.each(RULES.map(([rule, , invalid, expected]) => [rule, invalid, expected] as const))('invalid: %s', async (_rule, files, expected) => {
    expect((await diagnose(files)).sort()).toEqual([...expected].sort());
  });
});

describe('models and grants: the desired state', () => {
  let dir = '';
  afterEach(() => dir && removeRepo(dir));

  it('applies every default and keeps each position', async () => {
    dir = tempRepo({
      'p.yaml': PROVIDERS,
      'm.yaml': [
        'version: 1',
        'models:',
        '  - name: chat',
        '    backends:',
        '      - providerModel: openai-prod/gpt-4o',
        '      - {providerModel: vllm/meta-llama/Llama-3.3-70B, priority: 2, weight: 7, status: disabled}',
        '  - name: embed',
        '    kind: embedding',
        '    description: vectors',
        '    labels: {team: data}',
        '    protected: true',
        '    onRemove: disable',
        '    routing: {strategy: weighted, retries: 0, failoverOn: [context-length]}',
        '    backends: [{providerModel: openai-prod/text-embedding-3-small}]',
        'accessGrants:',
        '  - model: chat',
        '    subject: {user: ana@example.com}',
        '    limits: {requestsPerMinute: 60, monthlyBudgetUsd: 12.5}',
        '    expiresAt: 2027-06-30T18:00:00+02:00',
        '  - {model: embed, subject: {group: data science}}',
        '',
      ].join('\n'),
    });
    const r = await load(['.'], dir);
    expect(r.diagnostics).toEqual([]);
    const [chat, embed] = r.desired.models!;
    expect(chat).toEqual({
      name: 'chat',
      kind: 'chat',
      status: 'active',
      description: null,
      labels: {},
      protected: false,
      onRemove: 'delete',
      routing: { strategy: 'fallback', retries: 1, failoverOn: ['rate-limit', 'server-error', 'timeout'] },
      backends: [
        { provider: 'openai-prod', modelId: 'gpt-4o', priority: 1, weight: 100, status: 'active', pos: { file: 'm.yaml', line: 5, column: 24 } },
        { provider: 'vllm', modelId: 'meta-llama/Llama-3.3-70B', priority: 2, weight: 7, status: 'disabled', pos: { file: 'm.yaml', line: 6, column: 25 } },
      ],
      pos: { file: 'm.yaml', line: 3, column: 5 },
    });
    expect(embed).toMatchObject({ kind: 'embedding', description: 'vectors', labels: { team: 'data' }, protected: true, onRemove: 'disable' });
    expect(embed.routing).toEqual({ strategy: 'weighted', retries: 0, failoverOn: ['context-length'] });
    expect(r.desired.accessGrants).toEqual([
      {
        model: 'chat',
        subject: { type: 'user', name: 'ana@example.com' },
        limits: { requestsPerMinute: 60, monthlyBudgetUsd: 12.5 },
        expiresAt: '2027-06-30T16:00:00.000Z',
        pos: { file: 'm.yaml', line: 16, column: 5 },
        modelPos: { file: 'm.yaml', line: 16, column: 12 },
      },
      {
        model: 'embed',
        subject: { type: 'group', name: 'data science' },
        limits: {},
        expiresAt: null,
        pos: { file: 'm.yaml', line: 20, column: 5 },
        modelPos: { file: 'm.yaml', line: 20, column: 13 },
      },
    ]);
  });

  it('a model or grant with an error is not loaded; the others are', async () => {
    dir = tempRepo({ 'm.yaml': models('ok|||openai-prod/gpt-4o', 'Bad|||openai-prod/gpt-4o') + 'accessGrants:\n  - {model: ok, subject: {}}\n  - {model: ok, subject: {group: g}}\n' });
    const r = await load(['.'], dir);
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`).sort()).toEqual(['invalid-value 6:11', 'missing-property 10:26']);
    expect(r.desired.models!.map((m) => m.name)).toEqual(['ok']);
    expect(r.desired.accessGrants!.map((g) => g.subject.name)).toEqual(['g']);
  });
});

describe('references the files cannot settle: deferred to plan', () => {
  let dir = '';
  afterEach(() => dir && removeRepo(dir));

  const FILES = {
    'p.yaml': PROVIDERS,
    'm.yaml': models('chat|||openai-prod/gpt-4o,console-azure/gpt-4o', 'db-only|||console-azure/gpt-4o,console-azure/emb:disabled', 'emb|embedding||console-azure/gpt-4o'),
    'g.yaml': grants('chat|group: eng', 'console-model|group: eng', 'gone|user: a@b.co'),
  };

  it('validate passes; the references to rows not in the files are listed for plan', async () => {
    dir = tempRepo(FILES);
    const r = await load(['.'], dir);
    expect(r.diagnostics).toEqual([]);
    const d = deferredReferences(r.desired);
    expect(d.backends.map((b) => `${b.model.name} -> ${b.backend.provider}/${b.backend.modelId}`)).toEqual([
      'chat -> console-azure/gpt-4o',
      'db-only -> console-azure/gpt-4o',
      'db-only -> console-azure/emb',
      'emb -> console-azure/gpt-4o',
    ]);
    expect(d.grants.map((g) => g.model)).toEqual(['console-model', 'gone']);
  });

  it('plan checks them against the database as the plan leaves it, at the positions of the files', async () => {
    dir = tempRepo(FILES);
    const r = await load(['.'], dir);
    const rows: Record<string, DatabaseProviderModel> = {
      'console-azure/gpt-4o': { kind: 'chat', status: 'active', providerStatus: 'disabled' },
    };
    const out = checkDeferredReferences(r.desired, {
      providerModel: (p, id) => rows[`${p}/${id}`],
      hasModel: (name) => name === 'console-model',
    });
    expect(out.map((x) => `${x.code} ${x.file}:${x.line}:${x.column}`)).toEqual([
      // chat still has openai-prod/gpt-4o, so only its backend is wrong
      'backend-provider-model-disabled m.yaml:6:24',
      'backend-provider-model-disabled m.yaml:9:24',
      'unknown-provider-model m.yaml:10:24',
      'backend-kind-mismatch m.yaml:15:24',
      'model-without-active-backend m.yaml:7:5',
      'model-without-active-backend m.yaml:12:5',
      'unknown-grant-model g.yaml:7:12',
    ]);
    expect(out.find((x) => x.code === 'backend-kind-mismatch')!.message).toBe(
      "model 'emb' is an embedding model, but 'console-azure/gpt-4o' is a chat model; every backend must be of the model's kind",
    );
  });

  it('a provider model the same plan deletes is an error naming both places', async () => {
    dir = tempRepo(FILES);
    const r = await load(['.'], dir);
    const out = checkDeferredReferences(r.desired, {
      providerModel: (p, id) => ({ kind: 'chat', status: 'active', providerStatus: 'active', deleted: id === 'gpt-4o', pos: { file: 'old.yaml', line: 3, column: 5 } }),
      hasModel: () => true,
    });
    const deleted = out.filter((x) => x.code === 'backend-provider-model-deleted');
    expect(deleted.map((x) => `${x.file}:${x.line}:${x.column}`)).toEqual(['m.yaml:6:24', 'm.yaml:9:24', 'm.yaml:15:24']);
    expect(deleted[0].message).toContain('(at old.yaml:3:5)');
  });

  it('nothing deferred: nothing to check', async () => {
    dir = tempRepo({ 'p.yaml': PROVIDERS, 'm.yaml': models('chat|||openai-prod/gpt-4o') });
    const r = await load(['.'], dir);
    const lookup = { providerModel: () => undefined, hasModel: () => false };
    expect(checkDeferredReferences(r.desired, lookup)).toEqual([]);
  });
});

describe('expiresAt', () => {
  it.each([
    ['2027-06-30', '2027-06-30T00:00:00.000Z'],
    ['2027-06-30T18:00:00Z', '2027-06-30T18:00:00.000Z'],
    ['2027-06-30t18:00:00z', '2027-06-30T18:00:00.000Z'],
    ['2027-06-30 18:00:00.25-01:30', '2027-06-30T19:30:00.250Z'],
    ['2028-02-29', '2028-02-29T00:00:00.000Z'],
  ])('%s is %s', (written, iso) => {
    expect(expiryInstant(written)).toBe(iso);
  });

  it.each(['2027-02-29', '2027-13-01', '2027-06-31', '2027-06-30T24:00:00Z', '2027-06-30T12:60:00Z', '2027-06-30T12:00:00+24:00', 'soon'])(
    '%s is no real time',
    (written) => {
      expect(expiryInstant(written)).toBeUndefined();
    },
  );
});
