// Reads every model facade, backend and access grant in three statements (one per table),
// whatever their number: issue 15 asks the no-op plan over 1,000 models, 3,000 backends and
// 5,000 grants to stay near "parse + one SELECT per table". Like readState, every row is read,
// not only this scope's: names are unique across the table, so the planner needs console rows
// and other scopes' rows to report conflicts and unmanaged rows.
//
// Rows are shaped in SQL (camelCase aliases) and typed by the shared value parsers
// (src/state/values.ts), so the driver's rows are already the domain rows. rowVersion is xmin,
// as in read-state.ts.
import type { AccessGrantRow, ModelBackendRow, ModelRow, RoutingState } from '../domain/routing-rows';
import type { Queryable } from './database';
import { inSnapshot } from './snapshot';

export const MODELS_SQL = `select id, name, kind, status, description, labels, routing,
  managed_by as "managedBy", protected, on_remove as "onRemove", last_applied as "lastApplied",
  last_applied_at as "lastAppliedAt", xmin::text::bigint as "rowVersion",
  created_at as "createdAt", updated_at as "updatedAt"
from models order by name`;

// Joined to the names a file writes (`providerModel: PROVIDER/MODEL_ID`) and to the statuses a
// plan needs for "an active model without an active backend". Ordered as traffic tries them
// (priority first), ties by name, so the output is deterministic.
export const MODEL_BACKENDS_SQL = `select mb.id, mb.model_id as "modelId", m.name as "modelName",
  mb.provider_model_id as "providerModelId", p.name as provider, pm.model_id as "providerModel",
  pm.kind as "providerModelKind", pm.status as "providerModelStatus", p.status as "providerStatus",
  mb.priority, mb.weight, mb.status, mb.xmin::text::bigint as "rowVersion"
from model_backends mb
  join models m on m.id = mb.model_id
  join provider_models pm on pm.id = mb.provider_model_id
  join providers p on p.id = pm.provider_id
order by m.name, mb.priority, p.name, pm.model_id`;

export const ACCESS_GRANTS_SQL = `select g.id, g.model_id as "modelId", m.name as "modelName",
  g.subject_type as "subjectType", g.subject, g.limits, g.expires_at as "expiresAt",
  g.managed_by as "managedBy", g.last_applied as "lastApplied", g.last_applied_at as "lastAppliedAt",
  g.xmin::text::bigint as "rowVersion", g.created_at as "createdAt", g.updated_at as "updatedAt"
from access_grants g join models m on m.id = g.model_id
order by m.name, g.subject_type, g.subject`;

/**
 * Three statements in one snapshot (six in all, with BEGIN/SET/COMMIT, when given a Database). A
 * plan that also reads providers passes its own transaction so that both reads agree.
 */
export async function readRouting(q: Queryable): Promise<RoutingState> {
  return inSnapshot(q, async (tx) => {
    // Sequential: one session runs one statement at a time anyway.
    const models = (await tx.query<ModelRow>(MODELS_SQL)).rows;
    const backends = (await tx.query<ModelBackendRow>(MODEL_BACKENDS_SQL)).rows;
    const grants = (await tx.query<AccessGrantRow>(ACCESS_GRANTS_SQL)).rows;
    return { models, backends, grants };
  });
}

/** Each model's backends in the order read (priority first), by model id; models with none are absent. */
export function backendsByModel(backends: readonly ModelBackendRow[]): Map<string, ModelBackendRow[]> {
  const out = new Map<string, ModelBackendRow[]>();
  for (const b of backends) {
    const list = out.get(b.modelId);
    if (list) list.push(b);
    else out.set(b.modelId, [b]);
  }
  return out;
}
