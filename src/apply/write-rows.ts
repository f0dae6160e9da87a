// Batched writes: one statement per table and kind of write, whatever the number of rows
// (arrays passed as parameters and expanded with unnest, or one COPY for new provider models).
// Every value travels as text and is cast by PostgreSQL, which both drivers (pg and PGlite)
// serialise the same way.
import type { CopyValue, Queryable, Transaction } from '../state/database';
import type { ProviderModelTarget, ProviderTarget } from '../plan/types';
import type { StoredCredentials } from './credentials';

export interface ProviderWrite {
  id: string;
  target: ProviderTarget;
  /** Present when the credentials are replaced (possibly by "no credentials"). */
  credentials: StoredCredentials | null;
}

export interface ModelWrite {
  id: string;
  providerId: string;
  target: ProviderModelTarget;
}

const hex = (b: Buffer | undefined | null): string | null => (b ? b.toString('hex') : null);
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

function providerColumns(rows: ProviderWrite[]) {
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.target.name),
    rows.map((r) => r.target.kind),
    rows.map((r) => r.target.status),
    rows.map((r) => json(r.target.config)),
    rows.map((r) => json(r.target.labels)),
    rows.map((r) => String(r.target.protected)),
    rows.map((r) => r.target.onRemove),
    rows.map((r) => json(r.target.lastApplied)),
    rows.map((r) => String(r.credentials !== null)),
    rows.map((r) => r.credentials?.prefix ?? null),
    rows.map((r) => hex(r.credentials?.sealed?.ciphertext)),
    rows.map((r) => hex(r.credentials?.sealed?.iv)),
    rows.map((r) => hex(r.credentials?.sealed?.wrappedDek)),
    rows.map((r) => r.credentials?.sealed?.kekId ?? null),
    rows.map((r) => json(r.credentials?.fingerprints ?? {})),
  ];
}

const PROVIDER_UNNEST = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
  as u(id, name, kind, status, config, labels, protected, on_remove, last_applied, cred_set, prefix, ct, iv, dek, kek_id, fps)`;

export async function insertProviders(tx: Queryable, rows: ProviderWrite[], scope: string, now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into providers (id, name, kind, status, config, labels, protected, on_remove, last_applied,
        credential_prefix, credential_ciphertext, credential_iv, credential_wrapped_dek, credential_kek_id,
        credential_fingerprints, credential_updated_at, managed_by, last_applied_at, created_at, updated_at)
     select u.id::uuid, u.name, u.kind, u.status, u.config::jsonb, u.labels::jsonb, u.protected::boolean, u.on_remove,
        u.last_applied::jsonb, u.prefix, decode(u.ct, 'hex'), decode(u.iv, 'hex'), decode(u.dek, 'hex'), u.kek_id,
        u.fps::jsonb, case when u.ct is null then null else $17::timestamptz end, $18, $17::timestamptz, $17::timestamptz, $17::timestamptz
       from ${PROVIDER_UNNEST}`,
    [...providerColumns(rows), now.toISOString(), scope],
  );
}

export async function updateProviders(tx: Queryable, rows: ProviderWrite[], scope: string, now: Date): Promise<void> {
  if (rows.length === 0) return;
  const keep = (col: string, value: string) => `${col} = case when u.cred_set::boolean then ${value} else p.${col} end`;
  await tx.query(
    // name: a rename (renamedFrom) keeps the row and its id; for any other update it is unchanged.
    `update providers p set name = u.name, kind = u.kind, status = u.status, config = u.config::jsonb, labels = u.labels::jsonb,
        protected = u.protected::boolean, on_remove = u.on_remove, last_applied = u.last_applied::jsonb,
        managed_by = $18, last_applied_at = $17::timestamptz, updated_at = $17::timestamptz,
        ${keep('credential_prefix', 'u.prefix')},
        ${keep('credential_ciphertext', "decode(u.ct, 'hex')")},
        ${keep('credential_iv', "decode(u.iv, 'hex')")},
        ${keep('credential_wrapped_dek', "decode(u.dek, 'hex')")},
        ${keep('credential_kek_id', 'u.kek_id')},
        ${keep('credential_fingerprints', 'u.fps::jsonb')},
        ${keep('credential_updated_at', 'case when u.ct is null then null else $17::timestamptz end')}
       from ${PROVIDER_UNNEST}
      where p.id = u.id::uuid`,
    [...providerColumns(rows), now.toISOString(), scope],
  );
}

/** Status-only changes (e.g. `onRemove: disable` on a row the files no longer declare). */
export async function setStatus(
  tx: Queryable,
  table: 'providers' | 'provider_models',
  ids: string[],
  status: 'active' | 'disabled',
  now: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(`update ${table} set status = $2, updated_at = $3::timestamptz where id = any($1::uuid[])`, [
    ids,
    status,
    now.toISOString(),
  ]);
}

function modelColumns(rows: ModelWrite[]) {
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.providerId),
    rows.map((r) => r.target.modelId),
    rows.map((r) => r.target.kind),
    rows.map((r) => r.target.status),
    rows.map((r) => (r.target.contextWindow === null ? null : String(r.target.contextWindow))),
    rows.map((r) => json(r.target.pricing)),
    rows.map((r) => r.target.source),
    rows.map((r) => json(r.target.lastApplied)),
  ];
}

const MODEL_UNNEST = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
  as u(id, provider_id, model_id, kind, status, context_window, pricing, source, last_applied)`;

/**
 * New provider models by one COPY: a first apply of a large repository creates ~100 models per
 * provider, and COPY loads them twice as fast as INSERT … SELECT FROM unnest, in half the memory
 * (bench/reconcile: insertModels on 100,000 rows, 3.9 s -> 1.9 s).
 */
export async function insertModels(tx: Transaction, rows: ModelWrite[], scope: string, now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.copyRows('provider_models', MODEL_COPY_COLUMNS, modelCopyRows(rows, scope, now.toISOString()));
}

/**
 * The COPY values of each new model, made one row at a time as COPY encodes them: on L's 100,000
 * models, building them all first kept ~1.2 million strings and arrays alive through several
 * young-generation collections, each of which copied them (docs/benchmarks-scale.md).
 */
function* modelCopyRows(rows: ModelWrite[], scope: string, at: string): Generator<CopyValue[]> {
  for (const r of rows) {
    const t = r.target;
    yield [
      r.id,
      r.providerId,
      t.modelId,
      t.kind,
      t.status,
      t.contextWindow === null ? null : String(t.contextWindow),
      json(t.pricing),
      t.source,
      json(t.lastApplied),
      scope,
      at,
      at,
    ];
  }
}

const MODEL_COPY_COLUMNS = [
  'id',
  'provider_id',
  'model_id',
  'kind',
  'status',
  'context_window',
  'pricing',
  'source',
  'last_applied',
  'managed_by',
  'created_at',
  'updated_at',
] as const;

export async function updateModels(tx: Queryable, rows: ModelWrite[], scope: string, now: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `update provider_models m set kind = u.kind, status = u.status, context_window = u.context_window::int,
        pricing = u.pricing::jsonb, source = u.source, last_applied = u.last_applied::jsonb, managed_by = $11,
        updated_at = $10::timestamptz
       from ${MODEL_UNNEST}
      where m.id = u.id::uuid`,
    [...modelColumns(rows), now.toISOString(), scope],
  );
}

export async function deleteRows(tx: Queryable, table: 'providers' | 'provider_models', ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  // For this transaction only: the delete triggers (migration 2) then forget these rows
  // instead of recording them as deleted outside cvctl (which `cvctl drift` reports).
  await tx.query(`select set_config('cvctl.deleting', 'on', true)`);
  await tx.query(`delete from ${table} where id = any($1::uuid[])`, [ids]);
}
