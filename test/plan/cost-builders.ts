// Small builders for the cost estimator's inputs, shared by the cost and policy tests and the
// worked example of docs/cost-and-policy.md.
import type {
  CostBackend,
  CostInput,
  CostModel,
  CostProviderModel,
  CostState,
  UsageAggregate,
} from '../../src/plan/cost-types';

export const WINDOW = { from: '2026-11-06', to: '2026-12-05', days: 30 };

/** A provider model whose id is `provider/name`; prices USD per 1M tokens (null: unknown). */
export function pm(
  ref: string,
  pricing: [number, number] | null,
  status: 'active' | 'disabled' = 'active',
): CostProviderModel {
  const [provider, name] = ref.split('/');
  return {
    id: ref,
    provider,
    name,
    status,
    pricing: pricing ? { inputPerMTok: pricing[0], outputPerMTok: pricing[1] } : null,
  };
}

/** A backend: provider model ref, priority, weight. */
export function be(ref: string, priority = 1, weight = 100, status: 'active' | 'disabled' = 'active'): CostBackend {
  return { providerModelId: ref, priority, weight, status };
}

export function facade(
  name: string,
  strategy: 'fallback' | 'weighted',
  backends: CostBackend[],
  status: 'active' | 'disabled' = 'active',
): CostModel {
  return { id: `id-${name}`, name, status, strategy, backends };
}

/** Usage through facade `model` (null: unattributed) served by `ref`, in millions of tokens. */
export function use(model: string | null, ref: string | null, inM: number, outM: number, requests = 1000): UsageAggregate {
  return {
    modelId: model === null ? null : `id-${model}`,
    providerModelId: ref,
    requests,
    inputTokens: inM * 1e6,
    outputTokens: outM * 1e6,
  };
}

export function state(providerModels: CostProviderModel[], models: CostModel[] = []): CostState {
  return { providerModels, models };
}

export function costInput(before: CostState, after: CostState, usage: UsageAggregate[]): CostInput {
  return { window: WINDOW, usage, before, after };
}

/**
 * The worked example of docs/cost-and-policy.md (keep the two in step):
 * chat-default moves from fallback to a 3:1 weighted split, gpt-4o-mini gets a new price, and
 * gpt-4-turbo is removed so `summarize` falls back to gpt-4o-mini.
 */
export function workedExample(): CostInput {
  const before = state(
    [
      pm('openai-prod/gpt-4o', [2.5, 10]),
      pm('openai-prod/gpt-4o-mini', [0.15, 0.6]),
      pm('openai-prod/gpt-4-turbo', [10, 30]),
      pm('anthropic-main/claude-sonnet-4-6', [3, 15]),
    ],
    [
      facade('chat-default', 'fallback', [be('openai-prod/gpt-4o', 1), be('anthropic-main/claude-sonnet-4-6', 2)]),
      facade('chat-cheap', 'weighted', [be('openai-prod/gpt-4o-mini')]),
      facade('summarize', 'fallback', [be('openai-prod/gpt-4-turbo', 1), be('openai-prod/gpt-4o-mini', 2)]),
    ],
  );
  const after = state(
    [
      pm('openai-prod/gpt-4o', [2.5, 10]),
      pm('openai-prod/gpt-4o-mini', [0.2, 0.8]),
      pm('anthropic-main/claude-sonnet-4-6', [3, 15]),
    ],
    [
      facade('chat-default', 'weighted', [be('openai-prod/gpt-4o', 1, 300), be('anthropic-main/claude-sonnet-4-6', 1, 100)]),
      facade('chat-cheap', 'weighted', [be('openai-prod/gpt-4o-mini')]),
      facade('summarize', 'fallback', [be('openai-prod/gpt-4o-mini', 2)]),
    ],
  );
  const usage = [
    use('chat-default', 'openai-prod/gpt-4o', 100, 20),
    use('chat-default', 'anthropic-main/claude-sonnet-4-6', 10, 2),
    use('chat-cheap', 'openai-prod/gpt-4o-mini', 200, 50),
    use('summarize', 'openai-prod/gpt-4-turbo', 5, 1),
    use(null, 'openai-prod/gpt-4o', 4, 1),
  ];
  return costInput(before, after, usage);
}
