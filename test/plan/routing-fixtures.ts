// Builders of models, backends and grants (desired specs and database rows) for the planner,
// converter, serializer and renderer tests, and a plan that holds every kind of routing change.
import { computePlan } from '../../src/plan/compute';
import type { Plan } from '../../src/plan/types';
import { DEFAULT_ROUTING, splitProviderModel, type AccessGrantSpec, type ModelBackendSpec, type ModelSpec } from '../../src/domain/routing';
import type { AccessGrantRow, ModelBackendRow, ModelRow, RoutingState } from '../../src/domain/routing-rows';
import type { CurrentState } from '../../src/domain/rows';
import type { DesiredProvider } from '../../src/domain/types';
import type { PlanInput } from '../../src/plan/context';
import { current, input, model, modelRow, provider, providerRow } from './builders';

const POS = { file: 'models.yaml', line: 3, column: 5 };

export function backendSpec(ref: string, o: Partial<ModelBackendSpec> = {}): ModelBackendSpec {
  const [provider, modelId] = splitProviderModel(ref)!;
  return { provider, modelId, priority: 1, weight: 100, status: 'active', pos: POS, ...o };
}

export function modelSpec(name: string, backends: ModelBackendSpec[], o: Partial<ModelSpec> = {}): ModelSpec {
  return {
    name,
    kind: 'chat',
    status: 'active',
    description: null,
    labels: {},
    protected: false,
    onRemove: 'delete',
    routing: { ...DEFAULT_ROUTING, failoverOn: [...DEFAULT_ROUTING.failoverOn] },
    backends,
    pos: POS,
    ...o,
  };
}

export function grantSpec(model: string, subject: string, o: Partial<AccessGrantSpec> = {}): AccessGrantSpec {
  const [type, name] = subject.split(':') as ['group' | 'user', string];
  return { model, subject: { type, name }, limits: {}, expiresAt: null, pos: POS, modelPos: POS, ...o };
}

export function facadeRow(name: string, o: Partial<ModelRow> = {}): ModelRow {
  return {
    id: `m-${name}`,
    name,
    kind: 'chat',
    status: 'active',
    description: null,
    labels: {},
    routing: { ...DEFAULT_ROUTING },
    managedBy: 'default',
    protected: false,
    onRemove: 'delete',
    lastApplied: null,
    lastAppliedAt: null,
    rowVersion: 7,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...o,
  };
}

export function backendRow(model: string, ref: string, o: Partial<ModelBackendRow> = {}): ModelBackendRow {
  const [provider, pm] = splitProviderModel(ref)!;
  return {
    id: `mb-${model}-${provider}-${pm}`,
    modelId: `m-${model}`,
    modelName: model,
    providerModelId: `pm-${provider}-${pm}`,
    provider,
    providerModel: pm,
    providerModelKind: 'chat',
    providerModelStatus: 'active',
    providerStatus: 'active',
    priority: 1,
    weight: 100,
    status: 'active',
    rowVersion: 8,
    ...o,
  };
}

export function grantRow(model: string, subject: string, o: Partial<AccessGrantRow> = {}): AccessGrantRow {
  const [subjectType, name] = subject.split(':') as ['group' | 'user', string];
  return {
    id: `g-${model}-${subject}`,
    modelId: `m-${model}`,
    modelName: model,
    subjectType,
    subject: name,
    limits: {},
    expiresAt: null,
    managedBy: 'default',
    lastApplied: null,
    lastAppliedAt: null,
    rowVersion: 9,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...o,
  };
}

/** The current state with routing rows; the backends the cascade counts are derived from them. */
export function withRouting(cur: CurrentState, routing: RoutingState): CurrentState {
  const backends = routing.backends.map((b) => ({ providerModelId: b.providerModelId, backendId: b.id, modelId: b.modelId, modelName: b.modelName }));
  const counts: Record<string, number> = {};
  for (const b of backends) counts[b.modelId] = (counts[b.modelId] ?? 0) + 1;
  return { ...cur, backends, modelBackendCounts: counts, routing };
}

export function routingInput(
  providers: DesiredProvider[],
  models: ModelSpec[],
  grants: AccessGrantSpec[],
  cur: CurrentState,
  o: Partial<PlanInput> = {},
): PlanInput {
  const base = input(providers, cur, o);
  return { ...base, desired: { ...base.desired, models, accessGrants: grants } };
}

/** Two providers, declared and in the database (unchanged). */
export function routingProviders(): { desired: DesiredProvider[]; cur: CurrentState } {
  const desired = [
    provider('openai-prod', {}, [model('gpt-4o'), model('gpt-4o-mini')]),
    provider('anthropic-prod', { kind: 'anthropic' }, [model('claude-sonnet-4-6')]),
  ];
  const cur = current({
    providers: [providerRow('openai-prod'), providerRow('anthropic-prod', { kind: 'anthropic' })],
    providerModels: [modelRow('openai-prod', 'gpt-4o'), modelRow('openai-prod', 'gpt-4o-mini'), modelRow('anthropic-prod', 'claude-sonnet-4-6')],
  });
  return { desired, cur };
}

/**
 * Every kind of routing change: a model created with its backends and a grant; a model updated
 * (routing, labels) with a backend re-weighted, one disabled, one created and one removed; a
 * model renamed; a grant updated, one created, one deleted; a model removed (its backends and
 * grants in its cascade).
 */
export function routingPlan(): Plan {
  return computePlan(routingPlanInput()).plan;
}

/** The input routingPlan() is computed from (the renderers' tests add the plan's routing view from it). */
export function routingPlanInput(): PlanInput {
  const { desired, cur } = routingProviders();
  const models = [
    modelSpec('chat-new', [backendSpec('openai-prod/gpt-4o'), backendSpec('anthropic-prod/claude-sonnet-4-6', { priority: 2 })], {
      description: 'New chat',
      labels: { team: 'platform' },
    }),
    modelSpec('chat-default', [
      backendSpec('openai-prod/gpt-4o', { weight: 50 }),
      backendSpec('openai-prod/gpt-4o-mini', { weight: 50, status: 'disabled' }),
      backendSpec('anthropic-prod/claude-sonnet-4-6', { priority: 2 }),
    ], { routing: { strategy: 'fallback', retries: 2, failoverOn: ['rate-limit', 'timeout'] }, labels: { team: 'search' } }),
    modelSpec('quick', [backendSpec('openai-prod/gpt-4o-mini')], { renamedFrom: [{ name: 'fast', pos: POS }] }),
  ];
  const grants = [
    grantSpec('chat-new', 'group:engineering', { limits: { requestsPerMinute: 600 } }),
    grantSpec('chat-default', 'group:engineering', { limits: { requestsPerMinute: 900, tokensPerDay: 5000000 } }),
    grantSpec('quick', 'user:ana@example.com', { expiresAt: '2027-06-30T00:00:00.000Z' }),
  ];
  const routing: RoutingState = {
    models: [facadeRow('chat-default', { labels: { team: 'platform' } }), facadeRow('fast'), facadeRow('legacy')],
    backends: [
      backendRow('chat-default', 'openai-prod/gpt-4o'),
      backendRow('chat-default', 'openai-prod/gpt-4o-mini', { weight: 50 }),
      backendRow('chat-default', 'anthropic-prod/claude-haiku-4-5', { providerModelId: 'pm-console' }),
      backendRow('fast', 'openai-prod/gpt-4o-mini'),
      backendRow('legacy', 'openai-prod/gpt-4o'),
    ],
    grants: [
      grantRow('chat-default', 'group:engineering', { limits: { requestsPerMinute: 600 } }),
      grantRow('chat-default', 'group:support'),
      grantRow('fast', 'user:ana@example.com', { expiresAt: '2027-06-30T00:00:00.000Z' }),
      grantRow('legacy', 'group:engineering'),
    ],
  };
  return routingInput(desired, models, grants, withRouting(cur, routing));
}
