// The plan shape check of a credential field (CONTRACT.md §4): {"sensitive": true, "changed":
// true|false|null, "prefix": string|null} plus "unknown": true (then "changed" is null), or null.
// A saved plan holding anything else in a credentials.* field is refused before apply reads it.
import { checkPlanShape } from '../../src/plan/plan-schema';
import { serializePlan } from '../../src/plan/serialize';
import { hostilePlan, mixedPlan } from '../render/fixtures';

type Raw = Record<string, any>;

/** The saved form of a fixture, with its first credential field's `after` replaced. */
function withCredential(after: unknown, side: 'after' | 'before' = 'after'): Raw {
  const raw = JSON.parse(serializePlan(mixedPlan())) as Raw;
  const field = raw.changes.flatMap((c: Raw) => c.fields ?? []).find((f: Raw) => f.path.startsWith('credentials.'));
  field[side] = after;
  return raw;
}

describe('credential fields in a saved plan', () => {
  it('the planner writes plans that pass, resolved or not', () => {
    expect(checkPlanShape(JSON.parse(serializePlan(mixedPlan())))).toBeNull();
    expect(checkPlanShape(JSON.parse(serializePlan(hostilePlan())))).toBeNull();
  });

  it.each<[string, unknown]>([
    ['changed', { sensitive: true, changed: true, prefix: 'sk-proj-Ab3d' }],
    ['unchanged', { sensitive: true, changed: false, prefix: null }],
    ['unknown', { sensitive: true, changed: null, prefix: null, unknown: true }],
    ['removed (null)', null],
  ])('accepts %s', (_name, value) => {
    expect(checkPlanShape(withCredential(value))).toBeNull();
  });

  it.each<[string, unknown, RegExp]>([
    ['"unknown" with changed: false (reads as unchanged)', { sensitive: true, changed: false, prefix: null, unknown: true }, /an unknown credential has 'changed': null/],
    ['a value instead of a credential', 'sk-proj-the-whole-key', /a credential must be \{"sensitive": true, \.\.\.\} or null/],
    ['sensitive: false', { sensitive: false, changed: true, prefix: null }, /a credential must be/],
    ['changed as a string', { sensitive: true, changed: 'yes', prefix: null }, /'changed' must be true, false or null/],
    ['a prefix that is not a string', { sensitive: true, changed: true, prefix: 12 }, /'prefix' must be a string or null/],
    ['unknown: false', { sensitive: true, changed: null, prefix: null, unknown: false }, /'unknown' must be true when present/],
    ['an extra key carrying a value', { sensitive: true, changed: true, prefix: null, value: 'sk-…' }, /not 'value'/],
  ])('refuses %s', (_name, value, message) => {
    expect(checkPlanShape(withCredential(value))).toMatch(message);
    expect(checkPlanShape(withCredential(value, 'before'))).toMatch(message);
  });
});
