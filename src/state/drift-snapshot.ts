// What `cvctl drift` reads, in one READ ONLY repeatable-read transaction (one snapshot, no
// lock, nothing written, so a role that may only SELECT can run it): the rows, each provider's
// last_applied_at, and the scope's rows deleted outside cvctl since their last apply
// (cvctl_deleted_rows, kept by migration 2's delete trigger).
import type { CurrentState } from '../domain/rows';
import type { DeletedRow } from '../plan/drift/deleted';
import type { DeletedRoutingRow } from '../plan/drift/routing';
import type { Database } from './database';
import { readState } from './read-state';

export interface DriftSnapshot {
  current: CurrentState;
  /** provider id -> last_applied_at. */
  lastAppliedAt: Record<string, string | null>;
  deleted: DeletedRow[];
  /** The scope's models and grants deleted outside cvctl (cvctl_deleted_routing_rows, migration 4). */
  deletedRouting: DeletedRoutingRow[];
}

export async function readDriftSnapshot(db: Database, scope: string): Promise<DriftSnapshot> {
  return db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    const current = await readState(tx, { routing: true });
    const r = await tx.query<{ id: string; lastAppliedAt: string | null }>(
      'select id, last_applied_at as "lastAppliedAt" from providers',
    );
    const d = await tx.query<DeletedRow>(
      `select resource_type as "resourceType", provider, model_id as "modelId", row_id as "rowId",
              managed_by as "managedBy", last_applied as "lastApplied", deleted_at as "deletedAt"
         from cvctl_deleted_rows where managed_by = $1`,
      [scope],
    );
    const dr = await tx.query<DeletedRoutingRow>(
      `select resource_type as "resourceType", model, member, last_applied as "lastApplied"
         from cvctl_deleted_routing_rows where managed_by = $1`,
      [scope],
    );
    return { current, lastAppliedAt: Object.fromEntries(r.rows.map((x) => [x.id, x.lastAppliedAt])), deleted: d.rows, deletedRouting: dr.rows };
  });
}
