// The 3-way labelling, table-driven: every combination of "files vs last apply" and
// "database vs last apply" for plain values and for credential fingerprints.
import {
  ABSENT,
  PRESENT,
  UNKNOWN,
  fpSide,
  labelCredential,
  labelOf,
  labelValues,
  lastAppliedCredential,
  sameCredential,
  type CredentialSide,
  type Known,
} from '../../src/plan/drift/label';
import { combineLabels, type DriftLabel } from '../../src/plan/drift/types';
import { driftSummaryLine } from '../../src/render/drift-common';

describe('labelOf', () => {
  const table: Array<[Known, Known, DriftLabel]> = [
    [true, false, 'drift'], // only the database moved
    [false, true, 'pending'], // only the files moved
    [false, false, 'conflict'], // both moved
    [null, null, 'conflict'], // no record: cannot tell
    [null, false, 'conflict'], // database moved, files unknown: drift or conflict
    [false, null, 'conflict'], // files moved, database unknown: pending or conflict
    [true, null, 'drift'], // files are what was applied: whatever the database did, it moved
    [null, true, 'pending'],
  ];
  test.each(table)('files=last %p, db=last %p → %s', (f, d, want) => {
    expect(labelOf(f, d)).toBe(want);
  });
});

describe('labelValues', () => {
  const table: Array<[string, unknown, unknown, unknown, DriftLabel]> = [
    ['console edit', 'platform', 'someone', 'platform', 'drift'],
    ['files edit', 'platform-2', 'platform', 'platform', 'pending'],
    ['both', 'a', 'b', 'c', 'conflict'],
    ['no last-applied record', 'a', 'b', undefined, 'conflict'],
    ['key added in the console', null, 'bob', null, 'drift'],
    ['key added in the files', 'bob', null, null, 'pending'],
    ['objects compare by value, not key order', { a: 1, b: 2 }, { a: 9 }, { b: 2, a: 1 }, 'drift'],
  ];
  test.each(table)('%s', (_name, files, db, last, want) => {
    expect(labelValues(files, db, last)).toBe(want);
  });
});

describe('credentials', () => {
  const A = fpSide('a'.repeat(64));
  const B = fpSide('b'.repeat(64));
  const C = fpSide('c'.repeat(64));
  const table: Array<[string, CredentialSide, CredentialSide, CredentialSide, DriftLabel | null]> = [
    ['same everywhere', A, A, A, null],
    ['rewritten in the console', A, B, A, 'drift'],
    ['rotated in the secret store', B, A, A, 'pending'],
    ['both', C, B, A, 'conflict'],
    ['added in the files', A, ABSENT, ABSENT, 'pending'],
    ['removed from the files', ABSENT, A, A, 'pending'],
    ['removed in the console', A, ABSENT, A, 'drift'],
    ['last apply did not record the fingerprint', B, A, PRESENT, 'conflict'],
    ['no last-applied record', B, A, UNKNOWN, 'conflict'],
    ['files not resolvable to a fingerprint: not comparable', PRESENT, A, A, null],
    ['files present, database has none: a known difference', PRESENT, ABSENT, ABSENT, 'pending'],
  ];
  test.each(table)('%s', (_name, files, db, last, want) => {
    expect(labelCredential(files, db, last)).toBe(want);
  });

  test('sameCredential is symmetric', () => {
    const sides = [A, B, ABSENT, PRESENT, UNKNOWN];
    for (const x of sides) for (const y of sides) expect(sameCredential(x, y)).toBe(sameCredential(y, x));
  });

  describe('lastAppliedCredential', () => {
    const at = '2026-03-01T10:00:00.000Z';
    const later = '2026-03-02T10:00:00.000Z';
    test('a recorded fingerprint is used as is', () => {
      expect(lastAppliedCredential({ credentials: { apiKey: 'f' } }, 'apiKey', B, later, at)).toEqual(fpSide('f'));
    });
    test('a field the record does not have was absent', () => {
      expect(lastAppliedCredential({ credentials: {} }, 'apiKey', B, at, at)).toEqual(ABSENT);
    });
    test('no record: unknown', () => {
      expect(lastAppliedCredential(null, 'apiKey', B, at, at)).toEqual(UNKNOWN);
      expect(lastAppliedCredential({ kind: 'openai' }, 'apiKey', B, at, at)).toEqual(UNKNOWN);
    });
    test('unrecorded (a create), credential not rewritten since: what is stored is what was applied', () => {
      expect(lastAppliedCredential({ credentials: { apiKey: null } }, 'apiKey', B, at, at)).toEqual(B);
    });
    test('unrecorded, credential rewritten after the apply: present, value unknown', () => {
      expect(lastAppliedCredential({ credentials: { apiKey: null } }, 'apiKey', B, later, at)).toEqual(PRESENT);
      expect(lastAppliedCredential({ credentials: { apiKey: null } }, 'apiKey', B, at, null)).toEqual(PRESENT);
    });
  });
});

describe('combining labels', () => {
  test.each<[DriftLabel[], DriftLabel]>([
    [['drift'], 'drift'],
    [['pending', 'drift'], 'drift'],
    [['pending', 'conflict', 'drift'], 'conflict'],
    [['pending', 'pending'], 'pending'],
    [['unmanaged'], 'unmanaged'],
  ])('%p → %s', (labels, want) => expect(combineLabels(labels)).toBe(want));

  test('summary line', () => {
    expect(driftSummaryLine({ drift: 2, pending: 1, conflict: 0, unmanaged: 1, ignored: 3 })).toBe(
      'Drift: 2 drifted, 1 pending, 0 conflicts, 1 unmanaged.',
    );
    expect(driftSummaryLine({ drift: 0, pending: 0, conflict: 1, unmanaged: 0, ignored: 0 })).toBe(
      'Drift: 0 drifted, 0 pending, 1 conflict, 0 unmanaged.',
    );
  });
});
