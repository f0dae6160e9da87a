// Write statements as data: what the apply converter (src/apply/convert.ts) makes from a plan
// and the executor (./execute.ts) runs. Pure: building one sends nothing. Batched: one
// statement per table and kind of write whatever the number of rows, the rows' values passed
// as text arrays and expanded with unnest, or loaded with one COPY. Every value travels as
// text and is cast by PostgreSQL, which both drivers (pg and PGlite) serialise the same way.
import type { CopyValue } from './database';

export interface SqlStatement {
  sql: string;
  params: unknown[];
}

/** Rows loaded with one `COPY table (columns) FROM STDIN`; `rows` may be a generator, read once. */
export interface CopyStatement {
  copy: string;
  columns: readonly string[];
  rows: Iterable<readonly CopyValue[]>;
}

export type Statement = SqlStatement | CopyStatement;

/** How a text value becomes the column's type (`bytea`: hex text). */
export type Cast = 'text' | 'jsonb' | 'boolean' | 'int' | 'uuid' | 'bytea' | 'timestamptz';

/** One column of a batched write: its value in each row, as text or null. */
export interface Column {
  column: string;
  cast: Cast;
  values: CopyValue[];
}

/** The rows as `unnest($1::text[], …) as u(…)`, its parameters, and each column's typed value. */
export interface Unnest {
  from: string;
  params: CopyValue[][];
  /** `u.config::jsonb`, `decode(u.ct, 'hex')`, …; alias: the column's name in `u`. */
  value(column: string): string;
  /** The raw text of a column in `u`. */
  raw(column: string): string;
}

export function unnest(columns: Column[]): Unnest {
  const casts = new Map(columns.map((c) => [c.column, c.cast]));
  const raw = (column: string): string => {
    if (!casts.has(column)) throw new Error(`no column ${column} in this write`);
    return `u.${column}`;
  };
  const value = (column: string): string => {
    const cast = casts.get(column);
    if (cast === undefined) throw new Error(`no column ${column} in this write`);
    if (cast === 'text') return `u.${column}`;
    if (cast === 'bytea') return `decode(u.${column}, 'hex')`;
    return `u.${column}::${cast}`;
  };
  return {
    from: `unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) as u(${columns.map((c) => c.column).join(', ')})`,
    params: columns.map((c) => c.values),
    value,
    raw,
  };
}


/**
 * Deletes by id. For this transaction only, the delete triggers (migration 2) then forget these
 * rows instead of recording them as deleted outside cvctl (which `cvctl drift` reports).
 */
export function deleteByIds(table: string, ids: string[]): Statement[] {
  if (ids.length === 0) return [];
  return [
    { sql: `select set_config('cvctl.deleting', 'on', true)`, params: [] },
    { sql: `delete from ${table} where id = any($1::uuid[])`, params: [ids] },
  ];
}

export const isCopy = (s: Statement): s is CopyStatement => 'copy' in s;
