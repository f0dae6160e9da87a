// The batched writes of each resource type: their columns and values, read from the registry
// (src/resources) and the plan's targets; the SQL around them is built in src/state/write-sql.ts.
// One insert and one update per type whatever the number of rows. Pure.
import type { ResourceType } from '../plan/types';
import { specOf } from '../resources/registry';
import type { FieldSpec, SqlType } from '../resources/types';
import type { CopyValue } from '../state/database';
import type { Column, Statement } from '../state/statements';
import { insertProvidersSql, updateProvidersSql, updateProviderModelsSql } from '../state/write-sql';
import type { StoredCredentials } from './credentials';

/** One row to write: its id, its parents' ids (registry order), its target and last-applied record. */
export interface RowWrite {
  id: string;
  parentIds: readonly string[];
  target: object;
  lastApplied: Record<string, unknown>;
  /** Providers only: present when the credentials are replaced (possibly by "no credentials"). */
  credentials?: StoredCredentials | null;
}

/**
 * The rows of one batch: counted, and made one at a time as the writer reads them. A COPY of
 * 100,000 new provider models makes each row while it encodes the rows before it are being
 * stored by the server (src/state/postgres.ts streams), instead of all of them up front.
 */
export interface Rows extends Iterable<RowWrite> {
  readonly length: number;
}

export interface WriteContext {
  scope: string;
  now: Date;
}

export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const hex = (b: Buffer | undefined | null): string | null => (b ? b.toString('hex') : null);

export function encode(type: SqlType, v: unknown): CopyValue {
  if (type === 'jsonb') return json(v);
  return v === null || v === undefined ? null : String(v);
}

export const member = (t: object, name: string): unknown => (t as Record<string, unknown>)[name];

/** The fields stored in a column of their own, in declared order. */
const columnFields = (type: ResourceType): FieldSpec[] => specOf(type).fields.filter((f) => f.column !== null);

/**
 * id, parents' ids, name (when it has a column), the declared fields, last_applied (unless the
 * table has none: a model backend's record is its model's): the columns a resource type writes.
 */
export function commonColumns(type: ResourceType, rows: readonly RowWrite[], lastApplied = true): Column[] {
  const spec = specOf(type);
  const nameColumn = spec.name.column;
  return [
    { column: 'id', cast: 'uuid', values: rows.map((r) => r.id) },
    ...spec.parents.map((p, i): Column => ({ column: p.column, cast: 'uuid', values: rows.map((r) => r.parentIds[i]) })),
    ...(nameColumn === null ? [] : [{ column: nameColumn, cast: 'text' as const, values: rows.map((r) => encode('text', member(r.target, spec.name.field))) }]),
    ...columnFields(type).map((f): Column => ({
      column: f.column!,
      cast: f.sqlType,
      values: rows.map((r) => encode(f.sqlType, member(r.target, f.name))),
    })),
    ...(lastApplied ? [{ column: 'last_applied', cast: 'jsonb' as const, values: rows.map((r) => json(r.lastApplied)) }] : []),
  ];
}

// A provider's sealed credentials: replaced as a whole when `cred_set`, else kept (an update).
const CREDENTIAL_COLUMNS = [
  'credential_prefix',
  'credential_ciphertext',
  'credential_iv',
  'credential_wrapped_dek',
  'credential_kek_id',
  'credential_fingerprints',
] as const;

function credentialColumns(rows: readonly RowWrite[]): Column[] {
  const c = (r: RowWrite): StoredCredentials | null | undefined => r.credentials;
  return [
    { column: 'cred_set', cast: 'boolean', values: rows.map((r) => String(c(r) != null)) },
    { column: 'credential_prefix', cast: 'text', values: rows.map((r) => c(r)?.prefix ?? null) },
    { column: 'credential_ciphertext', cast: 'bytea', values: rows.map((r) => hex(c(r)?.sealed?.ciphertext)) },
    { column: 'credential_iv', cast: 'bytea', values: rows.map((r) => hex(c(r)?.sealed?.iv)) },
    { column: 'credential_wrapped_dek', cast: 'bytea', values: rows.map((r) => hex(c(r)?.sealed?.wrappedDek)) },
    { column: 'credential_kek_id', cast: 'text', values: rows.map((r) => c(r)?.sealed?.kekId ?? null) },
    { column: 'credential_fingerprints', cast: 'jsonb', values: rows.map((r) => json(c(r)?.fingerprints ?? {})) },
  ];
}

/** Columns set on update: the name when it can change (a rename), the declared fields, last_applied. */
export function updatedColumns(type: ResourceType, lastApplied = true): string[] {
  const spec = specOf(type);
  const name = spec.name.renamable && spec.name.column !== null ? [spec.name.column] : [];
  return [...name, ...columnFields(type).map((f) => f.column!), ...(lastApplied ? ['last_applied'] : [])];
}

function insertProviders(batch: Rows, w: WriteContext): Statement[] {
  if (batch.length === 0) return [];
  const rows = [...batch];
  return [insertProvidersSql([...commonColumns('provider', rows), ...credentialColumns(rows)], w.now.toISOString(), w.scope)];
}

function updateProviders(batch: Rows, w: WriteContext): Statement[] {
  if (batch.length === 0) return [];
  const rows = [...batch];
  const cols = [...commonColumns('provider', rows), ...credentialColumns(rows)];
  return [updateProvidersSql(cols, updatedColumns('provider'), CREDENTIAL_COLUMNS, w.now.toISOString(), w.scope)];
}

/**
 * New provider models by one COPY: a first apply of a large repository creates ~100 models per
 * provider, and COPY loads them twice as fast as INSERT … SELECT FROM unnest, in half the memory
 * (bench/reconcile: insertModels on 100,000 rows, 3.9 s -> 1.9 s).
 */
function insertModels(rows: Rows, w: WriteContext): Statement[] {
  if (rows.length === 0) return [];
  const spec = specOf('providerModel');
  const fields = columnFields('providerModel');
  const columns = ['id', ...spec.parents.map((p) => p.column), spec.name.column!, ...fields.map((f) => f.column!), 'last_applied', 'managed_by', 'created_at', 'updated_at'];
  return [{ copy: spec.table, columns, rows: copyRows(rows, fields, w.scope, w.now.toISOString()) }];
}

/**
 * The COPY values of each new model, made one row at a time as COPY encodes them: on L's 100,000
 * models, building them all first kept ~1.2 million strings and arrays alive through several
 * young-generation collections, each of which copied them (docs/benchmarks-scale.md).
 */
function* copyRows(rows: Rows, fields: FieldSpec[], scope: string, at: string): Generator<CopyValue[]> {
  const name = specOf('providerModel').name.field;
  const recorded = specOf('providerModel').fields.filter((f) => !f.sensitive);
  const texts = new Map<string, CopyValue>();
  for (const r of rows) {
    const out: CopyValue[] = [r.id];
    for (const id of r.parentIds) out.push(id);
    out.push(encode('text', member(r.target, name)));
    texts.clear();
    for (const f of fields) {
      const text = encode(f.sqlType, member(r.target, f.name));
      if (f.sqlType === 'jsonb') texts.set(f.name, text);
      out.push(text);
    }
    out.push(lastAppliedJson(r.target, recorded, texts), scope, at, at);
    yield out;
  }
}

/**
 * JSON of the model's last-applied record (lastAppliedOfModel: its plain fields), reusing the
 * JSON its jsonb columns were just given (pricing) instead of a key-sorted copy stringified
 * again: the column is jsonb, which keeps no key order, so the stored value is the same
 * (test/apply/convert.test.ts compares the two on every kind of value).
 */
function lastAppliedJson(target: object, recorded: readonly FieldSpec[], texts: ReadonlyMap<string, CopyValue>): string {
  let out = '{';
  for (const f of recorded) {
    const v = member(target, f.name);
    if (v === undefined) continue;
    const text = texts.get(f.name) ?? JSON.stringify(v);
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(f.name)}:${text ?? 'null'}`;
  }
  return `${out}}`;
}

function updateModels(rows: Rows, w: WriteContext): Statement[] {
  if (rows.length === 0) return [];
  return [updateProviderModelsSql(commonColumns('providerModel', [...rows]), updatedColumns('providerModel'), w.now.toISOString(), w.scope)];
}

export type Writer = (rows: Rows, w: WriteContext) => Statement[];

/** Per resource type, the batched insert and update (the routing types': ./convert-routing.ts). */
export const PROVIDER_WRITERS: { readonly [T in 'provider' | 'providerModel']: { insert: Writer; update: Writer } } = {
  provider: { insert: insertProviders, update: updateProviders },
  providerModel: { insert: insertModels, update: updateModels },
};
