// "Nothing was written", checked at the level of row versions: every row of every table of the
// schema with its xmin (the transaction that wrote this version) and ctid (where the version
// lives), plus every sequence's position. An INSERT, UPDATE or DELETE (even one that writes
// back identical values) changes this; so does a nextval() without an insert. Works the same on
// PostgreSQL and PGlite.
import type { Queryable } from '../../../src/state/database';
import { tableNames } from '../../e2e/support';

export interface RowVersions {
  tables: Record<string, string[]>;
  sequences: Record<string, string>;
}

export async function rowVersions(q: Queryable): Promise<RowVersions> {
  const tables: Record<string, string[]> = {};
  for (const t of await tableNames(q)) {
    const r = await q.query<{ v: string }>(
      `select x.xmin::text || ' ' || x.ctid::text || ' ' || row_to_json(x)::text as v from "${t}" x order by x.ctid`,
    );
    tables[t] = r.rows.map((row) => row.v);
  }
  const s = await q.query<{ name: string; v: string }>(
    `select sequencename as name, coalesce(last_value::text, 'null') as v from pg_sequences
      where schemaname = current_schema() order by 1`,
  );
  return { tables, sequences: Object.fromEntries(s.rows.map((r) => [r.name, r.v])) };
}

/** What differs between two snapshots, for a failure message (empty: identical). */
export function rowVersionDiff(a: RowVersions, b: RowVersions): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])) {
    const before = a.tables[t];
    const after = b.tables[t];
    if (!before || !after) {
      out.push(`table ${t} ${before ? 'disappeared' : 'appeared'}`);
      continue;
    }
    const gone = before.filter((r) => !after.includes(r));
    const added = after.filter((r) => !before.includes(r));
    if (gone.length > 0 || added.length > 0) {
      out.push(`table ${t}: ${gone.length} row versions gone, ${added.length} new, e.g. ${(added[0] ?? gone[0] ?? '').slice(0, 200)}`);
    }
  }
  for (const s of new Set([...Object.keys(a.sequences), ...Object.keys(b.sequences)])) {
    if (a.sequences[s] !== b.sequences[s]) out.push(`sequence ${s}: ${a.sequences[s]} -> ${b.sequences[s]}`);
  }
  return out;
}
