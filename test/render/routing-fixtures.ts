// Routing views for the routing and Mermaid goldens: each a case a reviewer meets in a plan.
import type { ModelRouting, RoutingBackend, RoutingSide } from '../../src/render/routing-view';
import type { GrantView } from '../../src/render/routing';

export function b(ref: string, priority = 1, weight = 100, extra: Partial<RoutingBackend> = {}): RoutingBackend {
  const i = ref.indexOf('/');
  return { provider: ref.slice(0, i), providerModel: ref.slice(i + 1), priority, weight, status: 'active', ...extra };
}

export function sideOf(backends: RoutingBackend[], extra: Partial<RoutingSide> = {}): RoutingSide {
  return { status: 'active', strategy: 'fallback', backends, ...extra };
}

/** A second backend joins the first priority level: traffic splits 50/50; a fallback is removed. */
export const splitLevel: ModelRouting = {
  model: 'chat-default',
  before: sideOf([b('openai-prod/gpt-4o'), b('azure-eu/gpt-4o', 2)]),
  after: sideOf([b('openai-prod/gpt-4o'), b('anthropic-main/claude-sonnet-4-6')]),
};

/** fallback → weighted with weights changed: every backend gets a share. */
export const toWeighted: ModelRouting = {
  model: 'chat-fast',
  before: sideOf([b('groq/llama-3.3-70b', 1, 100), b('openai-prod/gpt-4o-mini', 2, 100)]),
  after: sideOf([b('groq/llama-3.3-70b', 1, 300), b('openai-prod/gpt-4o-mini', 2, 100)], { strategy: 'weighted' }),
};

/** The primary is disabled: the fallback takes everything; a provider model that cannot serve. */
export const failover: ModelRouting = {
  model: 'embed',
  before: sideOf([b('openai-prod/text-embedding-3-small'), b('cohere/embed-v4', 2), b('google/gemini-embedding', 3, 100, { serving: false })]),
  after: sideOf([
    b('openai-prod/text-embedding-3-small', 1, 100, { status: 'disabled' }),
    b('cohere/embed-v4', 2),
    b('google/gemini-embedding', 3, 100, { serving: false }),
  ]),
};

/** A new model with three weighted backends (shares in thirds). */
export const created: ModelRouting = {
  model: 'chat-thirds',
  before: null,
  after: sideOf([b('a/x'), b('b/y'), b('c/z')], { strategy: 'weighted' }),
};

/** A model deleted with its backends. */
export const deleted: ModelRouting = {
  model: 'chat-legacy',
  before: sideOf([b('anthropic-main/claude-2.1'), b('openai-prod/gpt-3.5-turbo', 2)]),
  after: null,
};

/** Only a description changed: nothing to draw. */
export const unchanged: ModelRouting = {
  model: 'chat-same',
  before: sideOf([b('openai-prod/gpt-4o')]),
  after: sideOf([b('openai-prod/gpt-4o')]),
};

/** Console-made rows can hold anything: quotes, brackets, pipes, fences, markup, line breaks, bidi controls. */
export const hostile: ModelRouting = {
  model: 'evil"]) --> x["pwned',
  before: sideOf([b('p|q/```\n%%{init: {"theme":"dark"}}%%')]),
  after: sideOf([b('p|q/```\n%%{init: {"theme":"dark"}}%%', 1, 50), b('<img src=x onerror=alert(1)>/a\u202eb;end;click m0 call alert()')]),
};

export const grants: Array<[string, GrantView | null, GrantView | null]> = [
  [
    'create',
    null,
    { model: 'chat-default', subject: 'group:engineering', limits: { requestsPerMinute: 600, tokensPerDay: 5_000_000, monthlyBudgetUsd: 2000 }, expiresAt: '2027-06-30T00:00:00.000Z' },
  ],
  [
    'update',
    { model: 'chat-default', subject: 'user:ana@example.com', limits: { requestsPerMinute: 60 }, expiresAt: null },
    { model: 'chat-default', subject: 'user:ana@example.com', limits: { requestsPerMinute: 120, monthlyBudgetUsd: 12.5 }, expiresAt: '2027-01-01T12:30:00.000Z' },
  ],
  ['delete', { model: 'chat-legacy', subject: 'group:support', limits: {}, expiresAt: null }, null],
];
