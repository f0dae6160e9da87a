// A normalised dump of what cvctl manages, for scenario expectations and before/after
// comparisons: no ids, no timestamps, no ciphertext (only whether it is there).
import type { Queryable } from '../../src/state/database';

export interface Dump {
  providers: Array<Record<string, unknown>>;
  models: string[];
  modelBackends: string[];
}

export async function dumpRows(q: Queryable): Promise<Dump> {
  const providers = await q.query<Record<string, unknown>>(
    `select name, kind, status, config, labels, credential_prefix, managed_by, protected, on_remove,
            credential_ciphertext is not null as has_credentials,
            (select count(*)::int from provider_models pm where pm.provider_id = p.id) as model_count
       from providers p order by name`,
  );
  const models = await q.query<Record<string, unknown>>(
    `select p.name as provider, pm.model_id, pm.kind, pm.status, pm.context_window, pm.pricing, pm.source, pm.managed_by
       from provider_models pm join providers p on p.id = pm.provider_id order by p.name, pm.model_id`,
  );
  const backends = await q.query<Record<string, unknown>>(
    `select m.name as model, p.name as provider, pm.model_id
       from model_backends mb join models m on m.id = mb.model_id
       join provider_models pm on pm.id = mb.provider_model_id join providers p on p.id = pm.provider_id
      order by m.name, p.name, pm.model_id`,
  );
  return {
    providers: providers.rows,
    // One line per model keeps golden files readable and diffs small.
    models: models.rows.map((r) =>
      [
        `${r.provider}/${r.model_id}`,
        r.kind,
        r.status,
        `ctx=${r.context_window ?? '-'}`,
        `price=${r.pricing ? `${(r.pricing as Record<string, number>).inputPerMTok}/${(r.pricing as Record<string, number>).outputPerMTok}` : '-'}`,
        r.source,
        `managed=${r.managed_by ?? '-'}`,
      ].join(' '),
    ),
    modelBackends: backends.rows.map((r) => `${r.model} -> ${r.provider}/${r.model_id}`),
  };
}
