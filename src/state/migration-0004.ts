// Migration 4 (issues 15 and 16, CONTRACT.md sections 5 and 6): models, their backends and
// access grants become declarable, and the gateway's usage table gets its documented shape.
// Kept apart from migrations.ts only for file size; like every released migration, never edited.
//
// Existing data is untouched: every new column of `models` and `model_backends` is nullable or
// has a default, so rows made in the console keep their meaning (managed_by NULL = unmanaged,
// kind NULL = not declared; a planner infers it from the backends). No constraint is added that
// an existing row could violate (e.g. no name format check on `models`: console names may not
// follow the file's pattern, and the migration must not fail on them).
import type { Migration } from './migrations';

/** Upserts one record of a routing row deleted outside cvctl (shared by both triggers). */
const RECORD_CONFLICT = `on conflict (resource_type, model, member) do update
             set row_id = excluded.row_id, managed_by = excluded.managed_by,
                 last_applied = excluded.last_applied, deleted_at = excluded.deleted_at`;

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
    `create table cvctl_deleted_routing_rows (
      resource_type text not null constraint cvctl_deleted_routing_rows_type_check check (resource_type in ('model', 'accessGrant')),
      model text not null,
      member text not null default '',
      row_id uuid not null,
      managed_by text not null,
      last_applied jsonb,
      deleted_at timestamptz not null default now(),
      primary key (resource_type, model, member)
    )`,
    `create function cvctl_note_model_delete() returns trigger language plpgsql
       security definer set search_path from current as $fn$
     begin
       if coalesce(current_setting('cvctl.deleting', true), '') = 'on' then
         -- cvctl removes it on purpose, grants included: nothing of it is missing any more.
         delete from cvctl_deleted_routing_rows where model = old.name;
         return old;
       end if;
       if old.managed_by is not null then
         insert into cvctl_deleted_routing_rows (resource_type, model, member, row_id, managed_by, last_applied)
           values ('model', old.name, '', old.id, old.managed_by, old.last_applied)
           ${RECORD_CONFLICT};
       end if;
       -- Its grants go with it (ON DELETE CASCADE): recorded here, while they are still visible.
       -- Whoever owns the model: a scope may grant access to a model made in the console.
       insert into cvctl_deleted_routing_rows (resource_type, model, member, row_id, managed_by, last_applied)
         select 'accessGrant', old.name, g.subject_type || ':' || g.subject, g.id, g.managed_by, g.last_applied
           from access_grants g where g.model_id = old.id and g.managed_by is not null
         ${RECORD_CONFLICT};
       return old;
     end $fn$`,
    `create function cvctl_note_access_grant_delete() returns trigger language plpgsql
       security definer set search_path from current as $fn$
     declare
       mname text;
     begin
       -- NULL when the model itself is being deleted (a cascade): its trigger handled it.
       select name into mname from models where id = old.model_id;
       if mname is null then return old; end if;
       if coalesce(current_setting('cvctl.deleting', true), '') = 'on' then
         delete from cvctl_deleted_routing_rows
          where resource_type = 'accessGrant' and model = mname and member = old.subject_type || ':' || old.subject;
         return old;
       end if;
       if old.managed_by is null then return old; end if;
       insert into cvctl_deleted_routing_rows (resource_type, model, member, row_id, managed_by, last_applied)
         values ('accessGrant', mname, old.subject_type || ':' || old.subject, old.id, old.managed_by, old.last_applied)
         ${RECORD_CONFLICT};
       return old;
     end $fn$`,
    `create trigger cvctl_note_model_delete before delete on models
       for each row execute function cvctl_note_model_delete()`,
    `create trigger cvctl_note_access_grant_delete after delete on access_grants
       for each row execute function cvctl_note_access_grant_delete()`,
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
