// Versioned schema migrations. Each one runs in its own transaction together with its row in
// cvctl_migrations, so a failed migration leaves no half-built schema and a retry starts clean.
// A transaction-level advisory lock serialises concurrent `cvctl db migrate` runs (e.g. two CI
// jobs): the second waits, then sees the version the first recorded and skips it.
//
// A released migration is never edited: its SQL is what existing databases ran. Change the
// schema by appending a migration. That is why migration 1 spells the kinds out literally
// instead of using PROVIDER_KINDS (a test checks they match; a new kind needs a new migration).
import { CvctlError } from '../errors';
import type { Database, Queryable } from './database';
import { NOT_MIGRATED_MESSAGE } from './db-errors';
import { MIGRATION_LOCK_NAMESPACE } from './lock';
import { deletedRowStatements } from './deleted-rows';
import { MIGRATION_4 } from './migration-0004';

export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** The provider kinds the database accepts (checked against PROVIDER_KINDS by a test). */
export const MIGRATION_1_KINDS = [
  'openai', 'anthropic', 'azure', 'bedrock', 'google', 'vertex',
  'vertex-anthropic', 'groq', 'cohere', 'deepseek', 'moonshot', 'openai-compatible',
] as const;

const kindList = MIGRATION_1_KINDS.map((k) => `'${k}'`).join(', ');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '0001_initial_schema',
    statements: [
      `create table providers (
        id uuid primary key default gen_random_uuid(),
        name text not null constraint providers_name_key unique
          constraint providers_name_format check (name ~ '^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$'),
        kind text not null constraint providers_kind_check check (kind in (${kindList})),
        status text not null default 'active' constraint providers_status_check check (status in ('active', 'disabled')),
        config jsonb not null default '{}' constraint providers_config_object check (jsonb_typeof(config) = 'object'),
        labels jsonb not null default '{}' constraint providers_labels_object check (jsonb_typeof(labels) = 'object'),
        credential_prefix text,
        credential_updated_at timestamptz,
        credential_ciphertext bytea,
        credential_iv bytea,
        credential_wrapped_dek bytea,
        credential_kek_id text,
        credential_fingerprints jsonb not null default '{}',
        managed_by text,
        protected boolean not null default false,
        on_remove text not null default 'delete' constraint providers_on_remove_check check (on_remove in ('delete', 'disable')),
        last_applied jsonb,
        last_applied_at timestamptz,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        -- An envelope is all three parts or none: a ciphertext without its DEK is unreadable.
        constraint providers_credential_envelope check (
          (credential_ciphertext is null) = (credential_wrapped_dek is null)
          and (credential_ciphertext is null) = (credential_iv is null))
      )`,
      `comment on column providers.managed_by is 'the cvctl scope that owns the row; NULL = made outside cvctl (console)'`,
      `create table provider_models (
        id uuid primary key default gen_random_uuid(),
        provider_id uuid not null references providers(id) on delete cascade,
        model_id text not null constraint provider_models_model_id_length check (length(model_id) between 1 and 256),
        kind text not null constraint provider_models_kind_check check (kind in ('chat', 'embedding')),
        status text not null default 'active' constraint provider_models_status_check check (status in ('active', 'disabled')),
        context_window int constraint provider_models_context_window_check check (context_window is null or context_window > 0),
        pricing jsonb,
        source text not null constraint provider_models_source_check
          check (source = 'custom' or source ~ '^catalog:[0-9]{4}\\.[0-9]{2}\\.[0-9]{2}$'),
        managed_by text,
        last_applied jsonb,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        constraint provider_models_provider_model_key unique (provider_id, model_id)
      )`,
      `create table models (
        id uuid primary key default gen_random_uuid(),
        name text not null unique,
        created_at timestamptz not null default now()
      )`,
      `create table model_backends (
        id uuid primary key default gen_random_uuid(),
        model_id uuid not null references models(id) on delete cascade,
        provider_model_id uuid not null references provider_models(id) on delete cascade,
        priority int not null default 0,
        unique (model_id, provider_model_id)
      )`,
      `create table cvctl_keys (
        name text primary key,
        wrapped_key bytea not null,
        kek_id text not null,
        created_at timestamptz not null default now(),
        rotated_at timestamptz
      )`,
      `create table cvctl_runs (
        id bigserial primary key,
        scope text not null,
        command text not null,
        started_at timestamptz not null,
        finished_at timestamptz,
        actor text,
        git_commit text,
        plan_digest text,
        summary jsonb,
        result text not null constraint cvctl_runs_result_check check (result in ('applied', 'noop', 'failed')),
        error text
      )`,
      // The unique (provider_id, model_id) index would serve provider_id lookups too; the
      // explicit one is smaller and is what the cascade delete's FK check scans.
      `create index provider_models_provider_id_idx on provider_models (provider_id)`,
      `create index model_backends_provider_model_id_idx on model_backends (provider_model_id)`,
      `create index providers_managed_by_idx on providers (managed_by)`,
      `create index cvctl_runs_scope_idx on cvctl_runs (scope, id)`,
    ],
  },
  {
    // History as an audit log (refused applies, error codes, dirty working trees) and the
    // record of managed rows deleted outside cvctl, which drift needs once the row (and the
    // last_applied it carried) is gone. See docs/operations.md "History" and "Drift".
    version: 2,
    name: '0002_audit_log_and_deleted_rows',
    statements: [
      `alter table cvctl_runs drop constraint cvctl_runs_result_check`,
      `alter table cvctl_runs add constraint cvctl_runs_result_check
        check (result in ('applied', 'noop', 'failed', 'refused'))`,
      `alter table cvctl_runs add column error_code text`,
      `alter table cvctl_runs add column dirty boolean`,
      `comment on column cvctl_runs.dirty is 'the working tree had uncommitted changes under the applied paths; NULL = not known'`,
      // One row per managed row deleted outside cvctl (the console), with the last-applied
      // record it carried. cvctl's own deletes (apply sets cvctl.deleting) remove the entry
      // instead. Built as it ran: the builder keeps this migration's text byte for byte.
      ...deletedRowStatements({
        table: 'cvctl_deleted_rows', parentKey: 'provider', childKey: 'model_id',
        parent: { type: 'provider', table: 'providers', children: 'models' },
        child: { type: 'providerModel', table: 'provider_models', alias: 'm', parentId: 'provider_id', key: (row) => `${row}.model_id` },
      }),
    ],
  },
  {
    // Issue 11: before 0.1.x a credential prefix could be the whole resolved value (a bedrock
    // accessKeyId pointed at DATABASE_URL stored the URL here in plaintext). The value is not
    // available to a migration, so every stored prefix that the new rule (src/crypto/prefix.ts)
    // could never have produced is cleared: longer than 12 characters, or holding a character
    // no key prefix or client_email start has. The next apply that writes the credential stores
    // a prefix under the new rule; until then plans show none.
    version: 3,
    name: '0003_scrub_unbounded_credential_prefixes',
    statements: [
      `update providers set credential_prefix = null
        where credential_prefix is not null
          and (length(credential_prefix) > 12 or credential_prefix ~ '[^A-Za-z0-9_.~+/=@-]')`,
    ],
  },
  MIGRATION_4,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

const CREATE_LEDGER = `create table if not exists cvctl_migrations (
  version int primary key,
  name text not null,
  applied_at timestamptz not null default now()
)`;

async function lockMigrations(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1, 0)', [MIGRATION_LOCK_NAMESPACE]);
}

async function ledgerVersion(q: Queryable): Promise<number> {
  const r = await q.query<{ v: number }>('select coalesce(max(version), 0)::int as v from cvctl_migrations');
  return r.rows[0]?.v ?? 0;
}

/** Applies every pending migration; safe to run repeatedly and concurrently. */
export async function migrate(db: Database): Promise<{ applied: string[]; version: number }> {
  // The ledger is created under the lock: two first-ever runs would otherwise race on CREATE TABLE.
  let version = await db.transaction(async (tx) => {
    await lockMigrations(tx);
    await tx.query(CREATE_LEDGER);
    return ledgerVersion(tx);
  });
  const applied: string[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= version) continue;
    const ran = await db.transaction(async (tx) => {
      await lockMigrations(tx);
      // Re-read under the lock: a concurrent migrate may have applied it while we waited.
      if ((await ledgerVersion(tx)) >= m.version) return false;
      for (const sql of m.statements) await tx.query(sql);
      await tx.query('insert into cvctl_migrations (version, name, applied_at) values ($1, $2, now())', [
        m.version,
        m.name,
      ]);
      return true;
    });
    if (ran) applied.push(m.name);
    version = m.version;
  }
  return { applied, version };
}

/** The schema version recorded in the database; 0 when cvctl never migrated it. */
export async function schemaVersion(db: Queryable): Promise<number> {
  const r = await db.query<{ present: boolean }>(`select to_regclass('cvctl_migrations') is not null as present`);
  if (!r.rows[0]?.present) return 0;
  return ledgerVersion(db);
}

/** Throws DB_NOT_MIGRATED unless the schema is at the version this cvctl needs. */
export async function assertMigrated(db: Queryable): Promise<void> {
  const v = await schemaVersion(db);
  if (v === 0) throw new CvctlError('DB_NOT_MIGRATED', NOT_MIGRATED_MESSAGE);
  if (v < LATEST_SCHEMA_VERSION) {
    throw new CvctlError(
      'DB_NOT_MIGRATED',
      `the database schema is at version ${v}, this cvctl needs version ${LATEST_SCHEMA_VERSION}: run \`cvctl db migrate\``,
    );
  }
  if (v > LATEST_SCHEMA_VERSION) {
    // Writing with an older cvctl could drop columns it does not know about.
    throw new CvctlError(
      'DB_ERROR',
      `the database schema is at version ${v}, newer than this cvctl supports (${LATEST_SCHEMA_VERSION}): upgrade cvctl`,
    );
  }
}
