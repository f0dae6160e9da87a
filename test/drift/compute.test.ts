import { identityOf } from '../../src/resources/registry';
// The drift core on fixtures: each label from a realistic cause, ignore lists, credentials,
// and what is never reported (other scopes, unresolved secrets, nothing changed).
import { computeDrift, type DriftInput } from '../../src/plan/drift/compute';
import { lastAppliedOfModel, lastAppliedOfProvider } from '../../src/plan/compute';
import type { DesiredProvider } from '../../src/domain/types';
import type { ProviderModelRow, ProviderRow } from '../../src/domain/rows';
import type { DriftChange } from '../../src/plan/drift/types';
import type { DeletedRow } from '../../src/plan/drift/deleted';
import { appliedState, credsFor, current, fp, model, modelRow, NOW, provider, providerRow } from '../plan/builders';

/** A row exactly as the real apply converter writes `d` (test/plan/builders.ts appliedState), then `o`. */
function appliedRow(d: DesiredProvider, o: Partial<ProviderRow> = {}): ProviderRow {
  return { ...appliedState([d]).providers[0], ...o };
}

function appliedModels(d: DesiredProvider): ProviderModelRow[] {
  return appliedState([d]).providerModels;
}

function drift(desired: DesiredProvider[], providers: ProviderRow[], models: ProviderModelRow[], o: Partial<DriftInput> = {}) {
  return computeDrift({
    desired: { providers: desired },
    current: current({ providers, providerModels: models }),
    scope: 'default',
    credentials: credsFor(desired),
    secretsResolved: true,
    lastAppliedAt: Object.fromEntries(providers.map((p) => [p.id, '2026-01-01T00:00:00.000Z'])),
    now: NOW,
    cvctlVersion: '0.1.0',
    catalogVersion: '2026.04.15',
    ...o,
  });
}

function brief(c: DriftChange): string {
  const r = identityOf(c.resource).join('/');
  const fields = (c.fields ?? []).filter((f) => f.drift !== undefined).map((f) => `${f.path}:${f.drift}`);
  return `${c.action} ${r} [${c.drift}]${fields.length ? ` ${fields.join(',')}` : ''}`;
}

const base = provider('openai-prod', { labels: { team: 'platform' }, config: { organization: 'org-a' } }, [model('gpt-4o'), model('o3')]);

describe('computeDrift', () => {
  test('nothing differs: empty report', () => {
    const r = drift([base], [appliedRow(base)], appliedModels(base));
    expect(r.changes).toEqual([]);
    expect(r.driftSummary).toEqual({ drift: 0, pending: 0, conflict: 0, unmanaged: 0, ignored: 0 });
  });

  test('a console edit is drift, with the last-applied value', () => {
    const models = appliedModels(base);
    models[0] = { ...models[0], contextWindow: 4096 };
    const r = drift([base], [appliedRow(base, { labels: { team: 'someone' }, status: 'disabled' })], models);
    expect(r.changes.map(brief)).toEqual([
      'enable openai-prod [drift] status:drift,labels.team:drift',
      'update openai-prod/gpt-4o [drift] contextWindow:drift',
    ]);
    expect(r.changes[0].fields?.[1]).toEqual({ path: 'labels.team', drift: 'drift', before: 'someone', after: 'platform', lastApplied: 'platform' });
    expect(r.summary).toEqual({ create: 0, update: 1, disable: 0, enable: 1, delete: 0 });
    expect(r.driftSummary.drift).toBe(2);
  });

  test('a files edit not applied is pending; new and removed rows too', () => {
    const edited = provider('openai-prod', { labels: { team: 'platform-2' }, config: { organization: 'org-a' } }, [model('gpt-4o'), model('gpt-5')]);
    const added = provider('groq');
    const r = drift([edited, added], [appliedRow(base)], appliedModels(base));
    expect(r.changes.map(brief)).toEqual([
      'create groq [pending]',
      'update openai-prod [pending] labels.team:pending',
      'create openai-prod/gpt-5 [pending]',
      'delete openai-prod/o3 [pending]',
    ]);
  });

  test('both sides changed is a conflict; a change mixing labels is headed by the most urgent', () => {
    const edited = provider('openai-prod', { labels: { team: 'files' }, config: { organization: 'org-b' } }, base.models);
    const row = appliedRow(base, { labels: { team: 'console' }, status: 'disabled' });
    const r = drift([edited], [row], appliedModels(base));
    expect(r.changes.map(brief)).toEqual(['enable openai-prod [conflict] status:drift,config.organization:pending,labels.team:conflict']);
  });

  test('rows made outside cvctl are unmanaged: declared ones as adopt updates, others as is', () => {
    const consoleRow = providerRow('console-only', { managedBy: null, credentialFingerprints: {} });
    const declared = provider('openai-console', { labels: { team: 'x' } });
    const declaredRow = providerRow('openai-console', { managedBy: null, labels: { team: 'y' }, credentialFingerprints: {} });
    const extraModel = modelRow('openai-prod', 'my-console-model', { managedBy: null });
    const r = drift([base, declared], [appliedRow(base), consoleRow, declaredRow], [...appliedModels(base), extraModel]);
    expect(r.changes.map(brief)).toEqual([
      'none console-only [unmanaged]',
      'update openai-console [unmanaged]',
      'none openai-prod/my-console-model [unmanaged]',
    ]);
    expect(r.changes[1].adopt).toBe(true);
    expect(r.changes[1].fields?.map((f) => f.path)).toEqual(['labels.team', 'credentials.apiKey']);
    expect(r.driftSummary.unmanaged).toBe(3);
    // `none`: apply would not touch them, so the plan-action counts leave them out.
    expect(r.summary).toEqual({ create: 0, update: 1, disable: 0, enable: 0, delete: 0 });
  });

  test('a console model declared in the files on a managed provider is unmanaged, with its differences', () => {
    const d = provider('openai-prod', base.spec, [...base.models, model('console-made', { source: 'custom', contextWindow: 1000 })]);
    const consoleModel = modelRow('openai-prod', 'console-made', { managedBy: null, source: 'custom', contextWindow: 2000 });
    const r = drift([d], [appliedRow(base)], [...appliedModels(base), consoleModel]);
    expect(r.changes.map(brief)).toEqual(['update openai-prod/console-made [unmanaged]']);
    expect(r.changes[0].fields).toEqual([{ path: 'contextWindow', before: 2000, after: 1000 }]);
    expect(r.warnings).toEqual([]);
  });

  test('rows of other scopes are not reported; declaring one is a warning', () => {
    const other = providerRow('theirs', { managedBy: 'team-b' });
    const r = drift([provider('theirs')], [other], []);
    expect(r.changes).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toEqual(['owned-by-other-scope']);
  });

  test('a protected row removed from the files is a warning, not a difference', () => {
    const kept = provider('kept', { protected: true });
    const r = drift([], [appliedRow(kept)], []);
    expect(r.changes).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toEqual(['protected']);
  });

  describe('credentials', () => {
    test('rewritten in the database: drift; rotated in the secret store: pending; both: conflict', () => {
      const row = appliedRow(base, { credentialFingerprints: { apiKey: fp('openai-prod', 'apiKey', 2) } });
      const consoleChange = drift([base], [row], appliedModels(base));
      expect(consoleChange.changes.map(brief)).toEqual(['update openai-prod [drift] credentials.apiKey:drift']);
      expect(consoleChange.changes[0].fields?.[0].after).toEqual({ sensitive: true, changed: true, prefix: 'sk-test-' });

      const rotated = drift([base], [appliedRow(base)], appliedModels(base), { credentials: credsFor([base], 3) });
      expect(rotated.changes.map(brief)).toEqual(['update openai-prod [pending] credentials.apiKey:pending']);

      const both = drift([base], [row], appliedModels(base), { credentials: credsFor([base], 3) });
      expect(both.changes.map(brief)).toEqual(['update openai-prod [conflict] credentials.apiKey:conflict']);
    });

    test('a create records no fingerprint: the credential timestamps tell whether the database moved', () => {
      const created = appliedRow(base, { lastApplied: lastAppliedOfProvider(base.spec, { apiKey: null }), credentialUpdatedAt: '2026-01-01T00:00:00.000Z' });
      const rotated = drift([base], [created], appliedModels(base), { credentials: credsFor([base], 3) });
      expect(rotated.changes.map(brief)).toEqual(['update openai-prod [pending] credentials.apiKey:pending']);
      const rewritten = { ...created, credentialUpdatedAt: '2026-02-01T00:00:00.000Z', credentialFingerprints: { apiKey: fp('openai-prod', 'apiKey', 2) } };
      expect(drift([base], [rewritten], appliedModels(base)).changes.map(brief)).toEqual([
        'update openai-prod [conflict] credentials.apiKey:conflict',
      ]);
    });

    test('--no-resolve-secrets: credentials are not compared', () => {
      const row = appliedRow(base, { credentialFingerprints: { apiKey: fp('openai-prod', 'apiKey', 2) } });
      const r = drift([base], [row], appliedModels(base), {
        secretsResolved: false,
        credentials: { 'openai-prod': { apiKey: { fingerprint: null, prefix: null, unknown: true } } },
      });
      expect(r.changes).toEqual([]);
      expect(r.meta.secretsResolved).toBe(false);
    });
  });

  describe('ignoreDrift', () => {
    const withIgnores = (entries: DesiredProvider['spec']['ignoreDrift']): DesiredProvider =>
      provider('openai-prod', { ...base.spec, ignoreDrift: entries }, base.models);

    test('active entries silence matching fields and whole models; the rest is reported', () => {
      const d = withIgnores([
        { path: 'labels.*', reason: 'labels are owned by FinOps' },
        { path: 'models.gpt-4o.pricing', reason: 'negotiated price', until: '2027-01-01' },
        { path: 'models.o3', reason: 'o3 is managed by hand' },
      ]);
      const models = appliedModels(d).filter((m) => m.modelId !== 'o3');
      models[0] = { ...models[0], pricing: { inputPerMTok: 1, outputPerMTok: 2 }, contextWindow: 1000 };
      const row = appliedRow(d, { labels: { team: 'x', owner: 'bob' }, config: { organization: 'org-z' } });
      const r = drift([d], [row], models);
      expect(r.changes.map(brief)).toEqual([
        'update openai-prod [drift] config.organization:drift',
        'update openai-prod/gpt-4o [drift] contextWindow:drift',
      ]);
      // labels.owner, labels.team, 2 prices, the o3 create
      expect(r.driftSummary.ignored).toBe(5);
      expect(r.warnings).toEqual([]);
    });

    test('an expired entry silences nothing and is a warning', () => {
      const d = withIgnores([{ path: 'config.organization', reason: 'migration', until: '2026-01-31' }]);
      const r = drift([d], [appliedRow(d, { config: { organization: 'org-z' } })], appliedModels(d));
      expect(r.changes.map(brief)).toEqual(['update openai-prod [drift] config.organization:drift']);
      expect(r.warnings.map((w) => w.code)).toEqual(['ignore-expired']);
      expect(r.warnings[0].message).toContain("'config.organization'");
    });

    test('a change left with no field is dropped; an adoption stays', () => {
      const d = withIgnores([{ path: 'labels', reason: 'console-owned' }]);
      const r = drift([d], [appliedRow(d, { labels: { team: 'x' } })], appliedModels(d));
      expect(r.changes).toEqual([]);
      const adopt = drift([d], [appliedRow(d, { labels: { team: 'x' }, managedBy: null })], appliedModels(d));
      expect(adopt.changes.map(brief)[0]).toBe('update openai-prod [unmanaged]');
      expect(adopt.changes[0].fields).toEqual([]);
    });
  });

  test('the report does not depend on input order', () => {
    const other = provider('anthropic', { kind: 'anthropic' }, [model('claude', { source: 'custom' })]);
    const rows = [appliedRow(base, { labels: {} }), appliedRow(other, { status: 'disabled' })];
    const models = [...appliedModels(base), ...appliedModels(other)];
    const a = drift([base, other], rows, models);
    const b = drift([other, base], [...rows].reverse(), [...models].reverse());
    expect(b).toEqual(a);
  });
});

describe('rows deleted outside cvctl (cvctl_deleted_rows)', () => {
  const groq = provider('groq', { kind: 'groq', labels: { team: 'ml' } }, [model('llama')]);
  /** What the delete trigger records for a row an apply of `d` wrote. */
  const gone = (d: DesiredProvider, o: Partial<DeletedRow> = {}): DeletedRow => ({
    resourceType: 'provider',
    provider: d.spec.name,
    modelId: '',
    rowId: `pv-${d.spec.name}`,
    managedBy: 'default',
    lastApplied: appliedRow(d).lastApplied,
    deletedAt: '2026-02-01T00:00:00.000Z',
    ...o,
  });
  const goneModel = (d: DesiredProvider, id: string, o: Partial<DeletedRow> = {}): DeletedRow => ({
    ...gone(d),
    resourceType: 'providerModel',
    modelId: id,
    rowId: `pm-${d.spec.name}-${id}`,
    lastApplied: lastAppliedOfModel(d.models.find((m) => m.modelId === id)!),
    ...o,
  });
  const groqFps = { groq: { apiKey: fp('groq') } };
  const groqChanged = provider('groq', { kind: 'groq', labels: { team: 'research' } }, [model('llama')]);

  test.each<[string, DesiredProvider, DeletedRow[], Record<string, Record<string, string | null>>, string[]]>([
    ['never applied: pending', groq, [], {}, ['create groq [pending]', 'create groq/llama [pending]']],
    [
      'applied, then deleted in the console: drift (its models with it)',
      groq,
      [gone(groq), goneModel(groq, 'llama')],
      groqFps,
      ['create groq [drift] kind:drift,status:drift,labels.team:drift,protected:drift,onRemove:drift,credentials.apiKey:drift', 'create groq/llama [drift] kind:drift,status:drift,contextWindow:drift,pricing.inputPerMTok:drift,pricing.outputPerMTok:drift,source:drift'],
    ],
    [
      'deleted in the console and changed in the files: conflict',
      groqChanged,
      [gone(groq), goneModel(groq, 'llama')],
      groqFps,
      ['create groq [conflict] kind:drift,status:drift,labels.team:conflict,protected:drift,onRemove:drift,credentials.apiKey:drift', 'create groq/llama [drift] kind:drift,status:drift,contextWindow:drift,pricing.inputPerMTok:drift,pricing.outputPerMTok:drift,source:drift'],
    ],
    [
      'the key rotated in the files since: the credential is a conflict',
      groq,
      [gone(groq)],
      { groq: { apiKey: fp('groq', 'apiKey', 2) } },
      ['create groq [conflict] kind:drift,status:drift,labels.team:drift,protected:drift,onRemove:drift,credentials.apiKey:conflict', 'create groq/llama [pending]'],
    ],
    ['a record of another scope says nothing about this one: pending', groq, [gone(groq, { managedBy: 'team-b' })], groqFps, ['create groq [pending]', 'create groq/llama [pending]']],
    [
      'no last-applied record: a conflict (the deletion is known, the files side is not)',
      groq,
      [gone(groq, { lastApplied: null })],
      groqFps,
      ['create groq [conflict] name:conflict,kind:conflict,status:conflict,labels.team:conflict,protected:conflict,onRemove:conflict,credentials.apiKey:conflict', 'create groq/llama [pending]'],
    ],
  ])('%s', (_what, files, deleted, deletedFingerprints, expected) => {
    const r = drift([base, files], [appliedRow(base)], appliedModels(base), { deleted, deletedFingerprints });
    expect(r.changes.map(brief)).toEqual(expected);
  });

  test('a model deleted in the console on a provider that is still there is drift, with the reason', () => {
    const r = drift([base], [appliedRow(base)], appliedModels(base).filter((m) => m.modelId !== 'o3'), { deleted: [goneModel(base, 'o3')] });
    expect(r.changes.map(brief)).toEqual(['create openai-prod/o3 [drift] kind:drift,status:drift,contextWindow:drift,pricing.inputPerMTok:drift,pricing.outputPerMTok:drift,source:drift']);
    expect(r.changes[0].reason).toBe('deleted in the database since the last apply');
    expect(r.driftSummary).toMatchObject({ drift: 1, pending: 0 });
  });

  test('a record of a row that exists again (re-created by an apply) is ignored', () => {
    const r = drift([base], [appliedRow(base)], appliedModels(base), { deleted: [gone(base), goneModel(base, 'o3')] });
    expect(r.changes).toEqual([]);
  });
});
