// apply writes a new model's last_applied without serialising its pricing a second time
// (src/apply/write-rows.ts modelLastAppliedJson). Whatever the record, the text must be exactly
// JSON.stringify(target.lastApplied): what apply writes is what the plan holds.
import { modelLastAppliedJson } from '../../src/apply/write-rows';
import { modelTarget, type ModelShape } from '../../src/plan/shapes';
import type { ProviderModelTarget } from '../../src/plan/types';

const shapes: ModelShape[] = [
  { kind: 'chat', status: 'active', contextWindow: 128000, pricing: { outputPerMTok: 10, inputPerMTok: 2.5 }, source: 'custom' },
  { kind: 'embedding', status: 'disabled', contextWindow: null, pricing: null, source: 'catalog:2026.04.15' },
  { kind: 'chat', status: 'active', contextWindow: 1, pricing: { inputPerMTok: 0, outputPerMTok: 1e-7 }, source: 'cu"st\\om\u2028é' },
];

const written = (t: ProviderModelTarget) => modelLastAppliedJson(t, t.pricing === null ? null : JSON.stringify(t.pricing));

test.each(shapes.map((s, i) => [i, s] as const))('a planned target %i: same text as JSON.stringify', (_i, shape) => {
  const t = modelTarget('m-1', shape);
  expect(t.lastApplied.pricing).toBe(t.pricing); // the planner shares it: the path being tested
  expect(written(t)).toBe(JSON.stringify(t.lastApplied));
  expect(JSON.parse(written(t)!)).toEqual(t.lastApplied);
});

test.each(shapes.map((s, i) => [i, s] as const))('a target read back from a saved plan %i: same text', (_i, shape) => {
  const t = JSON.parse(JSON.stringify(modelTarget('m-1', shape))) as ProviderModelTarget;
  expect(written(t)).toBe(JSON.stringify(t.lastApplied));
});

test('records that are not the planner shape are serialised as they are', () => {
  const base = modelTarget('m-1', shapes[0]);
  const odd: Record<string, unknown>[] = [
    { ...base.lastApplied, extra: { a: 1 } },
    { source: 'custom', kind: 'chat', status: 'active', contextWindow: 5, pricing: base.pricing },
    { ...base.lastApplied, contextWindow: undefined },
    { ...base.lastApplied, contextWindow: Number.NaN },
    { ...base.lastApplied, status: { nested: true } },
    { ...base.lastApplied, pricing: { inputPerMTok: 99, outputPerMTok: 99 } }, // not the target's pricing
  ];
  for (const la of odd) {
    const t = { ...base, lastApplied: la };
    expect(written(t)).toBe(JSON.stringify(la));
  }
  expect(written({ ...base, lastApplied: null as unknown as Record<string, unknown> })).toBeNull();
});
