// Migration 4 over a database an older cvctl and the console filled: their rows keep working
// (console models and backends stay unmanaged, with defaults for the new columns), a usage_daily
// the gateway made first is left as it is, and the new delete triggers record managed models and
// grants deleted outside cvctl, as migration 2's do for providers.
import type { Database } from '../../src/state/database';
import { MIGRATIONS, migrate } from '../../src/state/migrations';
import { readRouting } from '../../src/state/read-routing';
import { readUsage, usageWindow } from '../../src/state/read-usage';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { insertModel, insertProvider, migrateTo } from './seed';

describe.each(targets)('migration 4 on %s', (target) => {
  let fresh: FreshDatabase;
  let db: Database;
  let ids: { model: string; backend: string; pm: string };
  let applied: string[];
  beforeAll(async () => {
    fresh = await freshDatabase(target, { migrate: false });
    db = fresh.db;
    await migrateTo(db, 3);
    // As the console and an older cvctl left them: a model and its backend with the old columns only.
    const p = await insertProvider(db, 'console-p', { status: 'disabled' });
    const pm = await insertModel(db, p.id, 'gpt-4o');
    const model = (await db.query<{ id: string }>(`insert into models (name) values ('Console Chat') returning id`)).rows[0].id;
    const backend = (
      await db.query<{ id: string }>(
        'insert into model_backends (model_id, provider_model_id, priority) values ($1, $2, 3) returning id',
        [model, pm],
      )
    ).rows[0].id;
    ids = { model, backend, pm };
    // The gateway made its own usage table first: another shape, a finer grain (per tenant).
    await db.query(`create table usage_daily (day date not null, tenant text not null, model_id uuid,
      provider_model_id uuid, requests int not null, input_tokens bigint not null, output_tokens bigint not null)`);
    await db.query(`insert into usage_daily values ('2026-03-01', 'a', $1, $2, 1, 10, 100), ('2026-03-01', 'b', $1, $2, 2, 20, 200)`, [
      model,
      pm,
    ]);
    applied = (await migrate(db)).applied;
  });
  afterAll(async () => {
    await fresh?.cleanup();
  });

  test('runs once over the older schema', () => {
    expect(applied).toEqual([MIGRATIONS[3].name]);
  });

  test("console rows keep their values and get the new columns' defaults; the console's inserts still work", async () => {
    const { models, backends, grants } = await readRouting(db);
    expect(models).toEqual([
      expect.objectContaining({
        id: ids.model,
        name: 'Console Chat',
        kind: null,
        status: 'active',
        description: null,
        labels: {},
        routing: null,
        managedBy: null,
        protected: false,
        onRemove: 'delete',
        lastApplied: null,
        lastAppliedAt: null,
      }),
    ]);
    expect(backends).toEqual([
      expect.objectContaining({
        id: ids.backend,
        modelName: 'Console Chat',
        provider: 'console-p',
        providerModel: 'gpt-4o',
        providerStatus: 'disabled',
        priority: 3,
        weight: 100,
        status: 'active',
      }),
    ]);
    expect(grants).toEqual([]);
    // A console that knows nothing of migration 4 writes the old columns only.
    const m2 = (await db.query<{ id: string }>(`insert into models (name) values ('console-2') returning id`)).rows[0].id;
    await db.query('insert into model_backends (model_id, provider_model_id) values ($1, $2)', [m2, ids.pm]);
    expect((await readRouting(db)).backends.map((b) => [b.modelName, b.priority, b.weight])).toEqual([
      ['Console Chat', 3, 100],
      ['console-2', 0, 100],
    ]);
  });

  test("the gateway's own usage_daily is kept as it was, and read through its extra column", async () => {
    const cols = await db.query<{ c: string }>(
      `select column_name as c from information_schema.columns where table_name = 'usage_daily' order by ordinal_position`,
    );
    expect(cols.rows.map((r) => r.c)).toEqual(['day', 'tenant', 'model_id', 'provider_model_id', 'requests', 'input_tokens', 'output_tokens']);
    const idx = await db.query(`select 1 from pg_indexes where tablename = 'usage_daily'`);
    expect(idx.rowCount).toBe(0);
    const usage = await readUsage(db, usageWindow(30, new Date('2026-03-10T12:00:00Z')));
    expect(usage).toEqual({
      window: { from: '2026-02-09', to: '2026-03-10', days: 30 },
      totals: [{ modelId: ids.model, providerModelId: ids.pm, requests: 3, inputTokens: 30, outputTokens: 300 }],
      warnings: [],
    });
  });

  describe('deleted-rows triggers', () => {
    const recorded = async (): Promise<string[]> => {
      const r = await db.query<{ k: string }>(
        `select resource_type || ' ' || model || coalesce(' ' || nullif(member, ''), '') || ' ' || managed_by
                || ' ' || coalesce(last_applied->>'v', '-') as k
           from cvctl_deleted_routing_rows order by 1`,
      );
      return r.rows.map((x) => x.k);
    };
    const addModel = async (name: string, managedBy: string | null): Promise<string> =>
      (
        await db.query<{ id: string }>(
          `insert into models (name, kind, managed_by, last_applied) values ($1, 'chat', $2, $3) returning id`,
          [name, managedBy, managedBy ? JSON.stringify({ v: name }) : null],
        )
      ).rows[0].id;
    const grant = async (model: string, type: string, subject: string, managedBy: string | null): Promise<void> => {
      await db.query(
        `insert into access_grants (model_id, subject_type, subject, managed_by, last_applied) values ($1, $2, $3, $4, $5)`,
        [model, type, subject, managedBy, managedBy ? JSON.stringify({ v: subject }) : null],
      );
    };

    test('console deletes of managed models and grants are recorded, with the grants a model takes along', async () => {
      const a = await addModel('chat-a', 'default');
      const b = await addModel('chat-b', null);
      await grant(a, 'group', 'eng', 'default');
      await grant(a, 'user', 'x@example.com', null);
      await grant(b, 'group', 'ops', 'team-b');
      await grant(b, 'user', 'y@example.com', 'default');
      await db.query(`delete from access_grants where subject = 'y@example.com'`);
      await db.query(`delete from models where name in ('chat-a', 'chat-b')`);
      expect(await recorded()).toEqual([
        'accessGrant chat-a group:eng default eng',
        'accessGrant chat-b group:ops team-b ops',
        'accessGrant chat-b user:y@example.com default y@example.com',
        'model chat-a default chat-a',
      ]);
    });

    test("cvctl's own deletes record nothing and forget earlier records", async () => {
      const c = await addModel('chat-b', 'default');
      await grant(c, 'group', 'ops', 'team-b');
      await grant(c, 'user', 'y@example.com', 'default');
      const a = await addModel('chat-a', 'default');
      await db.transaction(async (tx) => {
        await tx.query(`select set_config('cvctl.deleting', 'on', true)`);
        await tx.query(`delete from access_grants where model_id = $1 and subject = 'y@example.com'`, [c]);
        await tx.query('delete from models where id = $1', [a]);
      });
      expect(await recorded()).toEqual(['accessGrant chat-b group:ops team-b ops']);
    });
  });
});
