// A full dump of the database for the crash-safety test: every base table of the schema, every
// column, every row, keyed by each table's natural key so that two databases can be compared
// although generated ids differ. Values are printed by the server (json_build_array, ::text), so
// both drivers and both targets give the same strings.
//
// Columns that legitimately differ between two runs of the same apply (generated ids, clock
// times, random ciphertexts/IVs/wrapped DEKs, keyed fingerprints over random row ids, the plan
// digest, which covers the plan's creation time) are VOLATILE. A volatile value is compared
// with the before-state row of the same key: equal to it, it becomes "=" (so a row the apply did
// not touch must keep it byte for byte); otherwise it becomes its shape (`ts`, `bytes:48`,
// `uuid`, ...). Every other column is compared verbatim.
import type { Queryable } from '../../../src/state/database';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface TableSpec {
  /** SELECT giving the table's rows plus the natural-key columns resolved through joins. */
  select: string;
  key: string[];
  /** Columns (or column.field paths into a jsonb column) whose values are not reproducible. */
  volatile: string[];
}

const SPECS: Record<string, TableSpec> = {
  providers: {
    select: 'select * from providers',
    key: ['name'],
    volatile: [
      'id',
      'created_at',
      'updated_at',
      'last_applied_at',
      'credential_updated_at',
      'credential_ciphertext',
      'credential_iv',
      'credential_wrapped_dek',
      'credential_fingerprints',
      'last_applied.credentials',
    ],
  },
  provider_models: {
    select: 'select p.name as "@provider", pm.* from provider_models pm left join providers p on p.id = pm.provider_id',
    key: ['@provider', 'model_id'],
    volatile: ['id', 'provider_id', 'created_at', 'updated_at'],
  },
  models: { select: 'select * from models', key: ['name'], volatile: ['id', 'created_at'] },
  model_backends: {
    select: `select m.name as "@model", p.name as "@provider", pm.model_id as "@provider_model", mb.*
               from model_backends mb left join models m on m.id = mb.model_id
               left join provider_models pm on pm.id = mb.provider_model_id left join providers p on p.id = pm.provider_id`,
    key: ['@model', '@provider', '@provider_model'],
    volatile: ['id', 'model_id', 'provider_model_id'],
  },
  cvctl_keys: { select: 'select * from cvctl_keys', key: ['name'], volatile: [] },
  cvctl_migrations: { select: 'select * from cvctl_migrations', key: ['version'], volatile: [] },
  // No natural key: the n-th run in id order. The apply's own row is written in its transaction.
  cvctl_runs: {
    select: 'select row_number() over (order by id) as "@n", * from cvctl_runs',
    key: ['@n'],
    volatile: ['id', 'started_at', 'finished_at', 'plan_digest'],
  },
};

/** A row: its stable columns (names, then values as one json array), and each volatile value's text (or null). */
export interface DumpRow {
  rest: string;
  vol: Array<string | null>;
  /** The stable columns' names, and their values as a json array text (rest is both). */
  columns: string[];
  values: string;
}

/** The stable columns of a row as an object. */
export function restObject(row: DumpRow): Record<string, unknown> {
  const values = JSON.parse(row.values) as unknown[];
  return Object.fromEntries(row.columns.map((c, i) => [c, values[i]]));
}

/** table -> natural key (JSON text) -> row. */
export type RawDump = Map<string, Map<string, DumpRow>>;
/** table -> natural key -> normalised row. */
export type NormDump = Map<string, Map<string, string>>;

export async function tableNames(q: Queryable): Promise<string[]> {
  const r = await q.query<{ t: string }>(
    `select table_name as t from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
  );
  return r.rows.map((x) => x.t);
}

const quoteIdent = (t: string): string => `"${t.replace(/"/g, '""')}"`;
const pathLiteral = (p: string): string => `'{${p.split('.').join(',')}}'`;

/** The columns of a SELECT's rows (none when it has no rows: then there is nothing to dump). */
async function columnsOf(q: Queryable, select: string): Promise<string[]> {
  const r = await q.query<{ c: string[] | string | null }>(
    `select (select array_agg(k order by k) from jsonb_object_keys(to_jsonb(x)) k) as c from (${select}) x limit 1`,
  );
  const c = r.rows[0]?.c;
  // pg parses text[]; PGlite through the host may hand back the array literal.
  if (!c) return [];
  return Array.isArray(c) ? c : c.replace(/^\{|\}$/g, '').split(',').map((x) => x.replace(/^"|"$/g, ''));
}

/**
 * Every table; those without a spec (a future migration's) are dumped whole, every column
 * verbatim. One round trip per table: the server prints each row as `key TAB rest TAB vol...`
 * and joins the rows with newlines (json text never holds a raw tab or newline; neither do the
 * volatile values' text forms). Columns are named explicitly: jsonb surgery per row costs ten
 * times more.
 */
export async function dumpRaw(q: Queryable, only?: string[]): Promise<{ raw: RawDump; unknownTables: string[] }> {
  const raw: RawDump = new Map();
  const unknownTables: string[] = [];
  for (const t of await tableNames(q)) {
    if (only && !only.includes(t)) continue;
    const spec = SPECS[t];
    if (!spec) unknownTables.push(t);
    const select = spec?.select ?? `select * from ${quoteIdent(t)}`;
    const volatile = spec?.volatile ?? [];
    const rows = new Map<string, DumpRow>();
    raw.set(t, rows);
    const columns = await columnsOf(q, select);
    if (columns.length === 0) continue;
    const whole = new Set(volatile.filter((p) => !p.includes('.')));
    const rest = columns
      .filter((c) => !whole.has(c))
      .map((c) => {
        const inner = volatile.filter((p) => p.startsWith(`${c}.`)).map((p) => pathLiteral(p.slice(c.length + 1)));
        return inner.reduce((e, p) => `(${e} #- ${p})`, `x.${quoteIdent(c)}`);
      });
    const vol = volatile.map((p) => {
      const [c, ...inner] = p.split('.');
      return inner.length ? `(x.${quoteIdent(c!)} #> ${pathLiteral(inner.join('.'))})::text` : `x.${quoteIdent(c!)}::text`;
    });
    const key = spec ? `jsonb_build_array(${spec.key.map((k) => `x.${quoteIdent(k)}`).join(', ')})::text` : `row_to_json(x)::text`;
    const restJson = `json_build_array(${rest.join(', ')})::text`;
    const line = [key, restJson, ...vol.map((v) => `coalesce(${v}, '\\N')`)].join(` || E'\\t' || `);
    const r = await q.query<{ t: string | null }>(`select string_agg(${line}, E'\\n') as t from (${select}) x`);
    const stable = columns.filter((c) => !whole.has(c));
    const restColumns = JSON.stringify(stable);
    const text = r.rows[0]?.t;
    for (const l of text ? text.split('\n') : []) {
      const [base, restText, ...vals] = l.split('\t') as [string, string, ...string[]];
      let k = base;
      // Only a table without a spec can repeat a key (identical rows): number the copies.
      for (let n = 2; rows.has(k); n++) k = `${base}#${n}`;
      rows.set(k, { rest: `${restColumns}=${restText}`, vol: vals.map((v) => (v === '\\N' ? null : v)), columns: stable, values: restText });
    }
  }
  return { raw, unknownTables };
}

/**
 * Per table, a digest of every row's full text computed by the server (the count and an
 * order-independent sum of per-row md5 prefixes): equal digests mean the same rows, byte for byte
 * (but for a 60-bit hash collision), without moving them. The before-state check of a trial is
 * exact (nothing in it is volatile), so most trials need no full dump.
 */
export async function tableDigests(q: Queryable): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of await tableNames(q)) {
    const select = SPECS[t]?.select ?? `select * from ${quoteIdent(t)}`;
    const r = await q.query<{ h: string | null }>(
      `select count(*)::text || ':' || coalesce(sum(('x' || substr(md5(row_to_json(x)::text), 1, 15))::bit(60)::bigint::numeric), 0)::text as h from (${select}) x`,
    );
    out[t] = r.rows[0]?.h ?? '';
  }
  return out;
}

export function sameDigests(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** What a non-reproducible value (in its text form) looks like: its type and size, not its content. */
export function shape(v: string): Json {
  if (/^[[{]/.test(v)) {
    try {
      return shapeJson(JSON.parse(v) as Json);
    } catch {
      // not JSON after all: a plain string
    }
  }
  return shapeJson(v);
}

function shapeJson(v: Json): Json {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') {
    if (/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:\d\d)?|Z)$/.test(v)) return 'ts';
    if (/^\\x([0-9a-f]{2})*$/.test(v)) return `bytes:${(v.length - 2) / 2}`;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(v)) return 'uuid';
    if (/^-?\d+$/.test(v)) return 'integer';
    if (/^[0-9a-f]+$/.test(v)) return `hex:${v.length}`;
    return `string:${v.length}`;
  }
  if (Array.isArray(v)) return v.map(shapeJson);
  const out: { [k: string]: Json } = {};
  for (const k of Object.keys(v)) out[k] = shapeJson(v[k]!);
  return out;
}

/** The row as a comparable string: its stable columns, then per volatile column "=" or its shape. */
export function normalize(raw: RawDump, before: RawDump): NormDump {
  const out: NormDump = new Map();
  for (const [t, rows] of raw) {
    const volatile = SPECS[t]?.volatile ?? [];
    const beforeRows = before.get(t);
    const norm = new Map<string, string>();
    for (const [key, row] of rows) {
      const b = beforeRows?.get(key);
      const tokens = row.vol.map((v, i) => {
        if (b && b.vol[i] === v) return `${volatile[i]}=`;
        return `${volatile[i]}:${v === null ? 'null' : JSON.stringify(shape(v))}`;
      });
      norm.set(key, tokens.length ? `${row.rest} | ${tokens.join(' ')}` : row.rest);
    }
    out.set(t, norm);
  }
  return out;
}

export interface Difference {
  equal: boolean;
  /** Per table: keys only in the first, only in the second, in both but different. */
  counts: Record<string, { onlyA: number; onlyB: number; changed: number }>;
  /** A few concrete differences, for failure messages. */
  examples: string[];
}

export function compare(a: NormDump, b: NormDump, opts: { ignoreTables?: string[]; examples?: number } = {}): Difference {
  const counts: Difference['counts'] = {};
  const examples: string[] = [];
  const max = opts.examples ?? 6;
  const tables = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const t of tables) {
    if (opts.ignoreTables?.includes(t)) continue;
    const ra = a.get(t);
    const rb = b.get(t);
    if (!ra || !rb) {
      counts[t] = { onlyA: ra?.size ?? 0, onlyB: rb?.size ?? 0, changed: 0 };
      if (examples.length < max) examples.push(`table ${t} exists only in ${ra ? 'the first' : 'the second'} dump`);
      continue;
    }
    const c = { onlyA: 0, onlyB: 0, changed: 0 };
    for (const [k, v] of ra) {
      const w = rb.get(k);
      if (w === undefined) {
        c.onlyA++;
        if (examples.length < max) examples.push(`${t} ${k}: only in the first: ${v.slice(0, 300)}`);
      } else if (w !== v) {
        c.changed++;
        if (examples.length < max) examples.push(`${t} ${k}:\n      first:  ${v.slice(0, 400)}\n      second: ${w.slice(0, 400)}`);
      }
    }
    for (const [k, w] of rb) {
      if (ra.has(k)) continue;
      c.onlyB++;
      if (examples.length < max) examples.push(`${t} ${k}: only in the second: ${w.slice(0, 300)}`);
    }
    if (c.onlyA || c.onlyB || c.changed) counts[t] = c;
  }
  return { equal: Object.keys(counts).length === 0, counts, examples };
}

export function describeDifference(d: Difference): string {
  const counts = Object.entries(d.counts)
    .map(([t, c]) => `${t}: ${c.onlyA} only in first, ${c.onlyB} only in second, ${c.changed} changed`)
    .join('; ');
  return `${counts}\n    ${d.examples.join('\n    ')}`;
}

/** Total rows over every table. */
export function rowCount(d: RawDump | NormDump): number {
  let n = 0;
  for (const rows of d.values()) n += rows.size;
  return n;
}
