// A normalised dump of what cvctl manages, for scenario expectations and before/after
// comparisons: no ids, no timestamps, no ciphertext (only whether it is there).
import type { Queryable } from '../../src/state/database';

export interface Dump {
  providers: Array<Record<string, unknown>>;
  models: string[];
  modelBackends: string[];
  /**
   * Models with their backends and grants, one line each: present only when a model was made by
   * cvctl or with a kind, or a grant exists (older scenarios' console models keep their goldens).
   */
  routing?: string[];
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
  const routing = await dumpRouting(q);
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
    ...(routing.length > 0 ? { routing } : {}),
  };
}

async function dumpRouting(q: Queryable): Promise<string[]> {
  const models = await q.query<Record<string, unknown>>(
    `select m.name, m.kind, m.status, m.description, m.labels, m.routing, m.managed_by, m.protected, m.on_remove,
            m.last_applied is not null as has_record,
            (select json_agg(json_build_array(p.name || '/' || pm.model_id, mb.priority, mb.weight, mb.status) order by p.name, pm.model_id)
               from model_backends mb join provider_models pm on pm.id = mb.provider_model_id join providers p on p.id = pm.provider_id
              where mb.model_id = m.id) as backends,
            (select json_agg(json_build_array(g.subject_type || ':' || g.subject, g.limits, to_char(g.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), g.managed_by) order by g.subject_type, g.subject)
               from access_grants g where g.model_id = m.id) as grants
       from models m order by m.name`,
  );
  const relevant = models.rows.some((m) => m.kind !== null || m.managed_by !== null || m.grants !== null);
  if (!relevant) return [];
  const out: string[] = [];
  for (const m of models.rows) {
    const routing = m.routing as Record<string, unknown> | null;
    out.push(
      [
        `model ${m.name}`,
        m.kind ?? 'kind=-',
        m.status,
        `routing=${routing ? `${routing.strategy}/retries=${routing.retries}/${(routing.failoverOn as string[]).join('+')}` : '-'}`,
        `labels=${JSON.stringify(m.labels)}`,
        m.description ? `description=${JSON.stringify(m.description)}` : '',
        m.protected ? 'protected' : '',
        m.on_remove === 'disable' ? 'onRemove=disable' : '',
        `managed=${m.managed_by ?? '-'}`,
        m.has_record ? 'last_applied' : '',
      ].filter((x) => x !== '').join(' '),
    );
    for (const [pm, priority, weight, status] of (m.backends as Array<[string, number, number, string]> | null) ?? []) {
      out.push(`  backend ${pm} priority=${priority} weight=${weight} ${status}`);
    }
    for (const [subject, limits, expires, managed] of (m.grants as Array<[string, unknown, string | null, string | null]> | null) ?? []) {
      out.push(`  grant ${subject} limits=${JSON.stringify(limits)} expires=${expires ?? '-'} managed=${managed ?? '-'}`);
    }
  }
  return out;
}
