// Models and access grants rows → files: what is selected for a scope, that the files load back
// to exactly the rows' values (the config-level half of export → validate → plan; the database
// round trip is in roundtrip-routing.test.ts), and what is noted where the format cannot say
// what a console row holds.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundledCatalog } from '../../src/catalog/catalog';
import { loadConfig } from '../../src/config/load';
import type { AccessGrantRow, ModelBackendRow, ModelRow, RoutingState } from '../../src/domain/routing-rows';
import { exportRoutingDocuments, writeDocuments } from '../../src/export/export';
import { expiryWritten, selectRouting } from '../../src/export/routing';

const T = '2026-04-15T10:00:00.000Z';

function modelRowOf(name: string, o: Partial<ModelRow> = {}): ModelRow {
  return {
    id: `m-${name}`,
    name,
    kind: 'chat',
    status: 'active',
    description: null,
    labels: {},
    routing: { strategy: 'fallback', retries: 1, failoverOn: ['rate-limit', 'server-error', 'timeout'] },
    managedBy: 'default',
    protected: false,
    onRemove: 'delete',
    lastApplied: null,
    lastAppliedAt: null,
    rowVersion: 1,
    createdAt: T,
    updatedAt: T,
    ...o,
  };
}

function backendRowOf(model: string, ref: string, o: Partial<ModelBackendRow> = {}): ModelBackendRow {
  const i = ref.indexOf('/');
  return {
    id: `b-${model}-${ref}`,
    modelId: `m-${model}`,
    modelName: model,
    providerModelId: `pm-${ref}`,
    provider: ref.slice(0, i),
    providerModel: ref.slice(i + 1),
    providerModelKind: 'chat',
    providerModelStatus: 'active',
    providerStatus: 'active',
    priority: 1,
    weight: 100,
    status: 'active',
    rowVersion: 1,
    ...o,
  };
}

function grantRowOf(model: string, subject: string, o: Partial<AccessGrantRow> = {}): AccessGrantRow {
  const [type, name] = subject.split(':') as ['user' | 'group', string];
  return {
    id: `g-${model}-${subject}`,
    modelId: `m-${model}`,
    modelName: model,
    subjectType: type,
    subject: name,
    limits: {},
    expiresAt: null,
    managedBy: 'default',
    lastApplied: null,
    lastAppliedAt: null,
    rowVersion: 1,
    createdAt: T,
    updatedAt: T,
    ...o,
  };
}

const state: RoutingState = {
  models: [
    modelRowOf('chat-default', {
      description: 'General chat: for "internal" tools',
      labels: { team: 'platform', on: 'yes' },
      protected: true,
      onRemove: 'disable',
      routing: { strategy: 'fallback', retries: 2, failoverOn: ['rate-limit', 'context-length'] },
    }),
    modelRowOf('chat-fast', { routing: { strategy: 'weighted' } }),
    modelRowOf('embed', { kind: null, status: 'disabled', routing: null, managedBy: null }),
    modelRowOf('theirs', { managedBy: 'team-b' }),
  ],
  backends: [
    backendRowOf('chat-default', 'anthropic-main/claude-sonnet-4-6', { weight: 300 }),
    backendRowOf('chat-default', 'openai-prod/gpt-4o', { priority: 2, status: 'disabled' }),
    backendRowOf('chat-fast', 'vllm/Qwen/Qwen3-Coder-30B', { weight: 600 }),
    backendRowOf('embed', 'openai-prod/text-embedding-3-large', { providerModelKind: 'embedding' }),
    backendRowOf('theirs', 'openai-prod/gpt-4o'),
  ],
  grants: [
    grantRowOf('chat-default', 'group:engineering', { limits: { requestsPerMinute: 600, tokensPerDay: 5000000, monthlyBudgetUsd: 2000.5 } }),
    grantRowOf('chat-default', 'user:Ana@Example.com', { expiresAt: '2027-06-30T00:00:00.000Z' }),
    grantRowOf('chat-default', 'group:console-made', { managedBy: null }),
    grantRowOf('theirs', 'group:ours-on-theirs', { expiresAt: '2027-01-01T12:30:00.000Z' }),
    grantRowOf('theirs', 'group:theirs', { managedBy: 'team-b' }),
  ],
};

async function load(docs: { file: string; text: string }[]): Promise<Awaited<ReturnType<typeof loadConfig>>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-export-routing-'));
  try {
    writeDocuments(dir, docs, false, (p) => p);
    return await loadConfig([dir], { catalog: bundledCatalog(), cwd: dir });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('selection', () => {
  test("this scope's models with all their backends, and this scope's grants wherever their model is", () => {
    const s = selectRouting(state, 'default', false);
    expect(s.items.map((i) => [i.name, i.model?.name ?? null, i.backends.length, i.grants.map((g) => g.subject)])).toEqual([
      ['chat-default', 'chat-default', 2, ['engineering', 'Ana@Example.com']],
      ['chat-fast', 'chat-fast', 1, []],
      ['theirs', null, 0, ['ours-on-theirs']],
    ]);
    // The console-made grant on our model is counted, the other scope's grant on its own model is not.
    expect(s.skippedGrants).toBe(1);
  });

  test('--include-unmanaged adds console-made models and grants', () => {
    const s = selectRouting(state, 'default', true);
    expect(s.items.map((i) => i.name)).toEqual(['chat-default', 'chat-fast', 'embed', 'theirs']);
    expect(s.items[0].grants.map((g) => g.subject)).toContain('console-made');
    expect(s.skippedGrants).toBe(0);
  });
});

describe('files', () => {
  test('one file per model name under models/, and they load back to the rows', async () => {
    const r = exportRoutingDocuments(selectRouting(state, 'default', true), 'schema.json');
    expect(r.documents.map((d) => d.file)).toEqual(['models/chat-default.yaml', 'models/chat-fast.yaml', 'models/embed.yaml', 'models/theirs.yaml']);
    expect(r.notes).toEqual([]);
    const text = r.documents[0].text;
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=schema.json');
    expect(text).toContain('subject: {group: engineering}');
    expect(text).toContain('limits: {requestsPerMinute: 600, tokensPerDay: 5000000, monthlyBudgetUsd: 2000.5}');
    expect(text).toContain('expiresAt: "2027-06-30"');

    const loaded = await load(r.documents);
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const byName = new Map((loaded.desired.models ?? []).map((m) => [m.name, m]));
    const chat = byName.get('chat-default')!;
    expect({ ...chat, pos: undefined, backends: chat.backends.map((b) => ({ ...b, pos: undefined })) }).toEqual({
      name: 'chat-default',
      kind: 'chat',
      status: 'active',
      description: 'General chat: for "internal" tools',
      labels: { team: 'platform', on: 'yes' },
      protected: true,
      onRemove: 'disable',
      routing: { strategy: 'fallback', retries: 2, failoverOn: ['rate-limit', 'context-length'] },
      backends: [
        { provider: 'anthropic-main', modelId: 'claude-sonnet-4-6', priority: 1, weight: 300, status: 'active', pos: undefined },
        { provider: 'openai-prod', modelId: 'gpt-4o', priority: 2, weight: 100, status: 'disabled', pos: undefined },
      ],
      pos: undefined,
    });
    // A provider model id holding '/' survives the split at the first '/'.
    expect(byName.get('chat-fast')!.backends[0]).toMatchObject({ provider: 'vllm', modelId: 'Qwen/Qwen3-Coder-30B', weight: 600 });
    expect(byName.get('chat-fast')!.routing).toEqual({ strategy: 'weighted', retries: 1, failoverOn: ['rate-limit', 'server-error', 'timeout'] });
    // A console model without a kind takes its backends' kind.
    expect(byName.get('embed')).toMatchObject({ kind: 'embedding', status: 'disabled' });

    const grants = (loaded.desired.accessGrants ?? []).map((g) => [g.model, `${g.subject.type}:${g.subject.name}`, g.limits, g.expiresAt]);
    expect(grants).toEqual(
      expect.arrayContaining([
        ['chat-default', 'group:engineering', { requestsPerMinute: 600, tokensPerDay: 5000000, monthlyBudgetUsd: 2000.5 }, null],
        ['chat-default', 'user:Ana@Example.com', {}, '2027-06-30T00:00:00.000Z'],
        ['theirs', 'group:ours-on-theirs', {}, '2027-01-01T12:30:00.000Z'],
      ]),
    );
  });

  test('console values outside the format: the nearest valid value, and a note', () => {
    const odd: RoutingState = {
      models: [modelRowOf('odd', { routing: { strategy: 'round-robin', retries: 9 } })],
      backends: [backendRowOf('odd', 'p/a', { priority: 0, weight: 0 })],
      grants: [grantRowOf('odd', 'group:x', { limits: { requestsPerMinute: 'many', burst: 5 } })],
    };
    const r = exportRoutingDocuments(selectRouting(odd, 'default', false), 's.json');
    expect(r.notes.map((n) => n.replace(/, the nearest.*/, ''))).toEqual([
      'model \'odd\': routing.strategy "round-robin" written as "fallback"',
      "model 'odd': routing.retries 9 written as 1",
      "model 'odd': backend 'p/a': priority 0 written as 1",
      "model 'odd': backend 'p/a': weight 0 written as 1",
      'model \'odd\': grant \'group:x\' on \'odd\': limits.requestsPerMinute "many" left out',
      "model 'odd': grant 'group:x' on 'odd': unknown limit 'burst' left out",
    ]);
  });

  test('hostile text is written so that it reads back the same', async () => {
    const evil = 'line\nbreak "quoted" \u202eRLO `tick` # not a comment';
    const s: RoutingState = { models: [modelRowOf('m', { description: evil, labels: { k: evil } })], backends: [backendRowOf('m', 'p/a')], grants: [] };
    const r = exportRoutingDocuments(selectRouting(s, 'default', false), 's.json');
    expect(r.documents[0].text).not.toContain('\u202e');
    const loaded = await load(r.documents);
    expect((loaded.desired.models ?? [])[0]).toMatchObject({ description: evil, labels: { k: evil } });
  });

  test('an expiry at midnight UTC is written as the date', () => {
    expect(expiryWritten('2027-06-30T00:00:00.000Z')).toBe('2027-06-30');
    expect(expiryWritten('2027-06-30T00:00:01.000Z')).toBe('2027-06-30T00:00:01.000Z');
  });
});
