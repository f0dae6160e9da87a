// Stale plans: for every kind of out-of-band change (update, delete, insert of a conflicting
// name, insert below a deleted row, a rotated secret) to a row a saved plan touches, `apply
// --plan` is refused: exit 1, one STALE_PLAN message naming the row, nothing written (every
// table but the run history identical, and no run recorded). To a row it does not touch: the
// plan is applied (exit 0, everything it planned is done) and the out-of-band change is kept
// byte for byte. On both targets; every case has its own scope, so one database per target.
import { targets } from '../support/db';
import { STALE_RE } from './support/race-harness';
import { matrix, names, title, type StaleCase } from './support/stale-matrix';
import { mayDiffer, runCase, staleTarget, type StaleTarget } from './support/stale-harness';

jest.setTimeout(60_000);

const cases: StaleCase[] = matrix();
const tally: Record<string, { refused: number; applied: number; failed: number }> = {};

afterAll(() => {
  const lines = Object.entries(tally).map(([t, x]) => `${t}: ${cases.length} cases, ${x.refused} refused as expected, ${x.applied} applied as expected, ${x.failed} failed`);
  process.stdout.write(`\nstale-plan matrix:\n  ${lines.join('\n  ')}\n`);
});

describe.each(targets)('stale saved plans on %s', (target) => {
  let t: StaleTarget;
  const count = (k: 'refused' | 'applied' | 'failed'): void => {
    tally[target] ??= { refused: 0, applied: 0, failed: 0 };
    tally[target]![k]++;
  };

  beforeAll(async () => {
    t = await staleTarget(target);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  test('the matrix covers every action, hit and kind it claims to', () => {
    for (const subject of ['provider', 'model'] as const) {
      for (const action of ['create', 'update', 'delete', 'disable'] as const) {
        const of = (hit: string): string[] => cases.filter((c) => c.subject === subject && c.action === action && c.hit === hit).map((c) => c.kind).sort();
        expect(of('touched')).toEqual(expect.arrayContaining(action === 'create' ? ['insert'] : ['delete', 'insert', 'update']));
        expect(of('untouched rows')).toEqual(['delete', 'insert', 'update']);
      }
    }
    expect(cases.filter((c) => c.subject === 'credentials' && c.hit === 'touched').map((c) => c.kind).sort()).toEqual(['delete', 'insert', 'secret', 'update']);
    expect(new Set(cases.map(title)).size).toBe(cases.length);
  });

  test.each(cases.map((c, i) => [title(c), c, i] as const))('%s', async (_title, c, i) => {
    let ok = false;
    try {
      const r = await runCase(t, c, i);
      const n = names(i);
      const out = `exit ${r.apply.code}\nstdout:\n${r.apply.stdout}\nstderr:\n${r.apply.stderr}`;
      // The plan really does what the case says (else the case tests nothing).
      const subject = c.subject === 'model' ? `model ${n.p}/${c.action === 'create' ? 'm3' : 'm1'}` : `provider ${n.p}`;
      expect(r.planned).toContain(`${c.subject === 'credentials' ? 'update' : c.action} ${subject}`);

      if (c.expect === 'refused') {
        if (r.apply.code !== 1) throw new Error(`expected the saved plan to be refused (exit 1), got:\n${out}`);
        const lines = r.apply.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('using the embedded database'));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(STALE_RE);
        expect(lines[0]).toContain(r.oob.phrase);
        expect(r.apply.stdout).not.toContain('Apply complete');
        // Nothing written: every table (the run history aside) as it was; history gains the
        // refusal's record (result refused, since the audit log records refused applies).
        expect(r.after!.dump).toEqual(r.before!.dump);
        expect(r.after!.raw).toEqual(r.before!.raw);
        expect(r.runsAfter).toBe(r.runsBefore + 1);
        count('refused');
      } else {
        if (r.apply.code !== 0) throw new Error(`expected the saved plan to apply (exit 0), got:\n${out}`);
        expect(r.apply.stdout).toMatch(/^Apply complete: /m);
        expect(r.runsAfter).toBe(r.runsBefore + 1);
        // The out-of-band change is kept exactly (the row's every column, or its absence)...
        expect(r.affectedAfter).toEqual(r.affectedBefore);
        // ... and everything the plan planned is done: planning v2 again shows only the
        // difference the out-of-band change makes.
        const allowed = mayDiffer(r.oob.affected);
        expect(r.remaining!.filter((x) => !allowed(x.key))).toEqual([]);
        count('applied');
      }
      ok = true;
    } finally {
      if (!ok) count('failed');
    }
  });
});
