// Table-driven planner cases: each row is desired files × database rows → expected changes
// (action, resource, changed field paths), problems and warnings, plus targeted checks.
import { computePlan, lastAppliedOfModel, lastAppliedOfProvider, type PlanInput } from '../../src/plan/compute';
import { planDigest } from '../../src/plan/serialize';
import type { Change, ProviderTarget } from '../../src/plan/types';
import { backend, brief, current, envRef, fp, input, model, modelRow, provider, providerRow, rowsMatching } from './builders';

interface Row {
  name: string;
  in: PlanInput;
  changes: string[];
  problems?: string[];
  warnings?: string[];
  check?: (changes: Change[]) => void;
}

const gpt = model('gpt-4o');
const mini = model('gpt-4o-mini', { pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } });
const p = (o = {}, models = [gpt]) => provider('openai-prod', o, models);
const row = (o = {}) => providerRow('openai-prod', o);
const mrow = (id: string, o = {}) => modelRow('openai-prod', id, o);
const same = (o = {}, models = [gpt]) => rowsMatching([p(o, models)]);
const withRow = (rowO: object, models = [mrow('gpt-4o')]) => current({ providers: [row(rowO)], providerModels: models });
const field = (c: Change, path: string) => c.fields?.find((f) => f.path === path);
const unknownCreds = { 'openai-prod': { apiKey: { fingerprint: null, prefix: null, unknown: true } } };

const rows: Row[] = [
  {
    name: 'create: provider with every set field, credentials sensitive, plus its models',
    in: input([p({ config: { organization: 'org-abc' }, labels: { team: 'platform' } }, [gpt, mini])], current()),
    changes: [
      'create openai-prod [name,kind,status,config.organization,labels.team,protected,onRemove,credentials.apiKey]',
      'create openai-prod/gpt-4o [kind,status,contextWindow,pricing.inputPerMTok,pricing.outputPerMTok,source]',
      'create openai-prod/gpt-4o-mini [kind,status,contextWindow,pricing.inputPerMTok,pricing.outputPerMTok,source]',
    ],
    check: ([c]) => {
      expect(field(c, 'config.organization')).toEqual({ path: 'config.organization', before: null, after: 'org-abc' });
      expect(field(c, 'credentials.apiKey')?.after).toEqual({ sensitive: true, changed: true, prefix: 'sk-test-' });
      expect(c.expect).toEqual({ absent: true });
      expect(c.cascade).toEqual({ providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] });
      const t = c.target as ProviderTarget;
      expect(t.credentials?.apiKey).toEqual({ ...envRef('OPENAI_PROD_KEY'), fingerprint: fp('openai-prod') });
    },
  },
  {
    name: 'create: unresolved secrets show as unknown (changed: null, never false)',
    in: input([p({}, [])], current(), { secretsResolved: false, credentials: unknownCreds }),
    changes: ['create openai-prod [name,kind,status,protected,onRemove,credentials.apiKey]'],
    check: ([c]) => {
      expect(field(c, 'credentials.apiKey')?.after).toEqual({ sensitive: true, changed: null, prefix: null, unknown: true });
      expect((c.target as ProviderTarget).credentials?.apiKey.fingerprint).toBeUndefined();
    },
  },
  { name: 'idempotence: files == database → no changes', in: input([p({ config: { a: { b: [1] } }, labels: { x: 'y' } }, [gpt, mini])], same({ config: { a: { b: [1] } }, labels: { x: 'y' } }, [gpt, mini])), changes: [] },
  { name: 'update: kind', in: input([p({ kind: 'openai-compatible', config: {} })], same({ kind: 'openai' })), changes: ['update openai-prod [kind]'] },
  {
    name: 'disable: status active → disabled (other fields ride along)',
    in: input([p({ status: 'disabled', labels: { t: '1' } })], same()),
    changes: ['disable openai-prod [status,labels.t]'],
  },
  { name: 'enable: status disabled → active', in: input([p()], same({ status: 'disabled' })), changes: ['enable openai-prod [status]'] },
  {
    name: 'config: nested, quoted keys, removed keys, arrays as leaves',
    in: input(
      [p({ config: { deployments: { 'gpt-4.1': 'd41', 'gpt-4o': 'new' }, scopes: ['a', 'b'] } })],
      same({ config: { deployments: { 'gpt-4o': 'old' }, organization: 'org-1', scopes: ['a'] } }),
    ),
    changes: ['update openai-prod [config.deployments.gpt-4o,config.deployments["gpt-4.1"],config.organization,config.scopes]'],
    check: ([c]) => {
      expect(field(c, 'config.organization')).toEqual({ path: 'config.organization', before: 'org-1', after: null });
      expect(field(c, 'config.scopes')?.after).toEqual(['a', 'b']);
    },
  },
  {
    name: 'labels: added, changed, removed',
    in: input([p({ labels: { team: 'ml', 'app.io/tier': 'gold' } })], same({ labels: { team: 'platform', old: 'x' } })),
    changes: ['update openai-prod [labels.old,labels.team,labels["app.io/tier"]]'],
  },
  { name: 'protected and onRemove', in: input([p({ protected: true, onRemove: 'disable' })], same()), changes: ['update openai-prod [protected,onRemove]'] },
  {
    name: 'credential changed: fingerprint differs → rewrite all credentials',
    in: input([p()], same(), { credentials: { 'openai-prod': { apiKey: { fingerprint: fp('openai-prod', 'apiKey', 2), prefix: 'sk-new-' } } } }),
    changes: ['update openai-prod [credentials.apiKey]'],
    check: ([c]) => {
      expect(field(c, 'credentials.apiKey')).toEqual({
        path: 'credentials.apiKey',
        before: { sensitive: true, changed: true, prefix: 'sk-test-' },
        after: { sensitive: true, changed: true, prefix: 'sk-new-' },
      });
      expect((c.target as ProviderTarget).credentials?.apiKey.fingerprint).toBe(fp('openai-prod', 'apiKey', 2));
    },
  },
  {
    name: 'credential unchanged while another field changes → target.credentials null',
    in: input([p({ labels: { a: 'b' } })], same()),
    changes: ['update openai-prod [labels.a]'],
    check: ([c]) => expect((c.target as ProviderTarget).credentials).toBeNull(),
  },
  { name: 'credential unknown and nothing else → no change', in: input([p()], same(), { secretsResolved: false, credentials: unknownCreds }), changes: [] },
  {
    name: 'credential unknown with another change → shown as unknown, not a credential write',
    in: input([p({ labels: { a: 'b' } })], same(), { secretsResolved: false, credentials: unknownCreds }),
    changes: ['update openai-prod [labels.a,credentials.apiKey]'],
    check: ([c]) => {
      expect(field(c, 'credentials.apiKey')?.after).toEqual({ sensitive: true, changed: null, prefix: null, unknown: true });
      // The stored side does not claim "unchanged" either.
      expect(field(c, 'credentials.apiKey')?.before).toMatchObject({ sensitive: true, changed: null });
      expect((c.target as ProviderTarget).credentials).toBeNull();
      expect((c.target as ProviderTarget).lastApplied.credentials).toEqual({ apiKey: fp('openai-prod') });
    },
  },
  {
    name: 'credential field added (bedrock sessionToken)',
    in: input(
      [provider('aws', { kind: 'bedrock', config: { region: 'us-east-1' }, credentials: { accessKeyId: envRef('A'), secretAccessKey: envRef('S'), sessionToken: envRef('T') } })],
      current({ providers: [providerRow('aws', { kind: 'bedrock', config: { region: 'us-east-1' }, credentialFingerprints: { accessKeyId: fp('aws', 'accessKeyId'), secretAccessKey: fp('aws', 'secretAccessKey') } })] }),
    ),
    changes: ['update aws [credentials.sessionToken]'],
    check: ([c]) => {
      expect(field(c, 'credentials.sessionToken')?.before).toBeNull();
      expect(Object.keys((c.target as ProviderTarget).credentials ?? {})).toEqual(['accessKeyId', 'secretAccessKey', 'sessionToken']);
    },
  },
  {
    name: 'credential field removed (openai-compatible drops its key)',
    in: input([provider('local', { kind: 'openai-compatible', config: { baseUrl: 'http://x' }, credentials: {} })], current({ providers: [providerRow('local', { kind: 'openai-compatible', config: { baseUrl: 'http://x' } })] })),
    changes: ['update local [credentials.apiKey]'],
    check: ([c]) => {
      expect(field(c, 'credentials.apiKey')).toEqual({ path: 'credentials.apiKey', before: { sensitive: true, changed: true, prefix: 'sk-test-' }, after: null });
      expect((c.target as ProviderTarget).credentials).toEqual({});
    },
  },
  {
    name: 'credential fingerprint could not be computed (null) while the row has one → changed',
    in: input([p()], same(), { credentials: { 'openai-prod': { apiKey: { fingerprint: null, prefix: 'sk-test-' } } } }),
    changes: ['update openai-prod [credentials.apiKey]'],
  },
  {
    name: 'unmanaged row without --adopt → problem, no change',
    in: input([p()], withRow({ managedBy: null })),
    changes: [],
    problems: ["unmanaged-exists: provider 'openai-prod' already exists in the database but was not created by cvctl; pass --adopt to take it over"],
  },
  {
    name: 'adopt: identical row → update with adopt and no fields; models adopted; unmanaged extra model left alone',
    in: input([p({}, [gpt, mini])], withRow({ managedBy: null }, [mrow('gpt-4o', { managedBy: null }), mrow('console-only', { managedBy: null })]), { adopt: true }),
    changes: ['update(adopt) openai-prod', 'update(adopt) openai-prod/gpt-4o', 'create openai-prod/gpt-4o-mini [kind,status,contextWindow,pricing.inputPerMTok,pricing.outputPerMTok,source]'],
    check: ([c]) => expect(c.fields).toEqual([]),
  },
  {
    name: 'adopt with differences (adopting is always an update, even when the status changes)',
    in: input([p({ status: 'disabled', config: { organization: 'o' } }, [])], withRow({ managedBy: null }, []), { adopt: true }),
    changes: ['update(adopt) openai-prod [status,config.organization]'],
  },
  {
    name: 'row of another scope → problem naming that scope (also with --adopt)',
    in: input([p()], withRow({ managedBy: 'team-b' }), { adopt: true }),
    changes: [],
    problems: ["owned-by-other-scope: provider 'openai-prod' is managed by cvctl scope 'team-b', not 'default'; change it from that scope or remove it there first"],
  },
  {
    name: 'removed + protected → kept with a warning',
    in: input([], withRow({ protected: true })),
    changes: [],
    warnings: ["protected: provider 'openai-prod' was removed from the files but is protected; it is kept"],
  },
  {
    name: 'removed + onRemove: disable → disable (and nothing when already disabled)',
    in: input([], current({ providers: [row({ onRemove: 'disable' }), providerRow('off', { onRemove: 'disable', status: 'disabled' })] })),
    changes: ['disable openai-prod [status]'],
    check: ([c]) => {
      expect(c.reason).toBe('removed from files; onRemove: disable');
      expect((c.target as ProviderTarget).status).toBe('disabled');
    },
  },
  {
    name: 'provider delete: one change, cascade counts every provider model (also unmanaged) and backend',
    in: input(
      [],
      current({
        providers: [row()],
        providerModels: [mrow('a'), mrow('b'), mrow('console', { managedBy: null })],
        backends: [backend('openai-prod', 'a', 'gpt'), backend('openai-prod', 'console', 'emb'), backend('other', 'x', 'gpt')],
      }),
    ),
    changes: ['delete openai-prod'],
    check: ([c]) => {
      expect(c.cascade).toEqual({ providerModels: 3, modelBackends: 2, modelsLeftWithoutBackends: ['emb'] });
      expect(c.expect).toEqual({ id: 'pv-openai-prod', rowVersion: 3 });
      expect(c.target).toBeUndefined();
    },
    warnings: ["model-left-without-backends: model 'emb' is left without backends: they are removed by deleting provider 'openai-prod'"],
  },
  {
    name: 'model removed → model delete with its backends',
    // 'gpt' has a second backend elsewhere (counted, not listed), so it is not left without one.
    in: input([p({}, [])], current({ providers: [row()], providerModels: [mrow('gpt-4o')], backends: [backend('openai-prod', 'gpt-4o', 'gpt')], modelBackendCounts: { 'm-gpt': 2 } })),
    changes: ['delete openai-prod/gpt-4o'],
    check: ([c]) => expect(c.cascade).toEqual({ providerModels: 0, modelBackends: 1, modelsLeftWithoutBackends: [] }),
  },
  {
    name: 'model removed, provider onRemove: disable → model disabled',
    in: input([p({ onRemove: 'disable' }, [])], withRow({ onRemove: 'disable' })),
    changes: ['disable openai-prod/gpt-4o [status]'],
  },
  {
    name: 'model removed in the same commit that sets onRemove: disable → the safer disable wins',
    in: input([p({ onRemove: 'disable' }, [])], withRow({})),
    changes: ['update openai-prod [onRemove]', 'disable openai-prod/gpt-4o [status]'],
  },
  {
    name: 'model left without backends across two deletes: listed once, on the later change',
    in: input(
      [provider('b', {}, [])],
      current({
        providers: [providerRow('a'), providerRow('b')],
        providerModels: [modelRow('a', 'x'), modelRow('b', 'y')],
        backends: [backend('a', 'x', 'gpt'), backend('b', 'y', 'gpt')],
      }),
      { credentials: { b: { apiKey: { fingerprint: fp('b'), prefix: 'sk-' } } } },
    ),
    changes: ['delete b/y', 'delete a'],
    check: ([m, pv]) => {
      expect(m.cascade?.modelsLeftWithoutBackends).toEqual([]);
      expect(pv.cascade).toEqual({ providerModels: 1, modelBackends: 1, modelsLeftWithoutBackends: ['gpt'] });
    },
    warnings: ["model-left-without-backends: model 'gpt' is left without backends: they are removed by deleting provider model 'b/y' and provider 'a'"],
  },
  {
    name: 'unmanaged model on a managed provider: undeclared → untouched; declared without --adopt → problem',
    in: input([p({}, [gpt, mini])], withRow({}, [mrow('gpt-4o'), mrow('gpt-4o-mini', { managedBy: null, pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } }), mrow('console', { managedBy: null })])),
    changes: [],
    problems: ["unmanaged-exists: provider model 'openai-prod/gpt-4o-mini' already exists in the database but was not created by cvctl; pass --adopt to take it over"],
  },
  {
    name: 'unmanaged model on a managed provider, declared, with --adopt → adopted; undeclared → untouched',
    in: input(
      [p({}, [gpt, mini])],
      withRow({}, [mrow('gpt-4o'), mrow('gpt-4o-mini', { managedBy: null, pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } }), mrow('console', { managedBy: null })]),
      { adopt: true },
    ),
    changes: ['update(adopt) openai-prod/gpt-4o-mini'],
    check: ([m]) => expect(m.adopt).toBe(true),
  },
  {
    name: 'model fields: kind, contextWindow, pricing, source; model disable and enable',
    in: input(
      [p({}, [model('a', { kind: 'embedding', contextWindow: null, pricing: { inputPerMTok: 1, outputPerMTok: 10 }, source: 'custom' }), model('b', { status: 'disabled' }), model('c')])],
      withRow({}, [mrow('a'), mrow('b'), mrow('c', { status: 'disabled' })]),
    ),
    changes: ['update openai-prod/a [kind,contextWindow,pricing.inputPerMTok,source]', 'disable openai-prod/b [status]', 'enable openai-prod/c [status]'],
  },
  {
    name: 'other scopes and unmanaged rows are never removed',
    in: input([], current({ providers: [providerRow('theirs', { managedBy: 'team-b' }), providerRow('console', { managedBy: null })] })),
    changes: [],
  },
  {
    name: 'ordering: provider changes by name, model changes, model deletes, provider deletes',
    in: input(
      [provider('b-new', {}, [model('m2'), model('m1')]), provider('a-upd', { labels: { x: '1' } }, [])],
      current({ providers: [providerRow('a-upd'), providerRow('z-old'), providerRow('c-old')], providerModels: [modelRow('a-upd', 'gone')] }),
      { credentials: { 'a-upd': { apiKey: { fingerprint: fp('a-upd'), prefix: null } }, 'b-new': { apiKey: { fingerprint: 'x', prefix: null } } } },
    ),
    changes: ['update a-upd', 'create b-new', 'create b-new/m1', 'create b-new/m2', 'delete a-upd/gone', 'delete c-old', 'delete z-old'],
  },
];

describe('computePlan', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, r) => {
    const { plan, problems } = computePlan(r.in);
    const withFields = r.changes.some((s) => s.includes('['));
    expect(plan.changes.map((c) => brief(c, withFields || r.changes.length === 0))).toEqual(r.changes);
    expect(problems.map((x) => `${x.code}: ${x.message}`)).toEqual(r.problems ?? []);
    expect(plan.warnings.map((w) => `${w.code}: ${w.message}`)).toEqual(r.warnings ?? []);
    for (const a of ['create', 'update', 'disable', 'enable', 'delete'] as const) {
      expect(plan.summary[a]).toBe(plan.changes.filter((c) => c.action === a).length);
    }
    expect(plan.digest).toBe(planDigest(plan));
    r.check?.(plan.changes);
  });

  it('has at least 25 table rows', () => expect(rows.length).toBeGreaterThanOrEqual(25));

  it('leaves the digest out when asked (apply without --plan), and changes nothing else', () => {
    const r = rows[rows.length - 1];
    const signed = computePlan(r.in).plan;
    const unsigned = computePlan({ ...r.in, digest: false }).plan;
    expect(signed.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(unsigned.digest).toBeUndefined();
    expect({ ...unsigned, digest: signed.digest }).toEqual(signed);
  });

  it('fills meta from the input (no clock reads)', () => {
    const { plan } = computePlan(input([], current()));
    expect(plan.meta).toEqual({ createdAt: '2026-04-20T12:00:00.000Z', cvctlVersion: '0.1.0', catalogVersion: '2026.04.15', secretsResolved: true });
    expect(plan.formatVersion).toBe(1);
    expect(plan.scope).toBe('default');
  });

  it('records last-applied state for 3-way drift', () => {
    const d = p({ config: { organization: 'o' }, labels: { t: 'x' } });
    const { plan } = computePlan(input([d], current()));
    expect((plan.changes[0].target as ProviderTarget).lastApplied).toEqual(
      lastAppliedOfProvider(d.spec, { apiKey: fp('openai-prod') }, 'openai-prod'),
    );
    // The name is recorded (when given) so that a rename shows in drift as what the files changed.
    expect(lastAppliedOfProvider(d.spec, {}, 'openai-prod').name).toBe('openai-prod');
    expect(lastAppliedOfProvider(d.spec, { apiKey: null })).toEqual({
      kind: 'openai', status: 'active', config: { organization: 'o' }, labels: { t: 'x' }, protected: false, onRemove: 'delete', credentials: { apiKey: null },
    });
    expect(lastAppliedOfModel(gpt)).toEqual({ kind: 'chat', status: 'active', contextWindow: 128000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 }, source: 'catalog:2026.04.15' });
  });

  it('models owned by another scope under our provider are a problem', () => {
    const { problems } = computePlan(input([p()], withRow({}, [mrow('gpt-4o', { managedBy: 'team-b' })])));
    expect(problems.map((x) => x.code)).toEqual(['owned-by-other-scope']);
  });
});
