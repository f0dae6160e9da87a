// The executor (src/state/execute.ts) on both databases: the converter's statements for a plan
// run in one transaction and leave the rows the plan describes; a failing statement leaves
// nothing (the caller's transaction rolls back).
import { convertPlan } from '../../src/apply/convert';
import { computePlan } from '../../src/plan/compute';
import type { Plan } from '../../src/plan/types';
import { executeStatements } from '../../src/state/execute';
import { readState } from '../../src/state/read-state';
import type { CurrentState } from '../../src/domain/rows';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { current, input, model, provider } from '../plan/builders';
import { convertInputFor } from './support';

const NOW = new Date('2026-04-20T12:00:00.000Z');

const desired = [
  provider('openai-prod', { config: { organization: 'org-abc' }, labels: { team: 'platform' } }, [model('gpt-4o'), model('o3')]),
  provider('groq', { kind: 'groq', credentials: {} }, [model('llama', { contextWindow: null, pricing: null })]),
];

describe.each(targets)('executeStatements on %s', (target) => {
  let fresh: FreshDatabase;
  beforeEach(async () => {
    fresh = await freshDatabase(target);
  });
  afterEach(async () => {
    await fresh.cleanup();
  });

  const run = async (plan: Plan): Promise<void> => {
    await fresh.db.transaction((tx) => executeStatements(tx, convertPlan(convertInputFor(plan, NOW)).flatMap((s) => s.statements)));
  };
  const brief = (s: CurrentState) => ({
    providers: s.providers.map((p) => [p.name, p.kind, p.status, p.config, p.labels, p.managedBy, p.credentialPrefix, p.credentialFingerprints]),
    models: s.providerModels.map((m) => [m.modelId, m.kind, m.status, m.contextWindow, m.pricing, m.source, m.managedBy]),
  });

  test('a first apply creates every row, with last-applied records', async () => {
    await run(computePlan(input(desired, current(), { digest: false })).plan);
    const state = await readState(fresh.db);
    expect(brief(state)).toEqual({
      providers: [
        ['groq', 'groq', 'active', {}, {}, 'default', null, {}],
        ['openai-prod', 'openai', 'active', { organization: 'org-abc' }, { team: 'platform' }, 'default', 'sk-test-', { apiKey: 'fp-openai-prod-apiKey-v1' }],
      ],
      models: expect.arrayContaining([
        ['gpt-4o', 'chat', 'active', 128000, { inputPerMTok: 2.5, outputPerMTok: 10 }, 'catalog:2026.04.15', 'default'],
        ['llama', 'chat', 'active', null, null, 'catalog:2026.04.15', 'default'],
        ['o3', 'chat', 'active', 128000, { inputPerMTok: 2.5, outputPerMTok: 10 }, 'catalog:2026.04.15', 'default'],
      ]),
    });
    expect(state.providerModels).toHaveLength(3);
    const openai = state.providers.find((p) => p.name === 'openai-prod')!;
    expect(openai.lastApplied).toEqual({
      kind: 'openai',
      status: 'active',
      config: { organization: 'org-abc' },
      labels: { team: 'platform' },
      protected: false,
      onRemove: 'delete',
      credentials: { apiKey: 'fp-openai-prod-apiKey-v1' },
    });
  });

  test('updates, disables and deletes in the same transaction; then the plan is empty', async () => {
    await run(computePlan(input(desired, current(), { digest: false })).plan);
    const next = [
      provider('openai-prod', { config: { organization: 'org-xyz' }, labels: { team: 'platform' } }, [model('gpt-4o', { status: 'disabled' })]),
    ];
    const plan = computePlan(input(next, await readState(fresh.db), { digest: false })).plan;
    expect(plan.summary).toEqual({ create: 0, update: 1, disable: 1, enable: 0, delete: 2 });
    await run(plan);
    const state = await readState(fresh.db);
    expect(brief(state).providers.map((p) => [p[0], p[3]])).toEqual([['openai-prod', { organization: 'org-xyz' }]]);
    expect(brief(state).models.map((m) => [m[0], m[2]])).toEqual([['gpt-4o', 'disabled']]);
    // Credentials kept: the update leaves the stored ones as they are.
    expect(state.providers[0].credentialPrefix).toBe('sk-test-');
    expect(computePlan(input(next, state, { digest: false })).plan.changes).toEqual([]);
  });

  test('a failing statement rejects, and the transaction writes nothing', async () => {
    const statements = convertPlan(convertInputFor(computePlan(input(desired, current(), { digest: false })).plan, NOW)).flatMap((s) => s.statements);
    const failing = [...statements, { sql: 'insert into providers (name, kind) values ($1, $2)', params: ['openai-prod', 'openai'] }];
    await expect(fresh.db.transaction((tx) => executeStatements(tx, failing))).rejects.toThrow();
    const state = await readState(fresh.db);
    expect([state.providers.length, state.providerModels.length]).toEqual([0, 0]);
  });
});
