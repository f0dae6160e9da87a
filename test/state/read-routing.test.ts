// readRouting: every model, backend and grant as typed rows, in a deterministic order, in the same
// number of statements whatever the number of rows.
import type { AccessGrantRow, ModelBackendRow, ModelRow } from '../../src/domain/routing-rows';
import type { Database } from '../../src/state/database';
import { backendsByModel, readRouting } from '../../src/state/read-routing';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { insertModel, insertProvider } from './seed';

const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe.each(targets)('readRouting on %s', (target) => {
  let fresh: FreshDatabase;
  let db: Database;
  beforeAll(async () => {
    fresh = await freshDatabase(target);
    db = fresh.db;
  });
  afterAll(async () => {
    await fresh?.cleanup();
  });

  test('returns the exact rows, camelCased and typed, backends in priority order with their names', async () => {
    const openai = await insertProvider(db, 'openai-prod', { managed_by: 'default' });
    const anthropic = await insertProvider(db, 'anthropic-main', { status: 'disabled' });
    const gpt = await insertModel(db, openai.id, 'gpt-4o');
    const claude = await insertModel(db, anthropic.id, 'claude-sonnet-4-6', { status: 'disabled' });
    const routing = { strategy: 'fallback', retries: 1, failoverOn: ['rate-limit', 'timeout'] };
    const chat = await db.query<{ id: string; v: number }>(
      `insert into models (name, kind, description, labels, routing, managed_by, protected, on_remove, last_applied, last_applied_at)
       values ('chat-default', 'chat', 'General chat', '{"team":"platform"}', $1, 'default', true, 'disable', '{"name":"chat-default"}',
               '2026-04-15T10:00:00Z')
       returning id, xmin::text::bigint as v`,
      [JSON.stringify(routing)],
    );
    const console = (await db.query<{ id: string }>(`insert into models (name) values ('a-console') returning id`)).rows[0].id;
    const chatId = chat.rows[0].id;
    const backend = async (model: string, pm: string, priority: number, weight: number, status = 'active'): Promise<string> =>
      (
        await db.query<{ id: string }>(
          'insert into model_backends (model_id, provider_model_id, priority, weight, status) values ($1, $2, $3, $4, $5) returning id',
          [model, pm, priority, weight, status],
        )
      ).rows[0].id;
    // Inserted out of order: the read orders by model name, then priority.
    const b2 = await backend(chatId, claude, 2, 50, 'disabled');
    const b1 = await backend(chatId, gpt, 1, 100);
    const b3 = await backend(console, gpt, 0, 100);
    const g1 = (
      await db.query<{ id: string }>(
        `insert into access_grants (model_id, subject_type, subject, limits, expires_at, managed_by, last_applied)
         values ($1, 'user', 'ada@example.com', '{"requestsPerMinute":600}', '2027-06-30T00:00:00Z', 'default', '{"v":1}') returning id`,
        [chatId],
      )
    ).rows[0].id;
    const g2 = (
      await db.query<{ id: string }>(
        `insert into access_grants (model_id, subject_type, subject) values ($1, 'group', 'engineering') returning id`,
        [chatId],
      )
    ).rows[0].id;

    const state = await readRouting(db);
    const chatRow: ModelRow = {
      id: chatId,
      name: 'chat-default',
      kind: 'chat',
      status: 'active',
      description: 'General chat',
      labels: { team: 'platform' },
      routing,
      managedBy: 'default',
      protected: true,
      onRemove: 'disable',
      lastApplied: { name: 'chat-default' },
      lastAppliedAt: '2026-04-15T10:00:00.000Z',
      rowVersion: chat.rows[0].v,
      createdAt: ISO,
      updatedAt: ISO,
    };
    expect(state.models.map((m) => m.name)).toEqual(['a-console', 'chat-default']);
    expect(state.models[1]).toEqual(chatRow);
    const row = (id: string, modelId: string, modelName: string, provider: string, pmId: string, pm: string): Partial<ModelBackendRow> => ({
      id,
      modelId,
      modelName,
      providerModelId: pmId,
      provider,
      providerModel: pm,
      providerModelKind: 'chat',
    });
    expect(state.backends).toEqual([
      { ...row(b3, console, 'a-console', 'openai-prod', gpt, 'gpt-4o'), providerModelStatus: 'active', providerStatus: 'active', priority: 0, weight: 100, status: 'active', rowVersion: expect.any(Number) },
      { ...row(b1, chatId, 'chat-default', 'openai-prod', gpt, 'gpt-4o'), providerModelStatus: 'active', providerStatus: 'active', priority: 1, weight: 100, status: 'active', rowVersion: expect.any(Number) },
      { ...row(b2, chatId, 'chat-default', 'anthropic-main', claude, 'claude-sonnet-4-6'), providerModelStatus: 'disabled', providerStatus: 'disabled', priority: 2, weight: 50, status: 'disabled', rowVersion: expect.any(Number) },
    ]);
    const grants: AccessGrantRow[] = [
      { id: g2, modelId: chatId, modelName: 'chat-default', subjectType: 'group', subject: 'engineering', limits: {}, expiresAt: null, managedBy: null, lastApplied: null, lastAppliedAt: null, rowVersion: expect.any(Number), createdAt: ISO, updatedAt: ISO },
      { id: g1, modelId: chatId, modelName: 'chat-default', subjectType: 'user', subject: 'ada@example.com', limits: { requestsPerMinute: 600 }, expiresAt: '2027-06-30T00:00:00.000Z', managedBy: 'default', lastApplied: { v: 1 }, lastAppliedAt: null, rowVersion: expect.any(Number), createdAt: ISO, updatedAt: ISO },
    ];
    expect(state.grants).toEqual(grants);
    expect([...backendsByModel(state.backends)].map(([m, list]) => [m, list.map((b) => b.id)])).toEqual([
      [console, [b3]],
      [chatId, [b1, b2]],
    ]);
  });

  test('rowVersion changes on any UPDATE, whoever makes it', async () => {
    const before = (await readRouting(db)).backends.find((b) => b.modelName === 'a-console')!;
    await db.query('update model_backends set weight = 0 where id = $1', [before.id]);
    const after = (await readRouting(db)).backends.find((b) => b.modelName === 'a-console')!;
    expect(after.weight).toBe(0);
    expect(after.rowVersion).not.toBe(before.rowVersion);
  });

  test('the same number of statements for 1,000 more models, 2,000 backends and 1,000 grants', async () => {
    const count = async (): Promise<number> => {
      const start = db.statementCount();
      await readRouting(db);
      return db.statementCount() - start;
    };
    const small = await count();
    await db.query(`insert into models (name, kind, managed_by) select 'bulk-' || i, 'chat', 'default' from generate_series(1, 1000) i`);
    await db.query(
      `insert into model_backends (model_id, provider_model_id, priority)
       select m.id, pm.id, 1 from models m cross join provider_models pm where m.name like 'bulk-%'`,
    );
    await db.query(
      `insert into access_grants (model_id, subject_type, subject) select id, 'group', 'eng' from models where name like 'bulk-%'`,
    );
    const large = await count();
    expect(small).toBe(6); // BEGIN, SET TRANSACTION, three SELECTs, COMMIT
    expect(large).toBe(small);
    const state = await readRouting(db);
    expect([state.models.length, state.backends.length, state.grants.length]).toEqual([1002, 2003, 1002]);
    // In a caller's transaction: the three SELECTs only.
    const inTx = await db.transaction(async (tx) => {
      const start = db.statementCount();
      await readRouting(tx);
      return db.statementCount() - start;
    });
    expect(inTx).toBe(3);
  });
});
