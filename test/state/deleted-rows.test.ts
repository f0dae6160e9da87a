// Migration 2's delete triggers: a managed row deleted outside cvctl leaves its last-applied
// record in cvctl_deleted_rows (drift reads it: src/plan/drift/deleted.ts); cvctl's own deletes and
// rows no scope manages leave nothing.
import { deleteRows } from '../../src/apply/write-rows';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';

describe.each(targets)('cvctl_deleted_rows on %s', (target) => {
  let fresh: FreshDatabase;
  beforeEach(async () => {
    fresh = await freshDatabase(target);
    const q = fresh.db;
    await q.query(`insert into providers (name, kind, managed_by, last_applied) values
      ('managed', 'openai', 'default', '{"kind": "openai", "labels": {"team": "a"}}'),
      ('other', 'openai', 'team-b', '{"kind": "openai"}'),
      ('console', 'openai', null, null)`);
    await q.query(`insert into provider_models (provider_id, model_id, kind, source, managed_by, last_applied)
      select p.id, m, 'chat', 'custom', p.managed_by, jsonb_build_object('kind', 'chat', 'contextWindow', 1000)
        from providers p cross join (values ('m1'), ('m2'), ('m3')) v(m)`);
  });
  afterEach(async () => {
    await fresh.cleanup();
  });

  const recorded = async (): Promise<string[]> => {
    const r = await fresh.db.query<{ k: string }>(
      `select resource_type || ' ' || provider || coalesce('/' || nullif(model_id, ''), '') || ' ' || managed_by
              || ' ' || coalesce(last_applied->>'contextWindow', last_applied->>'kind', '-') as k
         from cvctl_deleted_rows order by 1`,
    );
    return r.rows.map((x) => x.k);
  };

  test('console deletes of managed rows are recorded with their last-applied record; of console rows, not', async () => {
    await fresh.db.query(`delete from provider_models where model_id = 'm1'`);
    await fresh.db.query(`delete from providers where name in ('managed', 'console')`);
    expect(await recorded()).toEqual([
      'provider managed default openai',
      'providerModel managed/m1 default 1000',
      'providerModel managed/m2 default 1000',
      'providerModel managed/m3 default 1000',
      'providerModel other/m1 team-b 1000',
    ]);
    // The cascade went through: the models are gone with the provider.
    const left = await fresh.db.query<{ n: number }>(`select count(*)::int as n from provider_models`);
    expect(left.rows[0].n).toBe(2); // other's m2 and m3
  });

  test("cvctl's own deletes (in an apply transaction) record nothing and forget earlier records", async () => {
    await fresh.db.query(`delete from provider_models where model_id = 'm1'`);
    expect(await recorded()).toEqual(['providerModel managed/m1 default 1000', 'providerModel other/m1 team-b 1000']);
    const ids = await fresh.db.query<{ id: string; name: string }>(`select id, name from providers where name in ('managed', 'other')`);
    const byName = new Map(ids.rows.map((r) => [r.name, r.id]));
    const m2 = await fresh.db.query<{ id: string }>(
      `select m.id from provider_models m join providers p on p.id = m.provider_id where p.name = 'other' and m.model_id = 'm2'`,
    );
    await fresh.db.transaction(async (tx) => {
      await deleteRows(tx, 'provider_models', [m2.rows[0].id]);
      await deleteRows(tx, 'providers', [byName.get('managed')!]);
    });
    expect(await recorded()).toEqual(['providerModel other/m1 team-b 1000']);
    // The setting was local to that transaction: a later console delete is recorded again.
    await fresh.db.query(`delete from providers where name = 'other'`);
    expect(await recorded()).toEqual([
      'provider other team-b openai',
      'providerModel other/m1 team-b 1000',
      'providerModel other/m3 team-b 1000',
    ]);
  });
});
