// readUsage: the window's usage per (model, provider model) in one aggregate, rows of deleted
// models under model_id NULL ("unattributed"), and a usage_daily cvctl cannot read reported as a
// warning rather than a failure. Table changes that would break later tests run in a transaction
// that is rolled back.
import { CvctlError } from '../../src/errors';
import type { UsageReport } from '../../src/domain/routing-rows';
import type { Database, Queryable } from '../../src/state/database';
import { readUsage, usageTableProblem, usageWindow } from '../../src/state/read-usage';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { insertModel, insertProvider } from './seed';

const WINDOW = usageWindow(30, new Date('2026-12-05T23:59:59Z'));

describe('usageWindow', () => {
  test('is the given number of days ending on the UTC date of today, both ends inclusive', () => {
    expect(WINDOW).toEqual({ from: '2026-11-06', to: '2026-12-05', days: 30 });
    expect(usageWindow(1, new Date('2028-03-01T00:00:00Z'))).toEqual({ from: '2028-03-01', to: '2028-03-01', days: 1 });
    expect(usageWindow(366, new Date('2028-12-31T12:00:00Z'))).toEqual({ from: '2028-01-01', to: '2028-12-31', days: 366 });
  });

  test.each([0, -1, 367, 1.5, Number.NaN, Infinity])('refuses %p days with a usage error', (days) => {
    const e = (() => {
      try {
        usageWindow(days, new Date());
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(CvctlError);
    expect((e as CvctlError).code).toBe('USAGE');
    expect((e as CvctlError).message).toBe(`--cost-window must be a whole number of days from 1 to 366, got ${String(days)}`);
  });
});

test('usageTableProblem accepts extra columns and any integer count type, names what is missing or mistyped', () => {
  const col = (name: string, type: string) => ({ name, type, readable: true });
  const good = [col('day', 'date'), col('model_id', 'uuid'), col('provider_model_id', 'uuid'), col('requests', 'integer'),
    col('input_tokens', 'bigint'), col('output_tokens', 'numeric(20,0)'), col('user_id', 'text')];
  expect(usageTableProblem(good)).toBeNull();
  expect(usageTableProblem([])).toMatch(/^the database has no usage_daily table/);
  expect(usageTableProblem(good.map((c) => ({ ...c, readable: false })))).toMatch(/may not read usage_daily \(grant it SELECT\)/);
  expect(usageTableProblem(good.filter((c) => !c.name.endsWith('tokens')))).toBe(
    'usage_daily has no column input_tokens, output_tokens (section 6 of the contract lists the columns cvctl reads): the cost estimate is skipped',
  );
  expect(usageTableProblem([...good.slice(1, 5), col('day', 'text'), col('output_tokens', 'double precision')])).toBe(
    'usage_daily: day is text, not date; output_tokens is double precision, not bigint: the cost estimate is skipped',
  );
});

describe.each(targets)('readUsage on %s', (target) => {
  let fresh: FreshDatabase;
  let db: Database;
  const id: Record<string, string> = {};
  beforeAll(async () => {
    fresh = await freshDatabase(target);
    db = fresh.db;
    const p = await insertProvider(db, 'openai-prod');
    id.gpt = await insertModel(db, p.id, 'gpt-4o');
    id.mini = await insertModel(db, p.id, 'gpt-4o-mini');
    for (const m of ['chat', 'old-a', 'old-b']) {
      id[m] = (await db.query<{ id: string }>('insert into models (name) values ($1) returning id', [m])).rows[0].id;
    }
    await db.query(
      `insert into usage_daily (day, model_id, provider_model_id, requests, input_tokens, output_tokens) values
        ('2026-11-05', $1, $3, 1000, 1000, 1000),  -- the day before the window
        ('2026-11-06', $1, $3, 10, 1000, 500),
        ('2026-12-05', $1, $3, 20, 3000, 1500),
        ('2026-12-05', $1, $4, 5, 100, 50),
        ('2026-12-06', $1, $4, 1000, 1000, 1000),  -- the day after
        ('2026-12-01', $2, $3, 1, 10, 5),
        ('2026-12-01', $5, $3, 2, 20, 10)`,
      [id.chat, id['old-a'], id.gpt, id.mini, id['old-b']],
    );
    // Two models deleted in the console: their rows become (day, NULL, gpt) twice, which the
    // unique index allows (NULLs distinct), so the delete is not refused.
    await db.query(`delete from models where name in ('old-a', 'old-b')`);
  });
  afterAll(async () => {
    await fresh?.cleanup();
  });

  /** Runs fn in a transaction that is always rolled back; returns what fn returned. */
  async function rolledBack<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let out: T | undefined;
    const rollback = new Error('rollback');
    await db
      .transaction(async (tx) => {
        out = await fn(tx);
        throw rollback;
      })
      .catch((e: unknown) => {
        if (e !== rollback) throw e;
      });
    return out as T;
  }

  test('sums the window per (model, provider model); deleted models as model_id NULL, in one aggregate', async () => {
    const start = db.statementCount();
    const usage = await readUsage(db, WINDOW);
    expect(db.statementCount() - start).toBe(2); // the column check, the aggregate
    const expected: UsageReport = {
      window: WINDOW,
      totals: [
        { modelId: null, providerModelId: id.gpt, requests: 3, inputTokens: 30, outputTokens: 15 },
        ...[
          { modelId: id.chat, providerModelId: id.gpt, requests: 30, inputTokens: 4000, outputTokens: 2000 },
          { modelId: id.chat, providerModelId: id.mini, requests: 5, inputTokens: 100, outputTokens: 50 },
        ].sort((a, b) => (a.providerModelId < b.providerModelId ? -1 : 1)),
      ],
      warnings: [],
    };
    expect(usage).toEqual(expected);
  });

  test('a deleted provider model leaves its usage under provider_model_id NULL', async () => {
    const usage = await rolledBack(async (tx) => {
      await tx.query('delete from provider_models where id = $1', [id.mini]);
      return readUsage(tx, WINDOW);
    });
    expect(usage.totals).toContainEqual({ modelId: id.chat, providerModelId: null, requests: 5, inputTokens: 100, outputTokens: 50 });
  });

  test('no usage in the window is an empty list, not a missing one', async () => {
    expect(await readUsage(db, usageWindow(5, new Date('2025-01-01')))).toEqual({
      window: { from: '2024-12-28', to: '2025-01-01', days: 5 },
      totals: [],
      warnings: [],
    });
  });

  test('rows with a negative count (a table without our checks) are left out and counted in a warning', async () => {
    const usage = await rolledBack(async (tx) => {
      await tx.query('alter table usage_daily drop constraint usage_daily_output_tokens_check');
      await tx.query(`insert into usage_daily (day, model_id, provider_model_id, requests, input_tokens, output_tokens)
        values ('2026-12-02', $1, $2, 7, 70, -1)`, [id.chat, id.gpt]);
      return readUsage(tx, WINDOW);
    });
    expect(usage.totals).toContainEqual({ modelId: id.chat, providerModelId: id.gpt, requests: 30, inputTokens: 4000, outputTokens: 2000 });
    expect(usage.warnings).toEqual([
      '1 usage_daily row from 2026-11-06 to 2026-12-05 with a negative count left out of the cost estimate',
    ]);
  });

  test.each([
    ['a mistyped column', 'alter table usage_daily alter column day type text', 'usage_daily: day is text, not date'],
    ['a missing column', 'alter table usage_daily drop column output_tokens', 'usage_daily has no column output_tokens'],
    ['no table', 'drop table usage_daily', 'the database has no usage_daily table'],
  ])('%s: no totals and a warning, not a failure', async (_label, sql, warning) => {
    const usage = await rolledBack(async (tx) => {
      await tx.query(sql);
      return readUsage(tx, WINDOW);
    });
    expect(usage.totals).toBeUndefined();
    expect(usage.warnings).toEqual([expect.stringContaining(warning)]);
  });
});
