// Text-format value parsers shared by both targets, so callers see the same JS types
// whether the rows came from PostgreSQL (`pg`) or the embedded PGlite:
//   json/jsonb -> parsed values, timestamptz/timestamp -> ISO-8601 strings (UTC, ms),
//   int8/xid/oid -> number, bytea -> Buffer, date -> 'YYYY-MM-DD', numeric -> string.
// Both libraries let us plug parsers in per type OID, which is cheaper than walking every
// row afterwards (readState returns up to hundreds of thousands of rows).

export type TextParser = (value: string) => unknown;

export const OID = {
  BOOL: 16,
  BYTEA: 17,
  INT8: 20,
  INT2: 21,
  INT4: 23,
  OID: 26,
  XID: 28,
  JSON: 114,
  FLOAT4: 700,
  FLOAT8: 701,
  INT8_ARRAY: 1016,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  NUMERIC: 1700,
  JSONB: 3802,
  XID8: 5069,
} as const;

// 'YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]][ BC]' as PostgreSQL prints it with DateStyle ISO.
// The offset depends on the session's TimeZone, so we compute the instant rather than assume UTC.
const TS_RE =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/** Parses a PostgreSQL timestamp[tz] text value into an ISO-8601 UTC string ('infinity' and BC stay as-is). */
export function parseTimestamp(s: string): string {
  const m = TS_RE.exec(s);
  if (!m || m[12]) return s;
  const frac = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), frac);
  if (m[8]) {
    const offsetSeconds = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    const sign = m[8] === '+' ? 1 : -1;
    d.setTime(d.getTime() - sign * offsetSeconds * 1000);
  }
  return d.toISOString();
}

/** bytea in the 'hex' output format (the default since PostgreSQL 9.0; PGlite uses it too). */
export function parseBytea(s: string): Buffer {
  if (s.startsWith('\\x')) return Buffer.from(s.slice(2), 'hex');
  return parseByteaEscape(s);
}

// The legacy 'escape' format, only seen when a server sets bytea_output = escape.
function parseByteaEscape(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      out.push(s.charCodeAt(i));
    } else if (s[i + 1] === '\\') {
      out.push(0x5c);
      i++;
    } else {
      out.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    }
  }
  return Buffer.from(out);
}

/** Numbers beyond 2^53 would silently lose precision: keep those as strings instead. */
export function parseInteger(s: string): number | string {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : s;
}

function parseIntArray(s: string): Array<number | string | null> {
  const inner = s.slice(1, -1);
  if (inner === '') return [];
  return inner.split(',').map((v) => (v === 'NULL' ? null : parseInteger(v)));
}

const parseJson: TextParser = (s) => JSON.parse(s) as unknown;

const asText: TextParser = (s) => s;

/** Parsers, each with the types it reads. Types not listed keep each library's default (text, uuid, bool, int4, ...). */
const PARSERS: ReadonlyArray<readonly [TextParser, readonly number[]]> = [
  [(s) => s === 't', [OID.BOOL]],
  [parseBytea, [OID.BYTEA]],
  // 64-bit integers (and transaction ids) as numbers only when exact; see parseInteger.
  [parseInteger, [OID.INT8, OID.XID, OID.XID8]],
  [Number, [OID.INT2, OID.INT4, OID.OID, OID.FLOAT4, OID.FLOAT8]],
  [parseIntArray, [OID.INT8_ARRAY]],
  [parseJson, [OID.JSON, OID.JSONB]],
  [asText, [OID.DATE, OID.NUMERIC]],
  [(s) => parseTimestamp(s.endsWith('BC') ? s : `${s}+00`), [OID.TIMESTAMP]],
  [parseTimestamp, [OID.TIMESTAMPTZ]],
];

/** OID -> parser. */
export const TEXT_PARSERS: Readonly<Record<number, TextParser>> = Object.fromEntries(
  PARSERS.flatMap(([parse, oids]) => oids.map((oid) => [oid, parse] as const)),
);
