// The cost estimator (src/plan/cost.ts) table-driven: each case a before state, an after state
// and usage, with the exact cost object expected. Prices are USD per 1M tokens and usage is in
// millions of tokens, so the expected amounts can be checked by hand.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { costWarnings, estimateCost } from '../../src/plan/cost';
import type { CostInput, CostItem, PlanCost } from '../../src/plan/cost-types';
import { be, costInput, facade, pm, state, use, workedExample } from './cost-builders';

const A = 'prov-a/a';
const B = 'prov-b/b';
const C = 'prov-c/c';
const pmA = pm(A, [1, 1]);
const pmB = pm(B, [3, 3]);
const pmC = pm(C, [10, 10]);

interface Case {
  name: string;
  input: CostInput;
  before: number;
  after: number;
  delta: number;
  items: CostItem[];
  extra?: (c: PlanCost) => void;
}

const pmItem = (ref: string, reason: CostItem['reason'], delta: number): CostItem => {
  const [provider, name] = ref.split('/');
  return { resource: { type: 'providerModel', provider, name }, reason, delta };
};
const modelItem = (name: string, reason: CostItem['reason'], delta: number): CostItem => ({ resource: { type: 'model', name }, reason, delta });

const fb = (backends = [be(A, 1), be(B, 2)]) => facade('chat', 'fallback', backends);

const CASES: Case[] = [
  {
    name: 'a price change on the provider model that served',
    input: costInput(state([pm(A, [2.5, 10])], [facade('chat', 'fallback', [be(A)])]), state([pm(A, [5, 10])], [facade('chat', 'fallback', [be(A)])]), [use('chat', A, 10, 1)]),
    before: 35, after: 60, delta: 25,
    items: [pmItem(A, 'price', 25)],
  },
  {
    name: 'a weight change re-splits the facade over its backends',
    input: costInput(
      state([pmA, pmB], [facade('chat', 'weighted', [be(A, 1, 50), be(B, 1, 50)])]),
      state([pmA, pmB], [facade('chat', 'weighted', [be(A, 1, 100), be(B, 1, 300)])]),
      [use('chat', A, 1, 1), use('chat', B, 1, 1)],
    ),
    // before 2 + 6; after each row 0.25 x 2 + 0.75 x 6 = 5
    before: 8, after: 10, delta: 2,
    items: [modelItem('chat', 'routing', 2)],
  },
  {
    name: 'a fallback level change moves everything to the new first level',
    input: costInput(state([pmA, pmB], [fb()]), state([pmA, pmB], [fb([be(A, 2), be(B, 1)])]), [use('chat', A, 1, 1)]),
    before: 2, after: 6, delta: 4,
    items: [modelItem('chat', 'routing', 4)],
  },
  {
    name: 'weighted vs fallback: the same backends split 50/50 instead of all to priority 1',
    input: costInput(
      state([pmA, pmB], [facade('chat', 'fallback', [be(A, 1), be(B, 2)])]),
      state([pmA, pmB], [facade('chat', 'weighted', [be(A, 1), be(B, 2)])]),
      [use('chat', A, 2, 2)],
    ),
    before: 4, after: 8, delta: 4,
    items: [modelItem('chat', 'routing', 4)],
  },
  {
    name: 'a disabled backend is skipped: its level falls through to the next',
    input: costInput(state([pmA, pmB], [fb()]), state([pmA, pmB], [fb([be(A, 1, 100, 'disabled'), be(B, 2)])]), [use('chat', A, 1, 1)]),
    before: 2, after: 6, delta: 4,
    items: [modelItem('chat', 'routing', 4)],
  },
  {
    name: 'a removed provider model whose facade has another backend: traffic moves there',
    input: costInput(state([pmA, pmB], [fb()]), state([pmB], [fb([be(B, 2)])]), [use('chat', A, 1, 1)]),
    before: 2, after: 6, delta: 4,
    items: [pmItem(A, 'removed', 4)],
  },
  {
    name: 'a removed provider model with no other backend: its traffic is lost',
    input: costInput(state([pmA], [facade('chat', 'fallback', [be(A)])]), state([], [facade('chat', 'fallback', [])]), [use('chat', A, 1, 1)]),
    before: 2, after: 0, delta: -2,
    items: [pmItem(A, 'removed', -2)],
    extra: (c) => expect(c.lost).toEqual({ rows: 1, requests: 1000, inputTokens: 1e6, outputTokens: 1e6, before: 2 }),
  },
  {
    name: 'a provider model disabled by the plan counts as removed',
    input: costInput(state([pmA, pmB], [fb()]), state([pm(A, [1, 1], 'disabled'), pmB], [fb()]), [use('chat', A, 1, 1)]),
    before: 2, after: 6, delta: 4,
    items: [pmItem(A, 'removed', 4)],
  },
  {
    name: 'usage on a model the plan removes: its traffic is lost',
    input: costInput(state([pmA], [facade('chat', 'fallback', [be(A)])]), state([pmA], []), [use('chat', A, 1, 1)]),
    before: 2, after: 0, delta: -2,
    items: [modelItem('chat', 'removed', -2)],
  },
  {
    name: 'usage on a model the plan disables: its traffic is lost',
    input: costInput(state([pmA], [facade('chat', 'fallback', [be(A)])]), state([pmA], [facade('chat', 'fallback', [be(A)], 'disabled')]), [use('chat', A, 1, 1)]),
    before: 2, after: 0, delta: -2,
    items: [modelItem('chat', 'removed', -2)],
  },
  {
    name: 'usage whose model no longer exists (model_id null) is unattributed, priced at its provider model',
    input: costInput(state([pmA]), state([pm(A, [2, 2])]), [use(null, A, 1, 1, 7)]),
    before: 2, after: 4, delta: 2,
    items: [pmItem(A, 'price', 2)],
    extra: (c) => expect(c.unattributed).toEqual({ rows: 1, requests: 7, inputTokens: 1e6, outputTokens: 1e6, before: 2, after: 4 }),
  },
  {
    name: 'unattributed usage whose provider model the plan removes is lost',
    input: costInput(state([pmA]), state([]), [use(null, A, 1, 1)]),
    before: 2, after: 0, delta: -2,
    items: [pmItem(A, 'removed', -2)],
    extra: (c) => expect(c.unattributed).toMatchObject({ before: 2, after: 0 }),
  },
  {
    name: 'routing unchanged: a row on a backend no longer listed stays on its provider model',
    input: costInput(state([pmA, pmB], [facade('chat', 'fallback', [be(B)])]), state([pmA, pm(B, [4, 4])], [facade('chat', 'fallback', [be(B)])]), [use('chat', A, 1, 1), use('chat', B, 1, 1)]),
    before: 8, after: 10, delta: 2,
    items: [pmItem(B, 'price', 2)],
  },
  {
    name: 'a routing change between backends of equal price shows no item',
    input: costInput(state([pmA, pm(C, [1, 1])], [fb([be(A, 1), be(C, 2)])]), state([pmA, pm(C, [1, 1])], [fb([be(A, 2), be(C, 1)])]), [use('chat', A, 1, 1)]),
    before: 2, after: 2, delta: 0,
    items: [],
  },
  {
    name: 'a provider renamed: same ids, items named as the plan leaves them',
    input: costInput(state([pmA], [facade('chat', 'fallback', [be(A)])]), state([{ ...pm(A, [2, 1]), provider: 'prov-a2' }], [facade('chat', 'fallback', [be(A)])]), [use('chat', A, 1, 1)]),
    before: 2, after: 3, delta: 1,
    items: [{ resource: { type: 'providerModel', provider: 'prov-a2', name: 'a' }, reason: 'price', delta: 1 }],
  },
  {
    name: 'items sorted by |delta|, largest first, each row to one item',
    input: costInput(
      state([pmA, pmB, pmC], [facade('chat', 'fallback', [be(A, 1), be(B, 2)]), facade('big', 'fallback', [be(C)])]),
      state([pmB, pm(C, [11, 11])], [facade('chat', 'fallback', [be(B, 2)]), facade('big', 'fallback', [be(C)])]),
      [use('chat', A, 1, 1), use('big', C, 1, 1)],
    ),
    before: 22, after: 28, delta: 6,
    items: [pmItem(A, 'removed', 4), pmItem(C, 'price', 2)],
  },
];

describe('estimateCost', () => {
  test.each(CASES)('$name', (c) => {
    const cost = estimateCost(c.input)!;
    expect(cost).toBeDefined();
    expect({ before: cost.before, after: cost.after, delta: cost.delta }).toEqual({ before: c.before, after: c.after, delta: c.delta });
    expect(cost.items).toEqual(c.items);
    expect(cost).toMatchObject({ currency: 'USD', windowDays: 30, from: '2026-11-06', to: '2026-12-05' });
    c.extra?.(cost);
  });

  test('no usage at all: no cost key', () => {
    expect(estimateCost(costInput(state([pmA]), state([pmB]), []))).toBeUndefined();
    expect(estimateCost(costInput(state([pmA]), state([pmB]), [use('chat', A, 0, 0, 0)]))).toBeUndefined();
  });

  test('the worked example of docs/cost-and-policy.md', () => {
    const cost = estimateCost(workedExample())!;
    expect(cost).toEqual({
      currency: 'USD', windowDays: 30, from: '2026-11-06', to: '2026-12-05',
      before: 670, after: 638.05, delta: -31.95,
      items: [
        pmItem('openai-prod/gpt-4-turbo', 'removed', -78.2),
        modelItem('chat-default', 'routing', 26.25),
        pmItem('openai-prod/gpt-4o-mini', 'price', 20),
      ],
      unattributed: { rows: 1, requests: 1000, inputTokens: 4e6, outputTokens: 1e6, before: 20, after: 20 },
    });
  });

  test("the worked example's JSON in docs/cost-and-policy.md is what the estimator gives", () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'cost-and-policy.md'), 'utf8');
    const block = /```json\n("cost": \{[\s\S]*?)\n```/.exec(doc);
    expect(block).not.toBeNull();
    expect(JSON.parse(`{${block![1]}}`).cost).toEqual(estimateCost(workedExample()));
  });
});

describe('rows that cannot be priced are excluded, counted and warned about', () => {
  const model = facade('chat', 'fallback', [be(A)]);
  const cases: Array<{ name: string; input: CostInput; cause: string; subject: string; warning: RegExp }> = [
    { name: 'missing price before', input: costInput(state([pm(A, null)], [model]), state([pmA], [model]), [use('chat', A, 1, 1)]), cause: 'missing-price', subject: A, warning: /1 usage row on prov-a\/a: it has no price/ },
    { name: 'negative price after', input: costInput(state([pmA], [model]), state([pm(A, [-1, 1])], [model]), [use('chat', A, 1, 1)]), cause: 'negative-price', subject: A, warning: /has a negative price/ },
    { name: 'a price above the files\' maximum (1e308 overflows to Infinity)', input: costInput(state([pm(A, [1e308, 1e308])], [model]), state([pmA], [model]), [use('chat', A, 1e9, 1e9)]), cause: 'price-out-of-range', subject: A, warning: /prov-a\/a: it has a price above \$100,000 per 1M tokens/ },
    { name: 'a NaN price on the backend it moves to', input: costInput(state([pmA, pmB], [fb()]), state([pm(B, [NaN, 1])], [fb([be(B, 2)])]), [use('chat', A, 1, 1)]), cause: 'missing-price', subject: B, warning: /prov-b\/b: it has no price/ },
    { name: 'served by a provider model already deleted', input: costInput(state([pmA], [model]), state([pmA], [model]), [use('chat', null, 1, 1)]), cause: 'deleted-provider-model', subject: 'usage', warning: /1 usage row was served by a provider model that no longer exists/ },
    { name: 'a negative token count', input: costInput(state([pmA], [model]), state([pmA], [model]), [use('chat', A, -1, 1)]), cause: 'invalid-usage', subject: 'usage', warning: /negative or non-numeric count/ },
  ];
  test.each(cases)('$name', (c) => {
    // One good row beside the bad one: the good one is still priced, the bad one is left out.
    const X = pm('prov-x/x', [1, 1]);
    const input: CostInput = {
      ...c.input,
      usage: [...c.input.usage, use(null, X.id, 2, 0)],
      before: { ...c.input.before, providerModels: [...c.input.before.providerModels, X] },
      after: { ...c.input.after, providerModels: [...c.input.after.providerModels, X] },
    };
    const cost = estimateCost(input)!;
    expect(cost).toMatchObject({ before: 2, after: 2, delta: 0, items: [] });
    for (const n of [cost.before, cost.after, cost.delta, ...cost.items.map((i) => i.delta)]) expect(Number.isFinite(n)).toBe(true);
    expect(cost.excluded?.causes).toEqual([{ cause: c.cause, subject: c.subject, rows: 1 }]);
    expect(cost.excluded).toMatchObject({ rows: 1 });
    expect(costWarnings(cost).join('\n')).toMatch(c.warning);
  });

  test('an excluded row adds nothing to before, after or any item', () => {
    const m = facade('chat', 'fallback', [be(A)]);
    const cost = estimateCost(costInput(state([pmA, pm(C, null)], [m]), state([pm(A, [2, 2]), pm(C, null)], [m]), [use('chat', A, 1, 1), use(null, C, 5, 5)]))!;
    expect(cost).toMatchObject({ before: 2, after: 4, delta: 2, items: [pmItem(A, 'price', 2)] });
    expect(cost.excluded).toEqual({ rows: 1, requests: 1000, inputTokens: 5e6, outputTokens: 5e6, causes: [{ cause: 'missing-price', subject: C, rows: 1 }] });
  });
});

describe('warnings', () => {
  test('several excluded rows read in the plural', () => {
    const m = facade('chat', 'fallback', [be(A)]);
    const cost = estimateCost(costInput(state([pmA], [m]), state([pmA], [m]), [use('chat', A, -1, 1), use('x', A, -1, 1), use('chat', null, 1, 1), use('x', null, 1, 1)]))!;
    const text = costWarnings(cost).join('\n');
    expect(text).toMatch(/2 usage rows have a negative or non-numeric count/);
    expect(text).toMatch(/2 usage rows were served by a provider model that no longer exists/);
  });
});

describe('amounts', () => {
  test('summed unrounded, rounded once: delta is exactly after - before', () => {
    // 3 rows of 1/3 cent each: rounding per row would give 0, the sum is 1 cent.
    const usage = [1, 2, 3].map((i) => ({ ...use(`m${i}`, A, 0, 0), inputTokens: 3333.3333 }));
    const models = [1, 2, 3].map((i) => facade(`m${i}`, 'fallback', [be(A)]));
    const cost = estimateCost(costInput(state([pmA], models), state([pm(A, [2, 2])], models), usage))!;
    expect(cost.before).toBe(0.01);
    expect(cost.after).toBe(0.02);
    expect(cost.delta).toBe(0.01);
  });

  test('a random plan: finite amounts, delta = after - before in cents, same result in any row order', () => {
    let seed = 42;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const refs = Array.from({ length: 12 }, (_, i) => `p${i % 4}/m${i}`);
    const price = (): [number, number] => [Math.round(rnd() * 3000) / 100, Math.round(rnd() * 9000) / 100];
    const models = (w: () => number) => Array.from({ length: 6 }, (_, i) => facade(`f${i}`, i % 2 ? 'weighted' : 'fallback', [be(refs[i], 1 + (i % 3), w()), be(refs[i + 6], 2, w())]));
    const before = state(refs.map((r) => pm(r, price())), models(() => 100));
    const after = state(refs.filter((_, i) => i % 5 !== 0).map((r) => pm(r, price())), models(() => 1 + Math.floor(rnd() * 999)));
    const usage = Array.from({ length: 200 }, (_, i) => use(i % 17 === 0 ? null : `f${i % 6}`, refs[i % 12], rnd() * 50, rnd() * 10));
    const cost = estimateCost(costInput(before, after, usage))!;
    expect(Math.round(cost.delta * 100)).toBe(Math.round(cost.after * 100) - Math.round(cost.before * 100));
    for (const n of [cost.before, cost.after, cost.delta, ...cost.items.map((i) => i.delta)]) expect(Number.isFinite(n)).toBe(true);
    const reversed = estimateCost(costInput(before, after, [...usage].reverse()))!;
    expect(reversed).toEqual(cost);
    // Every row goes to exactly one item, so the items add up to the delta within their rounding.
    const sum = cost.items.reduce((s, i) => s + i.delta, 0);
    expect(Math.abs(sum - cost.delta)).toBeLessThanOrEqual(0.005 * (cost.items.length + 2));
  });
});
