// The batched writes of the routing resources (CONTRACT.md section 5): models, their backends and
// access grants, columns read from the registry (src/resources) as for providers
// (./convert-rows.ts). One insert and one update per type whatever the number of rows, plus one
// statement that records each written model's backends in its last_applied. Pure.
import type { AccessGrantTarget, ResourceType } from '../plan/types';
import { specOf } from '../resources/registry';
import type { Column, Statement } from '../state/statements';
import { insertRowsCopy, recordBackendsSql, updateRowsSql, type Stamps } from '../state/write-sql';
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
  return (rows, w) => (rows.length === 0 ? [] : [insertRowsCopy(specOf(type).table, columnsOf(type, [...rows]), stamps(type, w))]);
}

function updateRows(type: RoutingType): Writer {
  return (rows, w) => (rows.length === 0 ? [] : [updateRowsSql(specOf(type).table, columnsOf(type, [...rows]), updatedColumns(type, OWNED[type]), stamps(type, w))]);
}

const stamps = (type: RoutingType, w: WriteContext): Stamps => ({ owned: OWNED[type], now: w.now.toISOString(), scope: w.scope });

export const ROUTING_WRITERS: { readonly [T in RoutingType]: { insert: Writer; update: Writer } } = {
  model: { insert: insertRows('model'), update: updateRows('model') },
  modelBackend: { insert: insertRows('modelBackend'), update: updateRows('modelBackend') },
  accessGrant: { insert: insertRows('accessGrant'), update: updateRows('accessGrant') },
};

/** Each given model's last_applied record of its backends, rewritten from the rows (src/state/write-sql.ts). */
export function recordBackends(modelIds: readonly string[]): Statement[] {
  return modelIds.length === 0 ? [] : [recordBackendsSql(modelIds)];
}

export const isRoutingType = (t: ResourceType): t is RoutingType => t in OWNED;
