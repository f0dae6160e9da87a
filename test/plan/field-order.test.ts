// Field order inside a change (src/plan/diff.ts): rankOf compares a path's root in place instead
// of slicing it out; it must rank exactly as the slice-and-look-up definition does, and
// sortFields (which ranks each path once while checking the order) must return what a full sort
// by comparePaths returns.
import { comparePaths, createFields, joinPath, rankOf, sortFields } from '../../src/plan/diff';
import type { FieldChange } from '../../src/plan/types';

const ROOTS = [
  'name', 'kind', 'status', 'config', 'labels', 'protected', 'onRemove', 'contextWindow', 'pricing', 'source',
  'description', 'routing', 'priority', 'weight', 'limits', 'expiresAt', 'credentials',
];

/** The definition: the root segment is what precedes the first `.` or `[`. */
function rankBySlice(path: string): number {
  let end = path.length;
  const dot = path.indexOf('.');
  if (dot >= 0) end = dot;
  const bracket = path.indexOf('[');
  if (bracket >= 0 && bracket < end) end = bracket;
  const root = end === 0 || end === path.length ? path : path.slice(0, end);
  const i = ROOTS.indexOf(root);
  return i < 0 ? ROOTS.length : i;
}

const PATHS = [
  ...ROOTS,
  ...ROOTS.map((r) => `${r}.x`),
  ...ROOTS.map((r) => `${r}["a.b"]`),
  ...ROOTS.map((r) => `${r}x`),
  ...ROOTS.map((r) => `${r}x.y`),
  ...ROOTS.map((r) => r.slice(0, -1)),
  '',
  '.',
  '[',
  '.name',
  '[name]',
  'config.deployments["gpt-4.1"].name',
  'labels["app.kubernetes.io/name"]',
  'pricing.inputPerMTok',
  'credentials.apiKey',
  'Name',
  'names.x',
  'zzz',
];

describe('rankOf', () => {
  it.each(PATHS)('ranks %j as the slice-based definition does', (p) => {
    expect(rankOf(p)).toBe(rankBySlice(p));
  });
});

/** A small deterministic generator (no Math.random: reproducible failures). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('sortFields', () => {
  it('returns what a full sort by comparePaths returns, in order or not, on 2,000 random lists', () => {
    const rnd = lcg(13);
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(rnd() * 12);
      const fields: FieldChange[] = [];
      for (let i = 0; i < len; i++) fields.push({ path: PATHS[Math.floor(rnd() * PATHS.length)], before: null, after: i });
      // Half of the lists start sorted (the common case the check-first path serves).
      if (n % 2 === 0) fields.sort((a, b) => comparePaths(a.path, b.path));
      const expected = [...fields].sort((a, b) => comparePaths(a.path, b.path));
      const got = sortFields(fields);
      expect(got.map((f) => f.path)).toEqual(expected.map((f) => f.path));
      expect(got).not.toBe(fields);
    }
  });
});

describe('joinPath', () => {
  /** The definition: plain keys joined by a dot, others JSON-quoted in brackets. */
  const definition = (base: string, key: string) => (/^[A-Za-z0-9_-]+$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`);
  const KEYS = ['inputPerMTok', 'gpt-4.1', 'app.kubernetes.io/name', 'a b', '', '"', '\\', 'x[0]', 'é', 'UPPER_1'];

  it('joins as the definition does, first time and when the path is remembered', () => {
    for (let round = 0; round < 2; round++) {
      for (const base of ['pricing', 'labels', 'config', 'config.deployments["gpt-4.1"]']) {
        for (const key of KEYS) expect(joinPath(base, key)).toBe(definition(base, key));
      }
    }
  });

  it('stays right past the size at which it forgets remembered paths', () => {
    for (let i = 0; i < 120_000; i++) {
      const key = `k${i % 60_000}`;
      const base = i % 3 === 0 ? 'labels' : 'config';
      expect(joinPath(base, key)).toBe(`${base}.${key}`);
    }
    expect(joinPath('labels', 'a.b')).toBe('labels["a.b"]');
  });
});

describe('createFields', () => {
  const flat = (entries: Array<[string, unknown]>) => new Map(entries);

  it('gives the same fields as fresh objects would, scalars shared and frozen, objects not', () => {
    const m = flat([
      ['kind', 'chat'],
      ['status', 'active'],
      ['contextWindow', 8192],
      ['pricing.inputPerMTok', 0.1],
      ['protected', false],
      ['config.list', [{ b: 1, a: 2 }]],
      ['source', null],
    ]);
    const a = createFields(m);
    const b = createFields(m);
    const expected = [
      { path: 'kind', before: null, after: 'chat' },
      { path: 'status', before: null, after: 'active' },
      { path: 'config.list', before: null, after: [{ a: 2, b: 1 }] },
      { path: 'protected', before: null, after: false },
      { path: 'contextWindow', before: null, after: 8192 },
      { path: 'pricing.inputPerMTok', before: null, after: 0.1 },
    ];
    expect(a).toEqual(expected);
    expect(JSON.stringify(a)).toBe(JSON.stringify(expected));
    expect(b).toEqual(expected);
    expect(b[0]).toBe(a[0]);
    expect(Object.isFrozen(a[0])).toBe(true);
    expect(b[2]).not.toBe(a[2]);
  });

  it('keeps -0 apart from 0, and values of the same path apart', () => {
    const zero = createFields(flat([['pricing.inputPerMTok', 0]]));
    const minusZero = createFields(flat([['pricing.inputPerMTok', -0]]));
    expect(Object.is(zero[0].after, 0)).toBe(true);
    expect(Object.is(minusZero[0].after, -0)).toBe(true);
    expect(createFields(flat([['kind', 'embedding']]))[0].after).toBe('embedding');
    expect(createFields(flat([['kind', '1']]))[0].after).toBe('1');
    expect(createFields(flat([['kind', 1]]))[0].after).toBe(1);
  });
});
