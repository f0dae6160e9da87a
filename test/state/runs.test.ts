import { listRuns, recordRun, type RunInput, type RunRecord } from '../../src/state/runs';
import { renderHistory } from '../../src/render/history';
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
    await db.transaction((tx) => recordRun(tx, run({ result: 'failed', errorCode: 'DB_ERROR', error: 'database error\nsecond line' })));

    const all = await listRuns(db, { limit: 10 });
    expect(all.map((r) => [r.scope, r.result, r.errorCode])).toEqual([
      ['default', 'failed', 'DB_ERROR'],
      ['team-b', 'noop', null],
      ['default', 'applied', null],
    ]);
    expect(all[2]).toEqual({
      id: expect.any(Number),
      scope: 'default',
      command: 'apply',
      startedAt: '2026-04-15T09:30:00.000Z',
      finishedAt: '2026-04-15T09:30:12.345Z',
      actor: 'alice',
      gitCommit: '0123456789abcdef0123456789abcdef01234567',
      dirty: null,
      planDigest: 'sha256:abc',
      summary: { create: 2, update: 1, disable: 1, enable: 0, delete: 3 },
      result: 'applied',
      errorCode: null,
      error: null,
    });
    expect(all[0].id).toBeGreaterThan(all[2].id);
    expect(all[1]).toMatchObject({ actor: null, gitCommit: null, planDigest: null, summary: null });

    expect((await listRuns(db, { scope: 'default', limit: 10 })).map((r) => r.result)).toEqual(['failed', 'applied']);
    expect(await listRuns(db, { scope: 'nobody', limit: 10 })).toEqual([]);
    expect(await listRuns(db, { limit: 1 })).toHaveLength(1);
  });

  test.each([
    ['refused', 'STALE_PLAN', true],
    ['refused', 'DELETE_NOT_ALLOWED', false],
    ['failed', 'LOCK_TIMEOUT', null],
  ] as const)('a %s apply is recorded with its code (%s) and the dirty flag (%s)', async (result, errorCode, dirty) => {
    const { db } = fresh;
    await recordRun(db, run({ scope: `s-${errorCode}`, result, errorCode, dirty, error: `why: ${errorCode}` }));
    const [r] = await listRuns(db, { scope: `s-${errorCode}`, limit: 5 });
    expect(r).toMatchObject({ result, errorCode, dirty, error: `why: ${errorCode}` });
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
      dirty: false,
      planDigest: 'sha256:abc',
      summary: { create: 2, update: 1, disable: 1, enable: 1, delete: 3 },
      result: 'applied',
      errorCode: null,
      error: null,
    },
    {
      id: 10,
      scope: 'default',
      command: 'apply --plan',
      startedAt: '2026-04-14T10:00:00.000Z',
      finishedAt: '2026-04-14T10:00:01.000Z',
      actor: 'bob',
      gitCommit: 'fedcba9876543210fedcba9876543210fedcba98',
      dirty: true,
      planDigest: 'sha256:def',
      summary: { create: 1, update: 0, disable: 0, enable: 0, delete: 0 },
      result: 'refused',
      errorCode: 'STALE_PLAN',
      error: 'the saved plan is stale: provider openai-prod changed',
    },
    {
      id: 9,
      scope: 'team-b',
      command: 'apply',
      startedAt: '2026-04-14T08:00:00.000Z',
      finishedAt: null,
      actor: null,
      gitCommit: null,
      dirty: null,
      planDigest: null,
      summary: null,
      result: 'failed',
      errorCode: 'DB_ERROR',
      error: 'database error 23505: duplicate key\nmore',
    },
  ];

  test('text: an aligned table with 12-character commits (-dirty when the tree was), refusals and +create ~change -delete counts', () => {
    expect(renderHistory(records, { output: 'text' })).toBe(
      [
        'ID  WHEN                  SCOPE    ACTOR  COMMIT              CHANGES   RESULT',
        '12  2026-04-15 09:30:12Z  default  alice  0123456789ab        +2 ~3 -3  applied',
        '10  2026-04-14 10:00:01Z  default  bob    fedcba987654-dirty  +1 ~0 -0  refused: the saved plan is stale: provider openai-prod changed',
        '9   2026-04-14 08:00:00Z  team-b   -      -                   -         failed: database error 23505: duplicate key',
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
