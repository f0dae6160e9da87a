// stateAfterPlan (src/plan/state-after.ts): the rows a real plan (computePlan) leaves, applied
// generically from each change's target; and the estimator's and the policy's views of them.
import { computePlan } from '../../src/plan/compute';
import { costState, policyView, rowsOfDatabase, stateAfterPlan, type PlanRows } from '../../src/plan/state-after';
import type { ModelBackendRow, ModelRow } from '../../src/domain/routing-rows';
import { current, input, model, modelRow, provider, providerRow } from './builders';

const price = (i: number, o: number) => ({ inputPerMTok: i, outputPerMTok: o });

function modelFacade(name: string, strategy: 'fallback' | 'weighted'): ModelRow {
  return {
    id: `m-${name}`, name, kind: 'chat', status: 'active', description: null, labels: {}, routing: { strategy },
    managedBy: 'default', protected: false, onRemove: 'delete', lastApplied: null, lastAppliedAt: null,
    rowVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

function backendRow(modelName: string, providerName: string, modelId: string, priority: number): ModelBackendRow {
  return {
    id: `mb-${modelName}-${providerName}-${modelId}`, modelId: `m-${modelName}`, modelName,
    providerModelId: `pm-${providerName}-${modelId}`, provider: providerName, providerModel: modelId,
    providerModelKind: 'chat', providerModelStatus: 'active', providerStatus: 'active',
    priority, weight: 100, status: 'active', rowVersion: 1,
  };
}

// The database: openai (gpt-4o, gpt-4o-mini), anthropic (claude), old (legacy); a facade `chat`
// falling back from gpt-4o to claude.
const db = current({
  providers: [providerRow('openai'), providerRow('anthropic', { kind: 'anthropic' }), providerRow('old')],
  providerModels: [
    modelRow('openai', 'gpt-4o', { pricing: price(2.5, 10) }),
    modelRow('openai', 'gpt-4o-mini', { pricing: price(0.15, 0.6) }),
    modelRow('anthropic', 'claude', { pricing: price(3, 15) }),
    modelRow('old', 'legacy', { pricing: price(10, 30) }),
  ],
});
const routing = { models: [modelFacade('chat', 'fallback')], backends: [backendRow('chat', 'openai', 'gpt-4o', 1), backendRow('chat', 'anthropic', 'claude', 2)] };

function names(rows: PlanRows): string[] {
  return costState(rows)
    .providerModels.map((m) => `${m.provider}/${m.name} ${m.status} ${m.pricing ? `${m.pricing.inputPerMTok}/${m.pricing.outputPerMTok}` : '-'}`)
    .sort();
}

describe('stateAfterPlan', () => {
  const before = rowsOfDatabase(db, routing);

  it('writes new prices, renames, disables, creates and deletes (with their children) as the plan says', () => {
    const desired = [
      // openai renamed to openai-prod; gpt-4o-mini's price rises; gpt-4o removed from the files.
      provider('openai-prod', { renamedFrom: [{ name: 'openai', pos: { file: 'p.yaml', line: 1, column: 1 } }] }, [
        model('gpt-4o-mini', { pricing: price(0.2, 0.8) }),
      ]),
      // anthropic disabled: its models stay, but serve nothing.
      provider('anthropic', { kind: 'anthropic', status: 'disabled' }, [model('claude', { pricing: price(3, 15) })]),
      // A new provider with one model. `old` is gone from the files: deleted with its model.
      provider('mistral', { kind: 'groq' }, [model('large', { pricing: price(2, 6) })]),
    ];
    const { plan, problems } = computePlan(input(desired, db));
    expect(problems).toEqual([]);
    const after = stateAfterPlan(before, plan);
    expect(names(after)).toEqual([
      'anthropic/claude disabled 3/15',
      'mistral/large active 2/6',
      'openai-prod/gpt-4o-mini active 0.2/0.8',
    ]);
    // The removed provider model's backend went with it; the facade keeps claude's.
    const chat = costState(after).models.find((m) => m.name === 'chat')!;
    expect(chat.backends.map((b) => b.providerModelId)).toEqual(['pm-anthropic-claude']);
    // The renamed provider keeps its rows' keys: the estimator matches them with the state before.
    expect(costState(after).providerModels.find((m) => m.name === 'gpt-4o-mini')!.id).toBe('pm-openai-gpt-4o-mini');
    // The input is left as it was.
    expect(names(before)).toHaveLength(4);
    expect(costState(before).models[0].backends).toHaveLength(2);
  });

  it('reachable: a created provider model no backend change names is left out, and nothing else differs', () => {
    const desired = [
      provider('openai', {}, [model('gpt-4o', { pricing: price(2.5, 10) }), model('gpt-4o-mini', { pricing: price(0.15, 0.6) })]),
      provider('anthropic', { kind: 'anthropic' }, [model('claude', { pricing: price(3, 15) })]),
      provider('old', {}, [model('legacy', { pricing: price(10, 30) })]),
      // New: `large` is named by no backend, `small` by a new backend of `chat` (added below).
      provider('mistral', { kind: 'groq' }, [model('large', { pricing: price(2, 6) }), model('small', { pricing: price(0.1, 0.3) })]),
    ];
    const { plan } = computePlan(input(desired, db));
    const backendCreate = { action: 'create', resource: { type: 'modelBackend', model: 'chat', provider: 'mistral', name: 'small' }, expect: { absent: true }, target: { model: 'chat', provider: 'mistral', providerModel: 'small', priority: 3, weight: 100, status: 'active' } };
    const changes = [...plan.changes, backendCreate] as typeof plan.changes;
    const full = stateAfterPlan(before, { changes });
    const reachable = stateAfterPlan(before, { changes }, { reachable: true });
    expect(names(full)).toContain('mistral/large active 2/6');
    expect(names(reachable)).toEqual(names(full).filter((n) => !n.startsWith('mistral/large')));
    expect(costState(reachable).models).toEqual(costState(full).models);
    expect(costState(reachable).models.find((m) => m.name === 'chat')!.backends).toHaveLength(3);
    expect([...reachable.providers.keys()]).toEqual([...full.providers.keys()]);
  });

  it('a plan without changes leaves the same state', () => {
    const desired = [
      provider('openai', {}, [model('gpt-4o', { pricing: price(2.5, 10) }), model('gpt-4o-mini', { pricing: price(0.15, 0.6) })]),
      provider('anthropic', { kind: 'anthropic' }, [model('claude', { pricing: price(3, 15) })]),
      provider('old', {}, [model('legacy', { pricing: price(10, 30) })]),
    ];
    const after = stateAfterPlan(before, { changes: [] });
    expect(costState(after)).toEqual(costState(before));
    expect(names(stateAfterPlan(before, computePlan(input(desired, db)).plan))).toEqual(names(before));
  });

  it('the policy view lists providers and provider models by key, statuses unfolded', () => {
    const view = policyView(rowsOfDatabase(current({ providers: [providerRow('x', { status: 'disabled' })], providerModels: [modelRow('x', 'm')] })));
    expect(view).toEqual({
      providers: [{ id: 'pv-x', name: 'x', status: 'disabled' }],
      providerModels: [{ providerId: 'pv-x', modelId: 'm', status: 'active' }],
    });
  });
});
