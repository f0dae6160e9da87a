// Migration 4 (issues 15 and 16, CONTRACT.md sections 5 and 6): models, their backends and
// access grants become declarable, and the gateway's usage table gets its documented shape.
// Kept apart from migrations.ts only for file size; like every released migration, never edited.
//
// Existing data is untouched: every new column of `models` and `model_backends` is nullable or
// has a default, so rows made in the console keep their meaning (managed_by NULL = unmanaged,
// kind NULL = not declared; a planner infers it from the backends). No constraint is added that
// an existing row could violate (e.g. no name format check on `models`: console names may not
// follow the file's pattern, and the migration must not fail on them).
import { deletedRowStatements } from './deleted-rows';
import type { Migration } from './migrations';

export const MIGRATION_4: Migration = {
  version: 4,
  name: '0004_models_routing_grants_usage',
  statements: [
    `alter table models
       add column kind text constraint models_kind_check check (kind in ('chat', 'embedding')),
       add column status text not null default 'active' constraint models_status_check check (status in ('active', 'disabled')),
       add column description text,
       add column labels jsonb not null default '{}' constraint models_labels_object check (jsonb_typeof(labels) = 'object'),
       add column routing jsonb constraint models_routing_object check (routing is null or jsonb_typeof(routing) = 'object'),
       add column managed_by text,
       add column protected boolean not null default false,
       add column on_remove text not null default 'delete' constraint models_on_remove_check check (on_remove in ('delete', 'disable')),
       add column last_applied jsonb,
       add column last_applied_at timestamptz,
       add column updated_at timestamptz not null default now()`,
    `comment on column models.managed_by is 'the cvctl scope that owns the row; NULL = made outside cvctl (console)'`,
    `comment on column models.kind is 'chat | embedding; NULL = made in the console without one'`,
    `comment on column models.routing is 'the file''s routing keys as written; NULL = the defaults'`,
    // Backends have no owner of their own: they belong to their model, whose last_applied lists
    // them (so a backend removed in the console is seen as drift from the model's record).
    // weight >= 0 rather than the file's 1..1000: the console may drain a backend with 0.
    `alter table model_backends
       add column weight int not null default 100 constraint model_backends_weight_check check (weight >= 0),
       add column status text not null default 'active' constraint model_backends_status_check check (status in ('active', 'disabled'))`,
    `create table access_grants (
      id uuid primary key default gen_random_uuid(),
      model_id uuid not null references models(id) on delete cascade,
      subject_type text not null constraint access_grants_subject_type_check check (subject_type in ('user', 'group')),
      subject text not null constraint access_grants_subject_length check (length(subject) between 1 and 320),
      limits jsonb not null default '{}' constraint access_grants_limits_object check (jsonb_typeof(limits) = 'object'),
      expires_at timestamptz,
      managed_by text,
      last_applied jsonb,
      last_applied_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint access_grants_model_subject_key unique (model_id, subject_type, subject)
    )`,
    `comment on column access_grants.managed_by is 'the cvctl scope that owns the row; NULL = made outside cvctl (console)'`,
    // As cvctl_deleted_rows (migration 2) for providers: one row per managed model or grant
    // deleted outside cvctl, with the last-applied record it carried, for drift. A table of its
    // own because the keys differ (a grant is (model, subject), not (provider, model id)) and
    // readers of cvctl_deleted_rows key its rows by (provider, model_id) alone.
    // member: '' for a model; 'group:NAME' or 'user:EMAIL' for a grant.
    // Unlike migration 2, a model's grants are recorded whoever owns the model: a scope may
    // grant access to a model made in the console.
    ...deletedRowStatements({
      table: 'cvctl_deleted_routing_rows', parentKey: 'model', childKey: 'member',
      parent: { type: 'model', table: 'models', children: 'grants', childrenOfUnmanaged: true },
      child: { type: 'accessGrant', table: 'access_grants', alias: 'g', parentId: 'model_id', key: (row) => `${row}.subject_type || ':' || ${row}.subject` },
    }),
    // Written by the gateway, read by cvctl (section 6). Only created when missing: a gateway
    // that made its own keeps it as it is (cvctl checks its columns before reading it).
    //
    // One row per (day, model, provider model), enforced by a unique index whose NULLs are
    // distinct (the default), not NULLS NOT DISTINCT: deleting a model sets its usage rows'
    // model_id to NULL, and two deleted models served by the same provider model on the same day
    // would then collide, making the console's delete of the second model fail. Distinct NULLs
    // keep such rows apart; the reader sums them all under "unattributed", so nothing is lost or
    // counted twice. The index leads with day, so it also serves the window's range scan.
    //
    // The two single-column indexes make ON DELETE SET NULL an index lookup: without them every
    // deleted model or provider model (a provider's cascade deletes thousands) scans the table.
    // The ndistinct statistics tell the planner how few (model, provider model) pairs there are
    // (columns alone suggest their product): it then hashes the window's rows instead of sorting
    // them, 67 ms instead of 160-300 ms for 30 days of 3,000 pairs out of 2 million rows.
    `do $do$
     begin
       if to_regclass('usage_daily') is null then
         create table usage_daily (
           day date not null,
           model_id uuid references models(id) on delete set null,
           provider_model_id uuid references provider_models(id) on delete set null,
           requests bigint not null default 0 constraint usage_daily_requests_check check (requests >= 0),
           input_tokens bigint not null default 0 constraint usage_daily_input_tokens_check check (input_tokens >= 0),
           output_tokens bigint not null default 0 constraint usage_daily_output_tokens_check check (output_tokens >= 0)
         );
         create unique index usage_daily_day_model_key on usage_daily (day, model_id, provider_model_id);
         create index usage_daily_model_id_idx on usage_daily (model_id);
         create index usage_daily_provider_model_id_idx on usage_daily (provider_model_id);
         create statistics usage_daily_pair_stats (ndistinct) on model_id, provider_model_id from usage_daily;
         comment on table usage_daily is 'written by the gateway, read by cvctl; model_id NULL = a model since deleted (unattributed)';
       end if;
     end $do$`,
  ],
};
