// The SQL of the stale check (src/apply/stale-check.ts): inside the apply transaction, the rows
// a plan touches are locked FOR UPDATE and read with their version (xmin), and what a delete
// takes with it is counted again. Deciding what is stale is the caller's job.
import type { Queryable } from './database';
import type { ProviderModelRow, ProviderRow } from '../domain/rows';

export type LockedProvider = Pick<
  ProviderRow,
  'id' | 'name' | 'kind' | 'status' | 'config' | 'labels' | 'protected' | 'onRemove' | 'managedBy' | 'credentialFingerprints'
>;
export type LockedModel = Pick<ProviderModelRow, 'id' | 'modelId' | 'kind' | 'status' | 'contextWindow' | 'pricing' | 'source' | 'managedBy'> & {
  /** The name of its provider. */
  provider: string;
};

/** A locked row and its version now (xmin, as the plan recorded it). */
export type Versioned<T> = T & { v: number | string };

/** Locks and reads the providers of these ids or names. */
export async function lockProviders(tx: Queryable, ids: string[], names: string[]): Promise<Versioned<LockedProvider>[]> {
  const r = await tx.query<Versioned<LockedProvider>>(
    `select id::text as id, name, xmin::text::bigint as v, kind, status, config, labels, protected,
            on_remove as "onRemove", managed_by as "managedBy", credential_fingerprints as "credentialFingerprints"
       from providers
      where id = any($1::uuid[]) or name = any($2::text[]) for update`,
    [ids, names],
  );
  return r.rows;
}

/** Locks and reads the provider models of these ids, or under providers of these names. */
export async function lockProviderModels(tx: Queryable, ids: string[], providerNames: string[]): Promise<Versioned<LockedModel>[]> {
  const r = await tx.query<Versioned<LockedModel>>(
    `select pm.id::text as id, p.name as provider, pm.model_id as "modelId", pm.xmin::text::bigint as v, pm.kind, pm.status,
            pm.context_window as "contextWindow", pm.pricing, pm.source, pm.managed_by as "managedBy"
       from provider_models pm join providers p on p.id = pm.provider_id
      where pm.id = any($1::uuid[]) or p.name = any($2::text[]) for update of pm`,
    [ids, providerNames],
  );
  return r.rows;
}

/**
 * What deleting these providers and provider models takes with it now, by id: a provider's
 * models and their backends, a model's backends. The models under a deleted provider are
 * locked too, so none can gain a backend before the transaction ends. One statement.
 */
export async function countCascades(
  tx: Queryable,
  providerIds: string[],
  modelIds: string[],
): Promise<Map<string, { models: number; backends: number }>> {
  const r = await tx.query<{ id: string; models: number | string; backends: number | string }>(
    `with doomed as (
       select pm.id, pm.provider_id from provider_models pm where pm.provider_id = any($1::uuid[]) for update
     )
     select d.provider_id::text as id, count(distinct d.id) as models, count(mb.id) as backends
       from doomed d left join model_backends mb on mb.provider_model_id = d.id
      group by d.provider_id
     union all
     select mb.provider_model_id::text, 0, count(*) from model_backends mb
      where mb.provider_model_id = any($2::uuid[]) group by mb.provider_model_id`,
    [providerIds, modelIds],
  );
  return new Map(r.rows.map((row) => [row.id, { models: Number(row.models), backends: Number(row.backends) }]));
}

/**
 * Whether each of these provider models serves now (its provider and itself active), locked
 * FOR SHARE until the transaction ends so that none changes before commit: the rows a saved
 * plan's policy verdict rests on (src/apply/policy-basis.ts). Absent ones are left out.
 */
export async function shareProviderModels(
  tx: Queryable,
  refs: ReadonlyArray<{ provider: string; modelId: string }>,
): Promise<Array<{ provider: string; modelId: string; serving: 'active' | 'disabled' }>> {
  if (refs.length === 0) return [];
  const r = await tx.query<{ provider: string; modelId: string; serving: 'active' | 'disabled' }>(
    `select p.name as provider, pm.model_id as "modelId",
            case when p.status = 'active' and pm.status = 'active' then 'active' else 'disabled' end as serving
       from unnest($1::text[], $2::text[]) as want(provider, model_id)
       join providers p on p.name = want.provider
       join provider_models pm on pm.provider_id = p.id and pm.model_id = want.model_id
        for share of p, pm`,
    [refs.map((x) => x.provider), refs.map((x) => x.modelId)],
  );
  return r.rows;
}
