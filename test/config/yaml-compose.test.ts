import { composeYaml, MAX_ALIAS_NODES } from '../../src/config/yaml-compose';
import { EventIndex } from '../../src/config/event-index';
import { LineIndex } from '../../src/config/source-file';

function values(text: string): unknown[] {
  const r = composeYaml(text);
  expect(r.problems).toEqual([]);
  return r.docs.filter((d) => !d.empty).map((d) => d.value);
}

function codes(text: string): string[] {
  return composeYaml(text).problems.map((p) => p.code);
}

/** line:col of the node at `path` in document `doc` of `text`. */
function at(text: string, path: Array<string | number>, where: 'key' | 'value' = 'value', doc = 0): string {
  const r = composeYaml(text);
  const idx = new EventIndex(text, r.events);
  const loc = idx.locate(r.docs[doc].docEvent + 1, path);
  const p = new LineIndex(text).position(idx.offsetFor(loc, where));
  return `${p.line}:${p.column}`;
}

describe('composeYaml: values', () => {
  it('resolves YAML 1.2 core scalars like js-yaml', () => {
    expect(values('a: 1\nb: 1.5\nc: true\nd: ~\ne: "1"\nf: 2026.04.15\ng: 0x10\nh: !!str 12\n')).toEqual([
      { a: 1, b: 1.5, c: true, d: null, e: '1', f: '2026.04.15', g: 16, h: '12' },
    ]);
  });

  it('gives strings, not booleans, to YAML 1.1 words, and keeps core-schema forms', () => {
    expect(values('a: yes\nb: No\nc: on\nd: Null\ne: TRUE\nf: False\ng: .inf\nh: -.5\ni: n\nj: ~\nk: 012\n')).toEqual([
      { a: 'yes', b: 'No', c: 'on', d: null, e: true, f: false, g: Infinity, h: -0.5, i: 'n', j: null, k: 12 },
    ]);
  });

  it('reads several documents and marks empty ones', () => {
    const r = composeYaml('# only a comment\n---\na: 1\n---\n---\n- x\n');
    expect(r.docs.map((d) => [d.empty, d.value])).toEqual([
      [false, { a: 1 }],
      [true, null],
      [false, ['x']],
    ]);
    expect(composeYaml('').docs).toEqual([]);
    expect(composeYaml('# just comments\n\n# more\n').docs).toEqual([]);
  });

  it('expands anchors, aliases and merge keys, explicit keys winning', () => {
    const [doc] = values('base: &b {kind: openai, status: active}\nx:\n  <<: *b\n  status: disabled\ny: [*b, *b]\nz:\n  <<: [{a: 1}, {a: 2, b: 2}]\n');
    expect(doc).toEqual({
      base: { kind: 'openai', status: 'active' },
      x: { kind: 'openai', status: 'disabled' },
      y: [
        { kind: 'openai', status: 'active' },
        { kind: 'openai', status: 'active' },
      ],
      z: { a: 1, b: 2 },
    });
  });

  it('keeps __proto__ as a plain key', () => {
    const [doc] = values('__proto__: {polluted: true}\n') as Array<Record<string, unknown>>;
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('composeYaml: problems', () => {
  it('reports every duplicate key at the second key and keeps going', () => {
    const text = 'a: 1\nb: 2\na: 3\nc:\n  d: 1\n  d: 2\n';
    const r = composeYaml(text);
    const lines = new LineIndex(text);
    expect(r.problems.map((p) => [p.code, lines.position(p.offset)])).toEqual([
      ['duplicate-key', { line: 3, column: 1 }],
      ['duplicate-key', { line: 6, column: 3 }],
    ]);
    expect(r.docs[0].value).toEqual({ a: 3, b: 2, c: { d: 2 } });
  });

  it('does not call a key overriding a merged one a duplicate', () => {
    expect(codes('b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n')).toEqual([]);
  });

  it('stops a document whose aliases expand past the budget, but not the next one', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill('*' + prev).join(', ')}]`);
    }
    const r = composeYaml(levels.join('\n') + '\n---\nok: true\n');
    expect(r.problems.map((p) => p.code)).toEqual(['alias-limit']);
    expect(r.docs.map((d) => d.failed)).toEqual([true, false]);
    expect(r.docs[1].value).toEqual({ ok: true });
    expect(MAX_ALIAS_NODES).toBe(100_000);
  });

  it('refuses cyclic and unknown aliases', () => {
    expect(codes('a: &a [1, *a]\n')).toEqual(['recursive-alias']);
    expect(codes('a: *nope\n')).toEqual(['unknown-alias']);
  });

  it('reports syntax errors and excessive depth without throwing', () => {
    expect(codes('a: [1\n')).toEqual(['yaml-syntax']);
    expect(codes('a: ' + '['.repeat(10_000) + ']'.repeat(10_000))).toEqual(['too-deep']);
    expect(codes('- '.repeat(10_000) + 'x\n')).toEqual(['too-deep']);
    expect(codes('a: ' + '{a: '.repeat(10_000) + '1' + '}'.repeat(10_000))).toEqual(['too-deep']);
  });

  it('reports unsupported tags, bad tagged values, bad merges and complex keys', () => {
    expect(codes('a: !secret x\n')).toEqual(['unsupported-tag']);
    expect(codes('a: !!int x\n')).toEqual(['invalid-tagged-value']);
    expect(codes('a: !!binary aGk=\n')).toEqual(['unsupported-tag']);
    expect(codes('a: {<<: 1}\n')).toEqual(['invalid-merge']);
    expect(codes('? [a]\n: 1\n')).toEqual(['complex-key']);
  });
});

describe('EventIndex: positions', () => {
  const text = [
    'version: 1', // 1
    'providers:', // 2
    '  - name: "quoted"', // 3
    '    kind: openai', // 4
    '    labels: {team: core}', // 5
    '    note: |', // 6
    '      multi', // 7
    '    empty:', // 8
    '  - &p {name: flow}', // 9
    '  - *p', // 10
    '',
  ].join('\n');

  it('points at values, keys, quotes, block indicators and flow brackets', () => {
    expect(at(text, ['providers'])).toBe('3:3');
    expect(at(text, ['providers', 0])).toBe('3:5');
    expect(at(text, ['providers', 0, 'name'])).toBe('3:11');
    expect(at(text, ['providers', 0, 'name'], 'key')).toBe('3:5');
    expect(at(text, ['providers', 0, 'labels', 'team'])).toBe('5:20');
    expect(at(text, ['providers', 0, 'note'])).toBe('6:11');
    expect(at(text, ['providers', 0, 'empty'])).toBe('8:5');
    expect(at(text, ['providers', 1])).toBe('9:5');
  });

  it('follows aliases to where the node is written, and stops at the deepest existing node', () => {
    expect(at(text, ['providers', 2, 'name'])).toBe('9:15');
    expect(at(text, ['providers', 0, 'nope', 'deeper'])).toBe('3:5');
    expect(at(text, ['providers', 7])).toBe('3:3');
  });

  it('finds keys that come from a merge', () => {
    const t = 'a: &a {kind: openai}\nb:\n  <<: *a\n  name: x\n';
    expect(at(t, ['b', 'kind'])).toBe('1:14');
    expect(at(t, ['b', 'name'])).toBe('4:9');
  });

  it('counts columns after a BOM-less first line and across CRLF lines', () => {
    const crlf = 'a: 1\r\nb:\r\n  c: x\r\n';
    expect(at(crlf, ['b', 'c'])).toBe('3:6');
  });
});
