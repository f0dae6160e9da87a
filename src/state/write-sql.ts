// The SQL of the batched row writes: the apply converter (src/apply/convert-rows.ts,
// convert-routing.ts) works out each write's columns and values from the registry and the plan,
// and these builders turn them into statements. Pure: building one sends nothing. Every write
// is one statement per table whatever the number of rows; the rows' values travel as text arrays
// expanded with unnest (./statements.ts), then two trailing parameters: the apply time and the
// scope that takes ownership.
import { unnest, type Column, type CopyStatement, type SqlStatement } from './statements';
import type { CopyValue } from './database';

/** Who writes the row's ownership stamps: `owned` tables have managed_by and last_applied_at. */
export interface Stamps {
  owned: boolean;
  now: string;
  scope: string;
}

function trailing(u: { params: unknown[] }, s: Stamps): { now: string; scope: string; params: unknown[] } {
  const n = u.params.length;
  return { now: `$${n + 1}::timestamptz`, scope: `$${n + 2}`, params: s.owned ? [...u.params, s.now, s.scope] : u.params };
}

/**
 * New rows of a table by one `COPY table (columns…, stamps…) FROM STDIN`: COPY's text input casts
 * each value to its column's type as the unnest casts (./statements.ts) do, PostgreSQL parsing the
 * same text, and the server stores rows faster than INSERT … SELECT FROM unnest (L+routing's 9,000
 * models, backends and grants). No bytea column: COPY's text format spells bytea otherwise than
 * decode(…, 'hex').
 */
export function insertRowsCopy(table: string, cols: Column[], s: Stamps): CopyStatement {
  const bytea = cols.find((c) => c.cast === 'bytea');
  if (bytea !== undefined) throw new Error(`insertRowsCopy: ${table}.${bytea.column} is bytea, which COPY's text format spells otherwise`);
  const stamps: Array<[string, string]> = s.owned ? [['managed_by', s.scope], ['last_applied_at', s.now], ['created_at', s.now], ['updated_at', s.now]] : [];
  const n = cols.length === 0 ? 0 : cols[0].values.length;
  function* rows(): Generator<CopyValue[]> {
    for (let i = 0; i < n; i++) yield [...cols.map((c) => c.values[i]), ...stamps.map((x) => x[1])];
  }
  return { copy: table, columns: [...cols.map((c) => c.column), ...stamps.map((x) => x[0])], rows: { [Symbol.iterator]: rows } };
}

/** `update table t set updated columns…, stamps… from unnest(…) where t.id = u.id`. */
export function updateRowsSql(table: string, cols: Column[], updated: readonly string[], s: Stamps): SqlStatement {
  const u = unnest(cols);
  const t = trailing(u, s);
  const sets = [
    ...updated.map((c) => `${c} = ${u.value(c)}`),
    ...(s.owned ? [`managed_by = ${t.scope}`, `last_applied_at = ${t.now}`, `updated_at = ${t.now}`] : []),
  ];
  return {
    // A renamable name column is among `updated`: a rename keeps the row, its id and its children.
    sql: `update ${table} t set ${sets.join(', ')}
       from ${u.from}
      where t.id = u.id::uuid`,
    params: t.params,
  };
}

/** A provider model's update: no last_applied_at column of its own. */
export function updateProviderModelsSql(cols: Column[], updated: readonly string[], now: string, scope: string): SqlStatement {
  const u = unnest(cols);
  const sets = [...updated.map((c) => `${c} = ${u.value(c)}`), `managed_by = $${u.params.length + 2}`, `updated_at = $${u.params.length + 1}::timestamptz`];
  return {
    sql: `update provider_models m set ${sets.join(', ')}
       from ${u.from}
      where m.id = u.id::uuid`,
    params: [...u.params, now, scope],
  };
}

/**
 * New providers: `cols` hold `cred_set` (not a column: whether credentials are written) and the
 * sealed credential columns; credential_updated_at is set only where a ciphertext is.
 */
export function insertProvidersSql(cols: Column[], now: string, scope: string): SqlStatement {
  const u = unnest(cols);
  const at = `$${u.params.length + 1}::timestamptz`;
  const written = cols.map((c) => c.column).filter((c) => c !== 'cred_set');
  const extra: Array<[string, string]> = [
    ['credential_updated_at', `case when ${u.raw('credential_ciphertext')} is null then null else ${at} end`],
    ['managed_by', `$${u.params.length + 2}`],
    ['last_applied_at', at],
    ['created_at', at],
    ['updated_at', at],
  ];
  return {
    sql: `insert into providers (${[...written, ...extra.map((e) => e[0])].join(', ')})
     select ${[...written.map((c) => u.value(c)), ...extra.map((e) => e[1])].join(', ')}
       from ${u.from}`,
    params: [...u.params, now, scope],
  };
}

/** Provider updates: the credential columns are replaced only where `cred_set`, else kept. */
export function updateProvidersSql(cols: Column[], updated: readonly string[], credentialColumns: readonly string[], now: string, scope: string): SqlStatement {
  const u = unnest(cols);
  const at = `$${u.params.length + 1}::timestamptz`;
  const keep = (col: string, value: string): string => `${col} = case when u.cred_set::boolean then ${value} else p.${col} end`;
  const sets = [
    ...updated.map((c) => `${c} = ${u.value(c)}`),
    `managed_by = $${u.params.length + 2}`,
    `last_applied_at = ${at}`,
    `updated_at = ${at}`,
    ...credentialColumns.map((c) => keep(c, u.value(c))),
    keep('credential_updated_at', `case when ${u.raw('credential_ciphertext')} is null then null else ${at} end`),
  ];
  return {
    // name: a rename (renamedFrom) keeps the row and its id; for any other update it is unchanged.
    sql: `update providers p set ${sets.join(',\n        ')}
       from ${u.from}
      where p.id = u.id::uuid`,
    params: [...u.params, now, scope],
  };
}

/**
 * A model's last_applied lists its backends as they are once the plan's writes and deletes are
 * done (`providerModel: PROVIDER/MODEL_ID`, priority, weight, status; in traffic order): drift
 * then sees a weight changed or a backend removed in the console as a change since the last
 * apply.
 */
export function recordBackendsSql(modelIds: readonly string[]): SqlStatement {
  return {
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
  };
}
