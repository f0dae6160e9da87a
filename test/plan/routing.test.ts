// The planner of models, backends and grants (src/plan/routing*.ts), without a database: what
// each kind of difference becomes, ownership, protection, cascades, and the plan-time checks
// against the database as the plan leaves it.
import { computePlan } from '../../src/plan/compute';
import { normalizePlan, parsePlan, serializePlan } from '../../src/plan/serialize';
import type { Change } from '../../src/plan/types';
import { identityOf } from '../../src/resources/registry';
import { current, model, modelRow, provider, providerRow } from './builders';
import {
  backendRow,
  backendSpec,
  facadeRow,
  grantRow,
  grantSpec,
  modelSpec,
  routingInput,
  routingPlan,
  routingProviders,
  withRouting,
} from './routing-fixtures';

const line = (c: Change): string =>
  `${c.action}${c.adopt ? '(adopt)' : ''} ${c.resource.type} ${identityOf(c.resource).join('/')}${c.fields?.length ? ` [${c.fields.map((f) => f.path).join(',')}]` : ''}`;

describe('planning models, backends and grants', () => {
  test('every kind of change, in the one change order (writes top-down, deletes bottom-up)', () => {
    const plan = routingPlan();
    expect(plan.changes.map(line)).toEqual([
      'update model chat-default [labels.team,routing.failoverOn,routing.retries]',
      'create model chat-new [name,kind,status,labels.team,protected,onRemove,description,routing.failoverOn,routing.retries,routing.strategy]',
      'update model quick [name]',
      'create modelBackend chat-default/anthropic-prod/claude-sonnet-4-6 [status,priority,weight]',
      'update modelBackend chat-default/openai-prod/gpt-4o [weight]',
      'disable modelBackend chat-default/openai-prod/gpt-4o-mini [status]',
      'create modelBackend chat-new/anthropic-prod/claude-sonnet-4-6 [status,priority,weight]',
      'create modelBackend chat-new/openai-prod/gpt-4o [status,priority,weight]',
      'update accessGrant chat-default/group:engineering [limits.requestsPerMinute,limits.tokensPerDay]',
      'create accessGrant chat-new/group:engineering [limits.requestsPerMinute]',
      'delete accessGrant chat-default/group:support',
      'delete modelBackend chat-default/anthropic-prod/claude-haiku-4-5',
      'delete model legacy',
    ]);
    const rename = plan.changes.find((c) => c.resource.type === 'model' && c.renamedFrom !== undefined)!;
    expect(rename).toMatchObject({ renamedFrom: 'fast', expect: { id: 'm-fast', rowVersion: 7 } });
    const del = plan.changes.find((c) => c.action === 'delete' && c.resource.type === 'model')!;
    expect(del.cascade).toEqual({ providerModels: 0, modelBackends: 1, modelsLeftWithoutBackends: [], accessGrants: 1 });
    expect(plan.summary).toEqual({ create: 5, update: 4, disable: 1, enable: 0, delete: 3 });
  });

  test('round-trips plan -> JSON -> plan unchanged, and the reader accepts it', () => {
    const plan = routingPlan();
    const text = serializePlan(plan);
    const back = parsePlan(text, { scope: 'default' });
    expect(normalizePlan(back)).toEqual(normalizePlan({ ...plan, digest: back.digest }));
    expect(serializePlan(back)).toBe(text);
  });

  test('applied state plans nothing: the rows as the files declare them', () => {
    const { desired, cur } = routingProviders();
    const models = [modelSpec('chat', [backendSpec('openai-prod/gpt-4o', { weight: 60 })])];
    const grants = [grantSpec('chat', 'user:ana@example.com', { limits: { tokensPerDay: 5 }, expiresAt: '2027-06-30T00:00:00.000Z' })];
    const routing = {
      models: [facadeRow('chat')],
      backends: [backendRow('chat', 'openai-prod/gpt-4o', { weight: 60 })],
      grants: [grantRow('chat', 'user:ana@example.com', { limits: { tokensPerDay: 5 }, expiresAt: '2027-06-30T00:00:00.000Z' })],
    };
    const r = computePlan(routingInput(desired, models, grants, withRouting(cur, routing)));
    expect(r.plan.changes).toEqual([]);
    expect(r.diagnostics).toEqual([]);
  });

  test('console rows are reported and left alone without --adopt, taken over with it; other scopes are refused', () => {
    const { desired, cur } = routingProviders();
    const models = [modelSpec('chat', [backendSpec('openai-prod/gpt-4o')]), modelSpec('theirs', [backendSpec('openai-prod/gpt-4o')])];
    const routing = {
      models: [facadeRow('chat', { managedBy: null, kind: null, routing: null }), facadeRow('theirs', { managedBy: 'team-b' })],
      backends: [backendRow('chat', 'openai-prod/gpt-4o', { priority: 0 }), backendRow('chat', 'openai-prod/gpt-4o-mini')],
      grants: [grantRow('chat', 'group:eng', { managedBy: null })],
    };
    const state = withRouting(cur, routing);
    const grants = [grantSpec('chat', 'group:eng', { limits: { requestsPerMinute: 1 } })];
    const plain = computePlan(routingInput(desired, models, grants, state));
    expect(plain.plan.changes).toEqual([]);
    expect(plain.plan.warnings.map((w) => w.code)).toEqual(['unmanaged-model', 'unmanaged-grant']);
    expect(plain.problems.map((p) => `${p.code} ${identityOf(p.resource).join('/')}`)).toEqual(['owned-by-other-scope theirs']);
    const adopted = computePlan(routingInput(desired, models.slice(0, 1), grants, state, { adopt: true }));
    expect(adopted.plan.changes.map(line)).toEqual([
      'update(adopt) model chat [kind]',
      'update modelBackend chat/openai-prod/gpt-4o [priority]',
      'update(adopt) accessGrant chat/group:eng [limits.requestsPerMinute]',
      'delete modelBackend chat/openai-prod/gpt-4o-mini',
    ]);
  });

  test('removal: protected is kept with a warning, onRemove disable disables, otherwise a delete', () => {
    const { desired, cur } = routingProviders();
    const routing = {
      models: [facadeRow('kept', { protected: true }), facadeRow('paused', { onRemove: 'disable' }), facadeRow('gone')],
      backends: [backendRow('kept', 'openai-prod/gpt-4o'), backendRow('gone', 'openai-prod/gpt-4o')],
      grants: [grantRow('gone', 'group:eng'), grantRow('gone', 'user:a@b.c')],
    };
    const r = computePlan(routingInput(desired, [], [], withRouting(cur, routing)));
    expect(r.plan.changes.map(line)).toEqual(['disable model paused [status]', 'delete model gone']);
    expect(r.plan.changes[1].cascade).toEqual({ providerModels: 0, modelBackends: 1, modelsLeftWithoutBackends: [], accessGrants: 2 });
    expect(r.plan.warnings.map((w) => w.code)).toEqual(['protected']);
  });
});

describe('plan-time checks against the database as the plan leaves it', () => {
  const dbOnly = () => {
    // Provider 'legacy' is only in the database: backends naming it are checked at plan time.
    const desired = [provider('openai-prod', {}, [model('gpt-4o')])];
    const cur = current({
      providers: [providerRow('openai-prod'), providerRow('legacy', { managedBy: null }), providerRow('old')],
      providerModels: [
        modelRow('openai-prod', 'gpt-4o'),
        modelRow('legacy', 'embed', { kind: 'embedding' }),
        modelRow('legacy', 'off', { status: 'disabled' }),
        modelRow('old', 'm1'),
      ],
    });
    return { desired, cur };
  };
  const codes = (models: ReturnType<typeof modelSpec>[], grants: ReturnType<typeof grantSpec>[] = [], routing = { models: [], backends: [], grants: [] }) => {
    const { desired, cur } = dbOnly();
    return computePlan(routingInput(desired, models, grants, withRouting(cur, routing))).diagnostics.map((d) => d.code);
  };

  test('unknown provider model, kind mismatch, disabled provider model, provider the plan deletes', () => {
    expect(codes([modelSpec('a', [backendSpec('openai-prod/gpt-4o'), backendSpec('legacy/nope')])])).toEqual(['unknown-provider-model']);
    expect(codes([modelSpec('a', [backendSpec('openai-prod/gpt-4o'), backendSpec('legacy/embed')])])).toEqual(['backend-kind-mismatch']);
    expect(codes([modelSpec('a', [backendSpec('legacy/off')])])).toEqual(['backend-provider-model-disabled', 'model-without-active-backend']);
    // 'old' is this scope's and no longer declared: the plan deletes it, and the backend with it.
    expect(codes([modelSpec('a', [backendSpec('openai-prod/gpt-4o'), backendSpec('old/m1')])])).toEqual(['backend-provider-model-deleted']);
  });

  test('a grant for a model in neither the files nor the database (or one the plan deletes)', () => {
    expect(codes([], [grantSpec('ghost', 'group:eng')])).toEqual(['unknown-grant-model']);
    expect(codes([], [grantSpec('console', 'group:eng')], { models: [facadeRow('console', { managedBy: null })], backends: [], grants: [] } as never)).toEqual([]);
    expect(codes([], [grantSpec('mine', 'group:eng')], { models: [facadeRow('mine')], backends: [], grants: [] } as never)).toEqual(['unknown-grant-model']);
  });

  test('a protected model kept active whose every backend the plan removes is refused', () => {
    const { desired, cur } = dbOnly();
    const routing = { models: [facadeRow('kept', { protected: true })], backends: [backendRow('kept', 'old/m1')], grants: [] };
    const r = computePlan(routingInput(desired, [], [], withRouting(cur, routing)));
    expect(r.problems.map((p) => p.code)).toEqual(['model-without-active-backend']);
  });
});
