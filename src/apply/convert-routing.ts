// The batched writes of the routing resources (CONTRACT.md section 5): models, their backends and
// access grants, columns read from the registry (src/resources) as for providers
// (./convert-rows.ts). One insert and one update per type whatever the number of rows, plus one
// statement that records each written model's backends in its last_applied. Pure.
import type { AccessGrantTarget, ResourceType } from '../plan/types';
import { specOf } from '../resources/registry';
import type { Column, Statement } from '../state/statements';
import { unnest } from '../state/statements';
import { commonColumns, updatedColumns, type RowWrite, type WriteContext, type Writer } from './convert-rows';

type RoutingType = 'model' | 'modelBackend' | 'accessGrant';

/** Tables with an owner and a last-applied record of their own (a backend's are its model's). */
const OWNED: { readonly [T in RoutingType]: boolean } = { model: true, modelBackend: false, accessGrant: true };

/** Columns a type writes beside the registry's: a grant's subject type (its subject is the name). */
function extraColumns(type: RoutingType, rows: readonly RowWrite[]): Column[] {
  if (type !== 'accessGrant') return [];
  return [{ column: 'subject_type', cast: 'text', values: rows.map((r) => (r.target as AccessGrantTarget).subjectType) }];
}

function columnsOf(type: RoutingType, rows: readonly RowWrite[]): Column[] {
  return [...commonColumns(type, rows, OWNED[type]), ...extraColumns(type, rows)];
}

function insertRows(type: RoutingType): Writer {
  return (rows, w) => {
    if (rows.length === 0) return [];
    const cols = columnsOf(type, rows);
    const u = unnest(cols);
    const now = `$${u.params.length + 1}::timestamptz`;
    const scope = `$${u.params.length + 2}`;
    const stamps: Array<[string, string]> = OWNED[type]
      ? [['managed_by', scope], ['last_applied_at', now], ['created_at', now], ['updated_at', now]]
      : [];
    const names = [...cols.map((c) => c.column), ...stamps.map((s) => s[0])];
    const values = [...cols.map((c) => u.value(c.column)), ...stamps.map((s) => s[1])];
    return [
      {
        sql: `insert into ${specOf(type).table} (${names.join(', ')})
     select ${values.join(', ')}
       from ${u.from}`,
        params: OWNED[type] ? [...u.params, w.now.toISOString(), w.scope] : u.params,
      },
    ];
  };
}

function updateRows(type: RoutingType): Writer {
  return (rows, w) => {
    if (rows.length === 0) return [];
    const u = unnest(columnsOf(type, rows));
    const now = `$${u.params.length + 1}::timestamptz`;
    const sets = [
      ...updatedColumns(type, OWNED[type]).map((c) => `${c} = ${u.value(c)}`),
      ...(OWNED[type] ? [`managed_by = $${u.params.length + 2}`, `last_applied_at = ${now}`, `updated_at = ${now}`] : []),
    ];
    return [
      {
        // models.name: a rename (renamedFrom) keeps the row, its id, backends and grants.
        sql: `update ${specOf(type).table} t set ${sets.join(', ')}
       from ${u.from}
      where t.id = u.id::uuid`,
        params: OWNED[type] ? [...u.params, w.now.toISOString(), w.scope] : u.params,
      },
    ];
  };
}

export const ROUTING_WRITERS: { readonly [T in RoutingType]: { insert: Writer; update: Writer } } = {
  model: { insert: insertRows('model'), update: updateRows('model') },
  modelBackend: { insert: insertRows('modelBackend'), update: updateRows('modelBackend') },
  accessGrant: { insert: insertRows('accessGrant'), update: updateRows('accessGrant') },
};

/**
 * A model's last_applied lists its backends as they are once the plan's writes and deletes are
 * done (`providerModel: PROVIDER/MODEL_ID`, priority, weight, status; in traffic order): drift
 * then sees a weight changed or a backend removed in the console as a change since the last
 * apply. Run after the backends' deletes, for every model written or whose backends changed.
 */
export function recordBackends(modelIds: readonly string[]): Statement[] {
  if (modelIds.length === 0) return [];
  return [
    {
      sql: `update models m set last_applied = coalesce(m.last_applied, '{}'::jsonb) || jsonb_build_object('backends', coalesce((
        select jsonb_agg(jsonb_build_object('providerModel', p.name || '/' || pm.model_id, 'priority', mb.priority,
                                            'weight', mb.weight, 'status', mb.status)
                         order by mb.priority, p.name collate "C", pm.model_id collate "C")
          from model_backends mb
          join provider_models pm on pm.id = mb.provider_model_id
          join providers p on p.id = pm.provider_id
         where mb.model_id = m.id), '[]'::jsonb))
      where m.id = any($1::uuid[])`,
      params: [[...modelIds]],
    },
  ];
}

export const isRoutingType = (t: ResourceType): t is RoutingType => t in OWNED;
