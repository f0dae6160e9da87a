// The no-op fast path of model planning (sameModelShape) may only ever say "equal" when the
// full field diff finds nothing; when it says "maybe not", the full diff decides.
import { sameModelShape } from '../../src/plan/models';
import { diffFlat } from '../../src/plan/diff';
import { modelFlat, type ModelShape } from '../../src/plan/shapes';

const base: ModelShape = { kind: 'chat', status: 'active', contextWindow: 8192, pricing: { inputPerMTok: 1, outputPerMTok: 2 }, source: 'custom' };

const variants: Array<[string, Partial<ModelShape> | Record<string, unknown>]> = [
  ['same', {}],
  ['kind', { kind: 'embedding' }],
  ['status', { status: 'disabled' }],
  ['context window', { contextWindow: 4096 }],
  ['context window null', { contextWindow: null }],
  ['source', { source: 'catalog:2026.04.15' }],
  ['pricing null', { pricing: null }],
  ['pricing value', { pricing: { inputPerMTok: 1, outputPerMTok: 3 } }],
  ['pricing key order', { pricing: { outputPerMTok: 2, inputPerMTok: 1 } }],
  ['pricing extra key', { pricing: { inputPerMTok: 1, outputPerMTok: 2, cachedPerMTok: 0.5 } }],
  ['pricing nested', { pricing: { inputPerMTok: 1, outputPerMTok: { tiered: [1, 2] } } }],
  ['pricing empty', { pricing: {} }],
  ['pricing undefined member', { pricing: { inputPerMTok: 1, outputPerMTok: 2, x: undefined } }],
];

describe('sameModelShape', () => {
  const shapes = variants.map(([name, v]) => [name, { ...base, ...v } as ModelShape] as const);
  const pairs = shapes.flatMap((a) => shapes.map((b) => [a, b] as const));

  test.each(pairs.map(([[na, a], [nb, b]]) => [na, nb, a, b]))('%s vs %s agrees with the full diff', (_na, _nb, a, b) => {
    const x = a as ModelShape;
    const y = b as ModelShape;
    const fullDiff = diffFlat(modelFlat(x), modelFlat(y));
    if (sameModelShape(x, y)) expect(fullDiff).toEqual([]);
    else if (fullDiff.length === 0) {
      // Allowed (the full diff decides), but only for values equal in another form.
      const show = (v: unknown) => JSON.stringify(v, (_k, m: unknown) => (m === undefined ? '(undefined)' : m));
      expect(show(x)).not.toBe(show(y));
    }
  });

  test('takes the fast path for equal shapes, whatever the key order of pricing', () => {
    expect(sameModelShape(base, { ...base, pricing: { outputPerMTok: 2, inputPerMTok: 1 } })).toBe(true);
    expect(sameModelShape({ ...base, pricing: null }, { ...base, pricing: null })).toBe(true);
    expect(sameModelShape(base, { ...base, contextWindow: 4096 })).toBe(false);
  });
});
