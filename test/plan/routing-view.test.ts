// routingViews: which models' routing a plan changes, read off the two states the cost estimate
// prices (the database's rows, and the rows as the plan leaves them).
import type { CostState } from '../../src/plan/cost-types';
import { routingViews } from '../../src/plan/routing-view';

const pm = (id: string, provider: string, name: string, status: 'active' | 'disabled' = 'active') => ({ id, provider, name, status, pricing: null });
const be = (providerModelId: string, priority = 1, weight = 100) => ({ providerModelId, priority, weight, status: 'active' as const });

const before: CostState = {
  providerModels: [pm('pm1', 'openai-prod', 'gpt-4o'), pm('pm2', 'anthropic-main', 'claude-sonnet-4-6'), pm('pm3', 'groq', 'llama')],
  models: [
    { id: 'm1', name: 'chat', status: 'active', strategy: 'fallback', backends: [be('pm1'), be('pm2', 2)] },
    { id: 'm2', name: 'same', status: 'active', strategy: 'fallback', backends: [be('pm1')] },
    { id: 'm3', name: 'old-name', status: 'active', strategy: 'weighted', backends: [be('pm1')] },
    { id: 'm4', name: 'gone', status: 'active', strategy: 'fallback', backends: [be('pm2')] },
    { id: 'm5', name: 'on-groq', status: 'active', strategy: 'fallback', backends: [be('pm3'), be('pm1', 2)] },
  ],
};

const after: CostState = {
  providerModels: [pm('pm1', 'openai-prod', 'gpt-4o'), pm('pm2', 'anthropic-main', 'claude-sonnet-4-6'), pm('pm3', 'groq', 'llama', 'disabled')],
  models: [
    { id: 'm1', name: 'chat', status: 'active', strategy: 'fallback', backends: [be('pm2', 1), be('pm1')] },
    { id: 'm2', name: 'same', status: 'active', strategy: 'fallback', backends: [be('pm1')] },
    { id: 'm3', name: 'new-name', status: 'active', strategy: 'weighted', backends: [be('pm1')] },
    { id: 'new:model:fresh', name: 'fresh', status: 'active', strategy: 'weighted', backends: [be('pm1')] },
    { id: 'm5', name: 'on-groq', status: 'active', strategy: 'fallback', backends: [be('pm3'), be('pm1', 2)] },
  ],
};

test('created, deleted and re-routed models, and those whose provider model stops serving; not an unchanged or a merely renamed one (matched by id)', () => {
  const views = routingViews(before, after);
  expect(views.map((v) => [v.model, v.before === null, v.after === null])).toEqual([
    ['chat', false, false],
    ['fresh', true, false],
    ['gone', false, true],
    ['on-groq', false, false],
  ]);
  expect(views.find((v) => v.model === 'chat')!.after!.backends.map((b) => `${b.provider}/${b.providerModel} p${b.priority}`)).toEqual([
    'anthropic-main/claude-sonnet-4-6 p1',
    'openai-prod/gpt-4o p1',
  ]);
  // A disabled provider model moves traffic without any backend changing.
  expect(views.find((v) => v.model === 'on-groq')!.after!.backends[0]).toMatchObject({ providerModel: 'llama', serving: false });
});
