// The SQL of the routing rows' stale check (src/apply/routing-stale.ts): inside the apply
// transaction, the models, backends and grants a plan touches are locked FOR UPDATE and read
// with their version (xmin); the provider models backends name are looked up by natural key; a
// model's delete counts again what it takes with it. One statement each, whatever the number of
// rows. Deciding what is stale is the caller's job.
import type { Queryable } from './database';
import type { ModelRow } from '../domain/routing-rows';
import type { Versioned } from './row-locks';

export type LockedFacade = Pick<ModelRow, 'id' | 'name' | 'kind' | 'status' | 'description' | 'labels' | 'routing' | 'protected' | 'onRemove' | 'managedBy'>;

export interface LockedBackend {
  id: string;
  modelId: string;
  providerModelId: string;
  model: string;
  modelManagedBy: string | null;
  provider: string;
  providerModel: string;
  priority: number;
  weight: number;
  status: 'active' | 'disabled';
}

export interface LockedGrant {
  id: string;
  modelId: string;
  model: string;
  subjectType: 'user' | 'group';
  subject: string;
  limits: Record<string, unknown>;
  expiresAt: string | null;
  managedBy: string | null;
}

/** Locks and reads the models of these ids or names. */
export async function lockModels(tx: Queryable, ids: string[], names: string[]): Promise<Versioned<LockedFacade>[]> {
  const r = await tx.query<Versioned<LockedFacade>>(
    `select id::text as id, name, xmin::text::bigint as v, kind, status, description, labels, routing, protected,
            on_remove as "onRemove", managed_by as "managedBy"
       from models where id = any($1::uuid[]) or name = any($2::text[]) for update`,
    [ids, names],
  );
  return r.rows;
}

/** The provider models of these (provider name, model id) pairs, key-share locked (a backend will reference them). */
export async function providerModelIds(tx: Queryable, providers: string[], modelIds: string[]): Promise<Array<{ id: string; provider: string; modelId: string }>> {
  const r = await tx.query<{ id: string; provider: string; modelId: string }>(
    `select pm.id::text as id, p.name as provider, pm.model_id as "modelId"
       from provider_models pm join providers p on p.id = pm.provider_id
      where (p.name, pm.model_id) in (select * from unnest($1::text[], $2::text[]))
      for key share of pm`,
    [providers, modelIds],
  );
  return r.rows;
}

/** Locks and reads the backends of these ids, or of these (model id, provider model id) pairs. */
export async function lockBackendRows(tx: Queryable, ids: string[], modelIds: string[], providerModelIds: string[]): Promise<Versioned<LockedBackend>[]> {
  const r = await tx.query<Versioned<LockedBackend>>(
    `select mb.id::text as id, mb.xmin::text::bigint as v, mb.model_id::text as "modelId", mb.provider_model_id::text as "providerModelId",
            m.name as model, m.managed_by as "modelManagedBy", p.name as provider, pm.model_id as "providerModel",
            mb.priority, mb.weight, mb.status
       from model_backends mb join models m on m.id = mb.model_id
            join provider_models pm on pm.id = mb.provider_model_id join providers p on p.id = pm.provider_id
      where mb.id = any($1::uuid[]) or (mb.model_id, mb.provider_model_id) in (select * from unnest($2::uuid[], $3::uuid[]))
      for update of mb`,
    [ids, modelIds, providerModelIds],
  );
  return r.rows;
}

/** Locks and reads the grants of these ids, or of these (model id, subject type, subject) keys. */
export async function lockGrantRows(tx: Queryable, ids: string[], modelIds: string[], types: string[], subjects: string[]): Promise<Versioned<LockedGrant>[]> {
  const r = await tx.query<Versioned<LockedGrant>>(
    `select g.id::text as id, g.xmin::text::bigint as v, g.model_id::text as "modelId", m.name as model,
            g.subject_type as "subjectType", g.subject, g.limits, g.expires_at as "expiresAt", g.managed_by as "managedBy"
       from access_grants g join models m on m.id = g.model_id
      where g.id = any($1::uuid[])
         or (g.model_id, g.subject_type, g.subject) in (select * from unnest($2::uuid[], $3::text[], $4::text[]))
      for update of g`,
    [ids, modelIds, types, subjects],
  );
  return r.rows;
}

/** Backends and grants of these models now (their rows are locked FOR UPDATE: no new child can reference them). */
export async function countModelChildren(tx: Queryable, ids: string[]): Promise<Map<string, { backends: number; grants: number }>> {
  const r = await tx.query<{ id: string; backends: number | string; grants: number | string }>(
    `select m.id::text as id,
            (select count(*) from model_backends mb where mb.model_id = m.id) as backends,
            (select count(*) from access_grants g where g.model_id = m.id) as grants
       from models m where m.id = any($1::uuid[])`,
    [ids],
  );
  return new Map(r.rows.map((row) => [row.id, { backends: Number(row.backends), grants: Number(row.grants) }]));
}
