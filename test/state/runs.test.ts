import { listRuns, recordRun, renderHistory, type RunInput, type RunRecord } from '../../src/state/runs';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';

function run(over: Partial<RunInput> = {}): RunInput {
  return {
    scope: 'default',
    command: 'apply',
    startedAt: new Date('2026-04-15T09:30:00.000Z'),
    finishedAt: new Date('2026-04-15T09:30:12.345Z'),
    actor: 'alice',
    gitCommit: '0123456789abcdef0123456789abcdef01234567',
    planDigest: 'sha256:abc',
    summary: { create: 2, update: 1, disable: 1, enable: 0, delete: 3 },
    result: 'applied',
    error: null,
    ...over,
  };
}

describe.each(targets)('runs on %s', (target) => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase(target);
  });
  afterAll(async () => {
    await fresh?.cleanup();
  });

  test('records runs and lists them newest first, per scope, limited', async () => {
    const { db } = fresh;
    await recordRun(db, run());
    await recordRun(db, run({ scope: 'team-b', actor: null, gitCommit: null, planDigest: null, summary: null, result: 'noop' }));
    await db.transaction((tx) => recordRun(tx, run({ result: 'failed', error: 'stale plan\nsecond line' })));

    const all = await listRuns(db, { limit: 10 });
    expect(all.map((r) => [r.scope, r.result])).toEqual([
      ['default', 'failed'],
      ['team-b', 'noop'],
      ['default', 'applied'],
    ]);
    expect(all[2]).toEqual({
      id: expect.any(Number),
      scope: 'default',
      command: 'apply',
      startedAt: '2026-04-15T09:30:00.000Z',
      finishedAt: '2026-04-15T09:30:12.345Z',
      actor: 'alice',
      gitCommit: '0123456789abcdef0123456789abcdef01234567',
      planDigest: 'sha256:abc',
      summary: { create: 2, update: 1, disable: 1, enable: 0, delete: 3 },
      result: 'applied',
      error: null,
    });
    expect(all[0].id).toBeGreaterThan(all[2].id);
    expect(all[1]).toMatchObject({ actor: null, gitCommit: null, planDigest: null, summary: null });

    expect((await listRuns(db, { scope: 'default', limit: 10 })).map((r) => r.result)).toEqual(['failed', 'applied']);
    expect(await listRuns(db, { scope: 'nobody', limit: 10 })).toEqual([]);
    expect(await listRuns(db, { limit: 1 })).toHaveLength(1);
  });
});

describe('renderHistory', () => {
  const records: RunRecord[] = [
    {
      id: 12,
      scope: 'default',
      command: 'apply',
      startedAt: '2026-04-15T09:30:00.000Z',
      finishedAt: '2026-04-15T09:30:12.345Z',
      actor: 'alice',
      gitCommit: '0123456789abcdef0123456789abcdef01234567',
      planDigest: 'sha256:abc',
      summary: { create: 2, update: 1, disable: 1, enable: 1, delete: 3 },
      result: 'applied',
      error: null,
    },
    {
      id: 9,
      scope: 'team-b',
      command: 'apply',
      startedAt: '2026-04-14T08:00:00.000Z',
      finishedAt: null,
      actor: null,
      gitCommit: null,
      planDigest: null,
      summary: null,
      result: 'failed',
      error: 'database error 23505: duplicate key\nmore',
    },
  ];

  test('text: an aligned table with 12-character commits and +create ~change -delete counts', () => {
    expect(renderHistory(records, { output: 'text' })).toBe(
      [
        'ID  WHEN                  SCOPE    ACTOR  COMMIT        CHANGES   RESULT',
        '12  2026-04-15 09:30:12Z  default  alice  0123456789ab  +2 ~3 -3  applied',
        '9   2026-04-14 08:00:00Z  team-b   -      -             -         failed: database error 23505: duplicate key',
        '',
      ].join('\n'),
    );
  });

  test('text: empty history says so', () => {
    expect(renderHistory([], { output: 'text' })).toBe('No runs recorded.\n');
  });

  test('json: the records, unabridged', () => {
    const parsed = JSON.parse(renderHistory(records, { output: 'json' })) as { runs: RunRecord[] };
    expect(parsed).toEqual({ runs: records });
  });
});
