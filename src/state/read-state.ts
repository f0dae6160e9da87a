// Reads the whole current state in a constant number of statements (three reads, in one
// snapshot), whatever the number of rows: plans over hundreds of thousands of provider models must not issue a query
// per provider. Every provider is read, not only this scope's: names are unique across the
// table, so the planner needs unmanaged rows and other scopes' rows to report conflicts.
//
// Provider and backend rows are shaped in SQL (camelCase aliases) and typed by the shared value
// parsers (src/state/values.ts), so the driver's row objects are already the domain rows.
//
// rowVersion is PostgreSQL's xmin: the id of the transaction that last wrote the row. It
// changes on every UPDATE by anyone (cvctl, the console, psql) without a trigger on the
// gateway's tables. xmin is 32-bit and wraps, but a plan only compares it for equality with
// what it saw minutes earlier.
import type { BackendRef, CurrentState, ProviderModelRow, ProviderRow } from '../domain/rows';
import type { Database, Queryable } from './database';
import { readRouting } from './read-routing';

// Never the credential ciphertext columns here: they are read only when needed (readCredentialColumns).
export const PROVIDERS_SQL = `select id, name, kind, status, config, labels,
  credential_prefix as "credentialPrefix", credential_updated_at as "credentialUpdatedAt",
  credential_fingerprints as "credentialFingerprints", managed_by as "managedBy", protected,
  on_remove as "onRemove", last_applied as "lastApplied", xmin::text::bigint as "rowVersion",
  created_at as "createdAt", updated_at as "updatedAt"
from providers order by name`;

// One row per provider, its models as a JSON array of positional tuples. Measured on 250,000
// models: per-row transfer spends most of its time creating ~10 strings per row and collecting
// them (pg and, even more, PGlite's protocol parser); one JSON value per provider moves that work
// into PostgreSQL and a single JSON.parse per provider (~15-25% faster on PostgreSQL, ~2x on
// PGlite). Ordered by (provider_id, model_id) so the output is deterministic.
export const PROVIDER_MODELS_SQL = providerModelsSql(true);

/**
 * withLastApplied false: each model's last_applied comes back null. Only drift compares with
 * it; a plan does not, and on 250,000 models it is half the JSON to send, parse and collect.
 */
function providerModelsSql(withLastApplied: boolean): string {
  return `select provider_id as "providerId",
  json_agg(json_build_array(id, model_id, kind, status, context_window, pricing, source, managed_by,
                            ${withLastApplied ? 'last_applied' : 'null'}, xmin::text::bigint) order by model_id) as models
from provider_models group by provider_id order by provider_id`;
}
const PROVIDER_MODELS_SQL_LEAN = providerModelsSql(false);

export interface ReadStateOptions {
  /** Read provider models' last_applied (default true; drift needs it, plans do not). */
  modelLastApplied?: boolean;
  /**
   * Also read models, backends and grants (./read-routing.ts) in the same snapshot: three
   * statements, and the backends the cascade counts come from them (no fourth read of model_backends).
   */
  routing?: boolean;
}

type ModelTuple = [
  id: string,
  modelId: string,
  kind: ProviderModelRow['kind'],
  status: ProviderModelRow['status'],
  contextWindow: number | null,
  pricing: ProviderModelRow['pricing'],
  source: string,
  managedBy: string | null,
  lastApplied: Record<string, unknown> | null,
  rowVersion: number,
];

function unpackModels(groups: Array<{ providerId: string; models: ModelTuple[] }>): ProviderModelRow[] {
  const out: ProviderModelRow[] = [];
  for (const g of groups) {
    for (const m of g.models) {
      out.push({
        id: m[0],
        providerId: g.providerId,
        modelId: m[1],
        kind: m[2],
        status: m[3],
        contextWindow: m[4],
        pricing: m[5],
        source: m[6],
        managedBy: m[7],
        lastApplied: m[8],
        rowVersion: m[9],
      });
    }
  }
  return out;
}

export const BACKENDS_SQL = `select mb.provider_model_id as "providerModelId", mb.id as "backendId",
  mb.model_id as "modelId", m.name as "modelName"
from model_backends mb join models m on m.id = mb.model_id
order by m.name, mb.priority, mb.id`;

function isDatabase(q: Queryable): q is Database {
  return typeof (q as Partial<Database>).transaction === 'function';
}

/**
 * Given a Database, reads in one REPEATABLE READ, READ ONLY transaction so the three statements
 * see one snapshot (no provider model whose provider was deleted between two reads): 6 statements
 * with BEGIN/SET/COMMIT. Given a transaction (apply), reads in it, under its isolation: 3 statements.
 */
export async function readState(db: Queryable, o: ReadStateOptions = {}): Promise<CurrentState> {
  if (!isDatabase(db)) return readAll(db, o);
  return db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    return readAll(tx, o);
  });
}

async function readAll(q: Queryable, o: ReadStateOptions): Promise<CurrentState> {
  // Sequential, not Promise.all: one session runs one statement at a time anyway.
  const providers = (await q.query<ProviderRow>(PROVIDERS_SQL)).rows;
  const modelsSql = o.modelLastApplied === false ? PROVIDER_MODELS_SQL_LEAN : PROVIDER_MODELS_SQL;
  const groups = await q.query<{ providerId: string; models: ModelTuple[] }>(modelsSql);
  const providerModels = unpackModels(groups.rows);
  const routing = o.routing ? await readRouting(q) : undefined;
  const backends: BackendRef[] = routing
    ? routing.backends.map((b) => ({ providerModelId: b.providerModelId, backendId: b.id, modelId: b.modelId, modelName: b.modelName }))
    : (await q.query<BackendRef>(BACKENDS_SQL)).rows;
  // Every model_backends row is read, so counting here gives each model's total backends.
  const modelBackendCounts: Record<string, number> = {};
  for (const b of backends) modelBackendCounts[b.modelId] = (modelBackendCounts[b.modelId] ?? 0) + 1;
  return { providers, providerModels, backends, modelBackendCounts, ...(routing ? { routing } : {}) };
}

export interface CredentialColumns {
  ciphertext: Buffer;
  iv: Buffer;
  wrappedDek: Buffer;
  kekId: string;
}

/** The encrypted credential envelope of the given providers (those that have one), in one statement. */
export async function readCredentialColumns(q: Queryable, providerIds: string[]): Promise<Map<string, CredentialColumns>> {
  const out = new Map<string, CredentialColumns>();
  if (providerIds.length === 0) return out;
  const r = await q.query<{ id: string } & CredentialColumns>(
    `select id, credential_ciphertext as ciphertext, credential_iv as iv,
            credential_wrapped_dek as "wrappedDek", credential_kek_id as "kekId"
       from providers
      where id = any($1::uuid[]) and credential_ciphertext is not null`,
    [providerIds],
  );
  for (const row of r.rows) {
    out.set(row.id, { ciphertext: row.ciphertext, iv: row.iv, wrappedDek: row.wrappedDek, kekId: row.kekId });
  }
  return out;
}
