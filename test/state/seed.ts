// Seeding helpers for the state tests: plain SQL, the way the console or psql would write rows,
// so the tests exercise the database's own constraints rather than cvctl's code.
import type { Database, Queryable } from '../../src/state/database';
import { MIGRATIONS } from '../../src/state/migrations';

export interface SeedShape {
  providers: number;
  modelsPerProvider: number;
  /** Each model facade gets backends from this many providers' first model (0 = no facades). */
  facades?: number;
}

/**
 * Bulk seed with set-based SQL (generate_series): a handful of statements for any size.
 * Provider i is `p-00000i`, owned by scope `default`; its models are `m-0000j`, catalog-sourced,
 * with pricing and a last_applied record so the read path parses realistic jsonb.
 */
export async function seedBulk(q: Queryable, s: SeedShape): Promise<void> {
  await q.query(
    `insert into providers (name, kind, config, labels, managed_by, credential_prefix, last_applied)
     select 'p-' || lpad(i::text, 6, '0'), 'openai', jsonb_build_object('organization', 'org-' || i),
            '{"team":"platform"}', 'default', 'sk-proj-',
            jsonb_build_object('name', 'p-' || lpad(i::text, 6, '0'), 'kind', 'openai')
       from generate_series(1, $1::int) i`,
    [s.providers],
  );
  await q.query(
    `insert into provider_models (provider_id, model_id, kind, context_window, pricing, source, managed_by, last_applied)
     select p.id, 'm-' || lpad(j::text, 5, '0'), case when j % 10 = 0 then 'embedding' else 'chat' end, 128000,
            jsonb_build_object('inputPerMTok', 0.3, 'outputPerMTok', 1.2), 'catalog:2026.04.15', 'default',
            jsonb_build_object('modelId', 'm-' || lpad(j::text, 5, '0'), 'kind', 'chat', 'contextWindow', 128000)
       from providers p cross join generate_series(1, $1::int) j`,
    [s.modelsPerProvider],
  );
  if (s.facades) {
    await q.query(`insert into models (name) select 'facade-' || k from generate_series(1, $1::int) k`, [s.facades]);
    await q.query(
      `insert into model_backends (model_id, provider_model_id, priority)
       select m.id, pm.id, 0
         from models m
         join provider_models pm on pm.model_id = 'm-00001'
         join providers p on p.id = pm.provider_id
        where p.name <= 'p-' || lpad((1 + (substr(m.name, 8)::int % 3))::text, 6, '0')`,
    );
  }
}

export async function insertProvider(
  q: Queryable,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; rowVersion: number }> {
  const row: Record<string, unknown> = { name, kind: 'openai', ...extra };
  const cols = Object.keys(row);
  const vals = Object.values(row);
  const r = await q.query<{ id: string; rowVersion: number }>(
    `insert into providers (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')})
     returning id, xmin::text::bigint as "rowVersion"`,
    vals,
  );
  return r.rows[0];
}

export async function insertModel(
  q: Queryable,
  providerId: string,
  modelId: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const row: Record<string, unknown> = { provider_id: providerId, model_id: modelId, kind: 'chat', source: 'custom', ...extra };
  const cols = Object.keys(row);
  const vals = Object.values(row);
  const r = await q.query<{ id: string }>(
    `insert into provider_models (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')}) returning id`,
    vals,
  );
  return r.rows[0].id;
}

/**
 * Brings an empty database to `version` only, the way an older cvctl left it, so a test can
 * write rows in the old shape before `migrate()` runs the newer migrations over them.
 */
export async function migrateTo(db: Database, version: number): Promise<void> {
  await db.query(`create table if not exists cvctl_migrations
    (version int primary key, name text not null, applied_at timestamptz not null default now())`);
  for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
    await db.transaction(async (tx) => {
      for (const sql of m.statements) await tx.query(sql);
      await tx.query('insert into cvctl_migrations (version, name) values ($1, $2)', [m.version, m.name]);
    });
  }
}
