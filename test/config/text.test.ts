import { escapeControl, levenshtein, plural, quoteValue, suggest, thousands } from '../../src/config/text';
import { DIAGNOSTIC_CODES } from '../../src/config/codes';

describe('message text helpers', () => {
  it('quotes values short and safe', () => {
    expect(quoteValue('abc')).toBe("'abc'");
    expect(quoteValue('x'.repeat(100))).toBe(`'${'x'.repeat(40)}…'`);
    expect(quoteValue('a\u001b[31mred\nline')).toBe("'a\\u001b[31mred\\nline'");
    expect(quoteValue('😀'.repeat(41))).toBe(`'${'😀'.repeat(40)}…'`);
    expect([quoteValue(3), quoteValue(true), quoteValue(null), quoteValue([1]), quoteValue({})]).toEqual(['3', 'true', 'null', 'a list', 'a mapping']);
    expect(escapeControl('\t\u2028')).toBe('\\t\\u2028');
  });

  it('measures edits with transpositions as one', () => {
    expect(levenshtein('status', 'stauts')).toBe(1);
    expect(levenshtein('name', 'nmae')).toBe(1);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('a', 'abcdef', 2)).toBe(3);
  });

  it('suggests only close candidates, deterministically', () => {
    expect(suggest('stauts', ['name', 'status', 'kind'])).toBe('status');
    expect(suggest('contextwindow', ['contextWindow', 'kind'])).toBe('contextWindow');
    expect(suggest('organisation', ['organization', 'project'])).toBe('organization');
    expect(suggest('foo', ['name', 'kind'])).toBeUndefined();
    expect(suggest('ab', ['ax', 'ac'])).toBe('ac');
  });

  it('formats counts', () => {
    expect(thousands(1204)).toBe('1,204');
    expect(thousands(1234567)).toBe('1,234,567');
    expect([plural(1, 'file'), plural(2, 'error'), plural(1000, 'model')]).toEqual(['1 file', '2 errors', '1,000 models']);
  });

  it('lists every diagnostic code in kebab-case with a severity and a one-line meaning', () => {
    for (const [code, info] of Object.entries(DIAGNOSTIC_CODES)) {
      expect(code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(['error', 'warning', 'info']).toContain(info.severity);
      expect(info.meaning).toMatch(/^\S.*\.$/);
      expect(info.meaning).not.toContain('\n');
    }
  });
});
