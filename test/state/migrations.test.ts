import { PROVIDER_KINDS } from '../../src/domain/kinds';
import { CvctlError } from '../../src/errors';
import { openDatabase } from '../../src/state/connect';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  MIGRATION_1_KINDS,
  assertMigrated,
  migrate,
  schemaVersion,
} from '../../src/state/migrations';
import { createPostgresDatabase, freshDatabase, hasPostgres, targets } from '../support/db';
import { migrateTo } from './seed';

test('migration 1 accepts exactly the provider kinds of the file format', () => {
  // If this fails, a kind was added: add a migration that widens providers_kind_check.
  expect([...MIGRATION_1_KINDS].sort()).toEqual([...PROVIDER_KINDS].sort());
});

test('migration versions are consecutive and named uniquely', () => {
  expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
});

describe.each(targets)('migrate on %s', (target) => {
  test('applies every migration once, records it, and is idempotent', async () => {
    const fresh = await freshDatabase(target, { migrate: false });
    try {
      const { db } = fresh;
      expect(await schemaVersion(db)).toBe(0);
      const first = await migrate(db);
      expect(first).toEqual({ applied: MIGRATIONS.map((m) => m.name), version: LATEST_SCHEMA_VERSION });
      const second = await migrate(db);
      expect(second).toEqual({ applied: [], version: LATEST_SCHEMA_VERSION });
      expect(await schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      await expect(assertMigrated(db)).resolves.toBeUndefined();

      const ledger = await db.query<{ version: number; name: string; applied_at: string }>(
        'select version, name, applied_at from cvctl_migrations order by version',
      );
      expect(ledger.rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      expect(ledger.rows[0].applied_at).toMatch(/^\d{4}-\d\d-\d\dT/);

      const tables = await db.query<{ t: string }>(
        `select table_name as t from information_schema.tables where table_schema = 'public' order by 1`,
      );
      expect(tables.rows.map((r) => r.t)).toEqual([
        'access_grants',
        'cvctl_deleted_routing_rows',
        'cvctl_deleted_rows',
        'cvctl_keys',
        'cvctl_migrations',
        'cvctl_runs',
        'model_backends',
        'models',
        'provider_models',
        'providers',
        'usage_daily',
      ]);
      const idx = await db.query<{ i: string }>(`select indexname as i from pg_indexes where schemaname = 'public'`);
      expect(idx.rows.map((r) => r.i)).toEqual(
        expect.arrayContaining([
          'provider_models_provider_id_idx',
          'model_backends_provider_model_id_idx',
          'providers_managed_by_idx',
          'usage_daily_day_model_key',
          'usage_daily_model_id_idx',
          'usage_daily_provider_model_id_idx',
        ]),
      );
    } finally {
      await fresh.cleanup();
    }
  });

  test('a database ahead of this cvctl is refused, not downgraded', async () => {
    const fresh = await freshDatabase(target);
    try {
      await fresh.db.query(`insert into cvctl_migrations (version, name) values (999, '0999_future')`);
      expect(await migrate(fresh.db)).toEqual({ applied: [], version: 999 });
      const err = await assertMigrated(fresh.db).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CvctlError);
      expect((err as CvctlError).message).toMatch(/newer than this cvctl/);
    } finally {
      await fresh.cleanup();
    }
  });

  test('a partially migrated database reports how far behind it is', async () => {
    const fresh = await freshDatabase(target, { migrate: false });
    try {
      await fresh.db.query('create table cvctl_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())');
      const err = await assertMigrated(fresh.db).catch((e: unknown) => e);
      expect((err as CvctlError).code).toBe('DB_NOT_MIGRATED');
      expect((err as CvctlError).message).toContain('run `cvctl db migrate`');
    } finally {
      await fresh.cleanup();
    }
  });

  test('migration 3 clears stored prefixes the bounded prefix rule could never have produced', async () => {
    const fresh = await freshDatabase(target, { migrate: false });
    try {
      const { db } = fresh;
      await migrateTo(db, 2);
      // Rows as an older cvctl stored them: a whole DATABASE_URL "prefix", an unbounded key id,
      // and prefixes that the new rule could produce (kept).
      const rows: Array<[string, string | null]> = [
        ['p-url', 'postgres://app:hunter2@db.internal:5432/gw'],
        ['p-keyid', 'AKIAIOSFODNN7EXAMPLE'],
        ['p-newline', 'sk-a\nb'],
        ['p-openai', 'sk-proj-A1b2'],
        ['p-email', 'cvctl@acme-p'],
        ['p-none', null],
      ];
      for (const [name, prefix] of rows) {
        await db.query(`insert into providers (name, kind, credential_prefix) values ($1, 'openai', $2)`, [name, prefix]);
      }
      // `db migrate` over an older database.
      expect((await migrate(db)).applied).toContain('0003_scrub_unbounded_credential_prefixes');
      const after = await db.query<{ name: string; p: string | null }>(
        'select name, credential_prefix as p from providers order by name',
      );
      expect(Object.fromEntries(after.rows.map((r) => [r.name, r.p]))).toEqual({
        'p-email': 'cvctl@acme-p',
        'p-keyid': null,
        'p-newline': null,
        'p-none': null,
        'p-openai': 'sk-proj-A1b2',
        'p-url': null,
      });
    } finally {
      await fresh.cleanup();
    }
  });
});

(hasPostgres ? describe : describe.skip)('concurrent migrate on postgres', () => {
  test('several sessions migrating at once apply each migration exactly once', async () => {
    const pg = await createPostgresDatabase();
    const dbs = await Promise.all([1, 2, 3, 4].map(() => openDatabase({ databaseUrl: pg.url })));
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
      for (const r of results) expect(r.version).toBe(LATEST_SCHEMA_VERSION);
      const ledger = await dbs[0].query<{ n: number }>('select count(*)::int as n from cvctl_migrations');
      expect(ledger.rows[0].n).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await pg.drop();
    }
  });
});
