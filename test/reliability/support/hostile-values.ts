// The table of test/reliability/hostile-values.test.ts: hostile values, the places in a provider
// file they go, how each place is written to YAML, and where each place is stored in the
// database (to read it back) and in `cvctl export`'s output.
import type { Queryable } from '../../../src/state/database';

export interface HostileValue {
  id: string;
  value: string;
  /** Only these encodings (default: both, where the value has a raw form). */
  only?: Encoding;
}

const MB = 1024 * 1024;

export const HOSTILE_VALUES: readonly HostileValue[] = [
  // SQL metacharacters and injection attempts
  { id: 'sql-drop', value: "'; drop table providers; --" },
  { id: 'sql-drop-compact', value: "';drop/**/table/**/providers;--" },
  { id: 'sql-or-true', value: "' or '1'='1" },
  { id: 'sql-comment', value: 'x/*' },
  { id: 'dollar-param', value: '$1' },
  { id: 'dollar-quoting', value: '$$;drop/**/table/**/providers;$$' },
  { id: 'backslash', value: '\\' },
  { id: 'two-backslashes', value: '\\\\' },
  { id: 'backslash-quote', value: "\\'" },
  { id: 'backslash-dquote', value: '\\"' },
  { id: 'quote-backslash', value: "'\\" },
  { id: 'percent', value: '%' },
  { id: 'like-pattern', value: '%_%' },
  { id: 'underscore', value: '_' },
  { id: 'double-quote', value: '"' },
  { id: 'e-string-nul', value: "E'\\x00'" },
  { id: 'e-string-quote', value: "E'\\x27'" },
  { id: 'copy-null-marker', value: '\\N' },
  { id: 'copy-end-marker', value: '\\.' },
  { id: 'null-word', value: 'NULL' },
  { id: 'array-literal', value: '{a,"b",NULL}' },
  { id: 'json-text', value: '{"a":[1,null,"\\u0000"]}' },
  { id: 'escaped-nul-text', value: '\\u0000' },
  { id: 'colon-hash', value: 'a: b #c' },
  // Control characters
  { id: 'nul', value: 'a\u0000b' },
  { id: 'bel', value: 'a\u0007b' },
  { id: 'escape-sequence', value: '\u001b[31mred\u001b[0m' },
  { id: 'del', value: 'a\u007fb' },
  { id: 'c1-csi', value: 'a\u009bb' },
  { id: 'crlf', value: 'a\r\nb' },
  { id: 'tab', value: 'a\tb' },
  { id: 'line-separator', value: 'a\u2028b' },
  { id: 'paragraph-separator', value: 'a\u2029b' },
  { id: 'next-line', value: 'a\u0085b' },
  // Unicode that renders, reorders or hides
  { id: 'rtl-override', value: 'abc\u202edcba' },
  { id: 'rtl-mark', value: 'a\u200fb' },
  { id: 'bom', value: '\ufeffx' },
  { id: 'zero-width-space', value: 'a\u200bb' },
  { id: 'no-break-space', value: 'a\u00a0b' },
  { id: 'emoji', value: 'team-🤖' },
  { id: 'zwj-sequence', value: '👩‍💻' },
  { id: 'astral-letters', value: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢' },
  { id: 'combining-marks', value: 'e\u0301\u0301\u0301' },
  { id: 'noncharacter', value: 'a\uffffb' },
  // Not Unicode at all: unpaired UTF-16 surrogates (written as YAML escapes "\ud800")
  { id: 'lone-high-surrogate', value: 'a\ud800b' },
  { id: 'lone-low-surrogate', value: 'a\udc00b' },
  { id: 'reversed-surrogates', value: '\udc00\ud800' },
  // Quoting and typing traps
  { id: 'leading-trailing-space', value: ' x ' },
  { id: 'yaml-null', value: 'null' },
  { id: 'yaml-bool', value: 'yes' },
  { id: 'number-like', value: '1e309' },
  // 1 MB, each in one encoding only (the other would be the same text, or 2-3 MB of escapes)
  { id: '1mb-ascii', value: 'x'.repeat(MB), only: 'raw' },
  { id: '1mb-quotes', value: "'".repeat(MB), only: 'escaped' },
  { id: '1mb-emoji', value: '🤖'.repeat(MB / 4), only: 'raw' },
];

/** The value contains UTF-16 that is not Unicode (an unpaired surrogate). */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/**
 * How the value is written in the file:
 * - `escaped`: a double-quoted YAML scalar with every character that is not printable ASCII
 *   written as an escape (\u00e9, \ud800, \x00, ...), so the file is plain ASCII;
 * - `raw`: a single-quoted scalar holding the characters themselves, as UTF-8 (only for values
 *   that have a raw form: no unpaired surrogates, and no line breaks, which YAML folds).
 */
export type Encoding = 'escaped' | 'raw';

export function yamlScalar(value: string, enc: Encoding): string {
  if (enc === 'raw') return `'${value.replace(/'/g, "''")}'`;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ch = value[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out + '"';
}

export function hasRawForm(value: string): boolean {
  return !hasLoneSurrogate(value) && !/[\r\n\u0085\u2028\u2029]/.test(value);
}

export interface ExportedBlock {
  name?: unknown;
  labels?: Record<string, unknown>;
  config?: Record<string, unknown>;
  models?: { custom?: Array<{ id?: unknown }> };
}

/** A place in a provider where a value can go. */
export interface Place {
  id: string;
  /** The stored string for a hostile value (the place may wrap it, e.g. in a URL). */
  stored(value: string): string;
  /** The YAML lines of a provider named `name` with `scalar` at this place; `at` is the index of the line that holds it. */
  lines(name: string, scalar: string): { lines: string[]; at: number };
  /** The provider's name when the place is the name itself. */
  providerName?(value: string): string;
  /** SQL expression over `p` (providers) that yields the stored string, for the provider named $1; null: not stored. */
  column: string | null;
  /** The stored string in an exported provider block. */
  exported?(block: ExportedBlock): unknown;
}

const CREDENTIALS = ['    credentials:', '      apiKey: {from: env, name: HOSTILE_API_KEY}'];

function openai(name: string, body: string[], marker: number): { lines: string[]; at: number } {
  const head = [`  - name: ${name}`, '    kind: openai'];
  return { lines: [...head, ...body, ...CREDENTIALS], at: head.length + marker };
}

export const PLACES: readonly Place[] = [
  {
    id: 'provider name',
    stored: (v) => v,
    lines: (_name, s) => ({ lines: [`  - name: ${s}`, '    kind: openai', ...CREDENTIALS], at: 0 }),
    providerName: (v) => v,
    column: 'p.name',
    exported: (b) => b.name,
  },
  {
    id: 'label value',
    stored: (v) => v,
    lines: (name, s) => openai(name, ['    labels:', `      team: ${s}`], 1),
    column: `p.labels->>'team'`,
    exported: (b) => b.labels?.team,
  },
  {
    id: 'label key',
    stored: (v) => v,
    lines: (name, s) => openai(name, ['    labels:', `      ${s}: x`], 1),
    column: '(select k from jsonb_object_keys(p.labels) k limit 1)',
    exported: (b) => Object.keys(b.labels ?? {})[0],
  },
  {
    id: 'model id',
    stored: (v) => v,
    lines: (name, s) => openai(name, ['    models:', '      custom:', `        - id: ${s}`, '          kind: chat'], 2),
    column: '(select pm.model_id from provider_models pm where pm.provider_id = p.id limit 1)',
    exported: (b) => b.models?.custom?.[0]?.id,
  },
  {
    id: 'config.organization',
    stored: (v) => v,
    lines: (name, s) => openai(name, ['    config:', `      organization: ${s}`], 1),
    column: `p.config->>'organization'`,
    exported: (b) => b.config?.organization,
  },
  {
    id: 'config.project',
    stored: (v) => v,
    lines: (name, s) => openai(name, ['    config:', `      project: ${s}`], 1),
    column: `p.config->>'project'`,
    exported: (b) => b.config?.project,
  },
  {
    id: 'config.baseUrl',
    stored: (v) => v,
    lines: (name, s) => openai(name, ['    config:', `      baseUrl: ${s}`], 1),
    column: `p.config->>'baseUrl'`,
    exported: (b) => b.config?.baseUrl,
  },
  {
    id: 'config.baseUrl path',
    stored: (v) => `https://example.com/v1/${v}`,
    lines: (name, s) => openai(name, ['    config:', `      baseUrl: ${s}`], 1),
    column: `p.config->>'baseUrl'`,
    exported: (b) => b.config?.baseUrl,
  },
  {
    id: 'config.region',
    stored: (v) => v,
    lines: (name, s) => ({
      lines: [`  - name: ${name}`, '    kind: bedrock', '    config:', `      region: ${s}`, ...CREDENTIALS.slice(0, 1), '      accessKeyId: {from: env, name: HOSTILE_API_KEY}', '      secretAccessKey: {from: env, name: HOSTILE_API_KEY}'],
      at: 3,
    }),
    column: `p.config->>'region'`,
    exported: (b) => b.config?.region,
  },
  {
    id: 'azure deployment (model id key)',
    stored: (v) => v,
    lines: (name, s) => ({
      lines: [
        `  - name: ${name}`,
        '    kind: azure',
        '    config:',
        '      endpoint: https://acme.openai.azure.com/',
        '      apiVersion: "2024-10-21"',
        '      deployments:',
        `        ${s}: dep-1`,
        ...CREDENTIALS,
      ],
      at: 6,
    }),
    column: `(select k from jsonb_object_keys(p.config->'deployments') k limit 1)`,
    exported: (b) => Object.keys((b.config?.deployments as Record<string, unknown> | undefined) ?? {})[0],
  },
  {
    id: 'ignoreDrift reason (not stored)',
    stored: (v) => v,
    lines: (name, s) => openai(name, ['    ignoreDrift:', '      - path: config.project', `        reason: ${s}`], 2),
    column: null,
  },
];

/** A whole file: one document holding one provider. `line` is the 1-based line of the hostile value. */
export function providerFile(place: Place, name: string, scalar: string): { text: string; line: number } {
  const { lines, at } = place.lines(name, scalar);
  const head = ['version: 1', 'providers:'];
  return { text: [...head, ...lines].join('\n') + '\n', line: head.length + at + 1 };
}

/**
 * The stored string of `place` for the provider named `name`, as text and as the UTF-8 bytes the
 * database holds. The text is read as JSON (to_json), not as a bare text column: PGlite's client
 * drops a leading U+FEFF from text results, which would hide what is stored.
 */
export async function readBack(q: Queryable, place: Place, name: string): Promise<{ text: string; hex: string } | undefined> {
  if (place.column === null) return undefined;
  const r = await q.query<{ j: string | null; hex: string | null }>(
    `select to_json(${place.column})::text as j, encode(convert_to(${place.column}, 'UTF8'), 'hex') as hex from providers p where p.name = $1`,
    [name],
  );
  const row = r.rows[0];
  if (!row || row.j === null || row.j === 'null' || row.hex === null) return undefined;
  return { text: JSON.parse(row.j) as string, hex: row.hex };
}
