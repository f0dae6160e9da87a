// The fuzzer's mutator: a seeded PRNG and the mutation operators of test/reliability/fuzz.test.ts.
//
// Everything is deterministic from (master seed, case index): case i draws from its own
// mulberry32 stream, so a single case can be regenerated without replaying the others
// (CVCTL_FUZZ_SEED=<seed> CVCTL_FUZZ_ONLY=<i>). Mutations work on bytes: the text operators
// see the file as latin1 (one char per byte, lossless), so a byte-level corruption made by one
// operator (a split UTF-8 sequence, a NUL) survives the operators applied after it.

export type Rng = {
  /** [0, 1) */
  next(): number;
  /** integer in [0, n) */
  int(n: number): number;
  /** integer in [lo, hi] */
  range(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
};

/** mulberry32: tiny, fast, good enough for fuzzing, and the same on every platform. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    range: (lo, hi) => lo + int(hi - lo + 1),
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chance: (p) => next() < p,
  };
}

/** The seed of case `index` of a run: a 32-bit mix of both, so neighbouring cases are unrelated. */
export function caseSeed(master: number, index: number, stream = 0): number {
  let h = (master ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** CVCTL_FUZZ_SEED: a number (decimal or 0x…), or `random`; default fixed so CI is reproducible. */
export function masterSeed(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim() === 'random') return (Math.random() * 2 ** 32) >>> 0;
  const n = Number(raw.trim());
  if (!Number.isFinite(n)) throw new Error(`CVCTL_FUZZ_SEED must be a number or 'random', not ${JSON.stringify(raw)}`);
  return n >>> 0;
}

export const OPERATORS = [
  'byte-flip',
  'token-swap',
  'line-delete',
  'range-delete',
  'duplicate',
  'huge-number',
  'unicode',
  'anchor-alias',
  'indent',
  'tab',
  'quote-break',
  'long-line',
  'type-change',
  'yaml-syntax',
  'deep-nesting',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** The context operators draw from: tokens of every seed (for swaps with foreign tokens). */
export interface MutationContext {
  tokenPool: readonly string[];
}

/** latin1 <-> bytes: lossless, one char per byte. */
const L = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const bytesOf = (s: string): Buffer => Buffer.from(s, 'latin1');

// ---------------------------------------------------------------------------------------------
// Where values are: after `key: `, after `- `, inside flow collections. Found on the latin1 text.

interface Slot {
  start: number;
  end: number;
}

/** Where a scalar value ends: a line break, a flow delimiter, or a comment. */
const VALUE_END = /[\n,\]}]|[ \t]#/g;
/** A value is looked at over this many characters at most (keeps pathological lines linear). */
const MAX_SLOT = 4096;

/** Scalar value positions: after ': ' or '- ' or '[' / '{' / ', ', up to a delimiter or comment. */
function valueSlots(t: string): Slot[] {
  const out: Slot[] = [];
  const re = /(?::[ \t]+|-[ \t]+|[[{,][ \t]*)(?=[^\s#,\]}\[{])/g;
  for (let m = re.exec(t); m !== null && out.length < 2000; m = re.exec(t)) {
    const start = m.index + m[0].length;
    VALUE_END.lastIndex = start;
    const e = VALUE_END.exec(t.length - start > MAX_SLOT ? t.slice(0, start + MAX_SLOT) : t);
    let end = e ? e.index : Math.min(t.length, start + MAX_SLOT);
    while (end > start && /[ \t\r]/.test(t[end - 1]!)) end--;
    if (end > start) out.push({ start, end });
  }
  return out;
}

function lineStarts(t: string): number[] {
  const starts = [0];
  for (let i = t.indexOf('\n'); i !== -1 && i + 1 < t.length; i = t.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineBounds(t: string, starts: number[], k: number): Slot {
  const start = starts[k]!;
  const nl = t.indexOf('\n', start);
  return { start, end: nl === -1 ? t.length : nl + 1 };
}

function splice(t: string, start: number, end: number, insert: string): string {
  return t.slice(0, start) + insert + t.slice(end);
}

function randomSlot(t: string, rng: Rng): Slot | undefined {
  const slots = valueSlots(t);
  return slots.length === 0 ? undefined : rng.pick(slots);
}

/** Replaces a random value (or, when there is none, inserts at a random offset). */
function replaceValue(t: string, rng: Rng, value: string): string {
  const s = randomSlot(t, rng);
  if (!s) return insertAnywhere(t, rng, value);
  return splice(t, s.start, s.end, value);
}

function insertAnywhere(t: string, rng: Rng, value: string): string {
  const at = rng.int(t.length + 1);
  return splice(t, at, at, value);
}

/** A top-level key goes after `version: 1` when there is one, else at the start. */
function insertTopLevel(t: string, rng: Rng, lines: string): string {
  const m = /^version:[^\n]*\n/m.exec(t);
  const at = m ? m.index + m[0].length : rng.chance(0.5) ? 0 : t.length;
  return splice(t, at, at, lines);
}

// ---------------------------------------------------------------------------------------------
// The operators. Each takes and returns latin1 text (= bytes).

const SPECIAL_BYTES = [0x00, 0x09, 0x0a, 0x0d, 0x22, 0x27, 0x3a, 0x5b, 0x7b, 0x26, 0x2a, 0x21, 0x7f, 0x80, 0xc0, 0xc3, 0xed, 0xef, 0xf4, 0xf8, 0xfe, 0xff];

function byteFlip(t: string, rng: Rng): string {
  if (t.length === 0) return String.fromCharCode(rng.int(256));
  const chars = t.split('');
  const n = rng.range(1, 4);
  for (let k = 0; k < n; k++) {
    const at = rng.int(chars.length);
    const old = chars[at]!.charCodeAt(0);
    const mode = rng.int(3);
    const b = mode === 0 ? old ^ (1 << rng.int(8)) : mode === 1 ? rng.int(256) : rng.pick(SPECIAL_BYTES);
    chars[at] = String.fromCharCode(b);
  }
  return chars.join('');
}

const TOKEN_RE = /"[^"\n]*"|'[^'\n]*'|[A-Za-z0-9_.\-/:]+|[{}[\],:&*!|>#?-]/g;

function tokensOf(t: string): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(t); m !== null; m = TOKEN_RE.exec(t)) {
    out.push({ start: m.index, end: m.index + m[0].length });
    if (out.length > 20000) break;
  }
  return out;
}

/** Every distinct token of the seeds, for swaps with tokens from elsewhere. */
export function tokenPool(seeds: readonly Buffer[]): string[] {
  const set = new Set<string>();
  for (const s of seeds) {
    const t = s.toString('latin1');
    for (const tok of tokensOf(t)) set.add(t.slice(tok.start, tok.end));
  }
  return [...set].sort();
}

function tokenSwap(t: string, rng: Rng, ctx: MutationContext): string {
  const toks = tokensOf(t);
  if (toks.length < 2) return t + rng.pick(ctx.tokenPool.length > 0 ? ctx.tokenPool : ['x']);
  if (rng.chance(0.5)) {
    // Two tokens of this file trade places.
    let a = rng.pick(toks);
    let b = rng.pick(toks);
    if (a.start > b.start) [a, b] = [b, a];
    if (a === b) return t;
    return t.slice(0, a.start) + t.slice(b.start, b.end) + t.slice(a.end, b.start) + t.slice(a.start, a.end) + t.slice(b.end);
  }
  // One token replaced by a token of any seed.
  const a = rng.pick(toks);
  return splice(t, a.start, a.end, rng.pick(ctx.tokenPool.length > 0 ? ctx.tokenPool : ['x']));
}

function lineDelete(t: string, rng: Rng): string {
  const starts = lineStarts(t);
  const k = rng.int(starts.length);
  const n = rng.pick([1, 1, 1, 2, 3, 5, 10]);
  const first = lineBounds(t, starts, k);
  const last = lineBounds(t, starts, Math.min(starts.length - 1, k + n - 1));
  return splice(t, first.start, last.end, '');
}

function rangeDelete(t: string, rng: Rng): string {
  if (t.length === 0) return t;
  const start = rng.int(t.length);
  const len = rng.pick([1, 1, 2, 3, 7, 16, 64, 256]);
  return splice(t, start, Math.min(t.length, start + len), '');
}

function duplicate(t: string, rng: Rng): string {
  const starts = lineStarts(t);
  const mode = rng.int(3);
  if (mode === 0) {
    // A whole provider (from one `- name:` to the next) twice: duplicate-provider.
    const items: number[] = [];
    for (let m = /^ *- name:/gm, r = m.exec(t); r !== null; r = m.exec(t)) items.push(r.index);
    if (items.length > 0) {
      const i = rng.int(items.length);
      const start = items[i]!;
      const end = items[i + 1] ?? t.length;
      const block = t.slice(start, end);
      return splice(t, end, end, block.endsWith('\n') ? block : block + '\n');
    }
  }
  if (mode === 1 && t.length > 0) {
    // The whole file twice (duplicate keys), or as a second document.
    return rng.chance(0.5) ? t + t : t + (t.endsWith('\n') ? '' : '\n') + '---\n' + t;
  }
  const k = rng.int(starts.length);
  const n = rng.range(1, 8);
  const first = lineBounds(t, starts, k);
  const last = lineBounds(t, starts, Math.min(starts.length - 1, k + n - 1));
  const block = t.slice(first.start, last.end);
  const times = rng.pick([1, 1, 2, 10]);
  return splice(t, last.end, last.end, (block.endsWith('\n') ? block : block + '\n').repeat(times));
}

const HUGE = [
  '1e309',
  '-1e309',
  '99999999999999999999',
  '-99999999999999999999',
  '-0',
  '-0.0',
  '.nan',
  '.NaN',
  '.inf',
  '-.inf',
  '+.inf',
  '1e-400',
  '4.9e-324',
  '1.7976931348623157e308',
  '9007199254740993',
  '2147483648',
  '-2147483649',
  '0x7fffffff',
  '0xFFFFFFFFFFFFFFFFFF',
  '0o777777777777777777777',
  '123_456',
  '1' + '0'.repeat(400),
  '0.' + '0'.repeat(400) + '1',
  '1e+99999',
  '00000000000000000001',
  '+12',
  '.5',
  '5.',
  '1__0',
];

function hugeNumber(t: string, rng: Rng): string {
  // Numbers where the schema has numbers, and anywhere else.
  const numbers: Slot[] = [];
  for (let m = /(contextWindow|inputPerMTok|outputPerMTok|version):[ \t]*([^\s,}#]+)/g, r = m.exec(t); r !== null; r = m.exec(t)) {
    const start = r.index + r[0].length - r[2]!.length;
    numbers.push({ start, end: start + r[2]!.length });
  }
  const value = rng.pick(HUGE);
  if (numbers.length > 0 && rng.chance(0.7)) {
    const s = rng.pick(numbers);
    return splice(t, s.start, s.end, value);
  }
  return replaceValue(t, rng, value);
}

const UNICODE: readonly string[] = [
  L('\u200f'), // RTL mark
  L('\u202e'), // right-to-left override
  L('\u2066\u2069'), // isolates
  L('\u200b'), // zero width space
  L('\u00a0'), // no-break space
  L('\u2028'), // line separator
  L('\u2029'),
  L('\u0085'), // NEL
  L('\ufeff'), // BOM, mid-file
  L('\u0000'), // NUL
  L('\u0007'), // BEL
  L('\u001b[31m'), // ESC
  L('\u007f'), // DEL
  L('\u009b'), // C1 CSI
  L('\r'),
  L('\u000b\u000c'),
  L('🤖'),
  L('👩‍💻'),
  L('𝔘𝔫𝔦𝔠𝔬𝔡𝔢'),
  L('e\u0301'),
  L('\u0301\u0301\u0301\u0301'),
  L('Z̸̢̛͚̼̪̯̤̝̏̈́̆͌̒͗a̵̡̛̲̞̼͓̮͑̈́̇̔l̷̢͈͇̤̫̪̓g̶̡̛͔̠̼̈́͆̇o'),
  L('\uffff'),
  L('\ufffd'),
  L('ａｐｉＫｅｙ'), // fullwidth
  L('İı'), // case-folding traps
  '\xed\xa0\x80', // lone high surrogate U+D800 as (invalid) UTF-8 bytes
  '\xed\xb0\x80', // lone low surrogate U+DC00
  '\xed\xa0\xbd\xed\xb8\x80', // CESU-8 surrogate pair
  '\xc0\xaf', // overlong '/'
  '\xe0\x80\xaf', // overlong, 3 bytes
  '\xf4\x90\x80\x80', // above U+10FFFF
  '\xf8\x88\x80\x80\x80', // 5-byte form
  '\x80', // lone continuation byte
  '\xc3', // truncated sequence
  '\xff\xfe', // UTF-16 LE BOM bytes
  '\xef\xbb\xbf', // UTF-8 BOM bytes
];

/** Escaped forms that only mean something inside double quotes. */
const ESCAPED_UNICODE = ['\\ud800', '\\udc00', '\\udc00\\ud800', '\\ud83e\\udd16', '\\U0001F916', '\\0', '\\x00', '\\u0000', '\\u202e', '\\L', '\\P', '\\N', '\\_', '\\e', '\\a'];

function unicode(t: string, rng: Rng): string {
  const mode = rng.int(10);
  if (mode < 2) {
    // Inside a double-quoted value, as a YAML escape: lone surrogates, NUL, ...
    const s = randomSlot(t, rng);
    const v = `"x${rng.pick(ESCAPED_UNICODE)}y"`;
    return s ? splice(t, s.start, s.end, v) : t + v;
  }
  const u = rng.pick(UNICODE);
  if (mode === 2) return u + t; // at the very start (BOMs, UTF-16 detection)
  if (mode < 6) {
    const s = randomSlot(t, rng);
    if (s) {
      const at = rng.chance(0.5) ? s.start : rng.range(s.start, s.end);
      return splice(t, at, at, u);
    }
  }
  return insertAnywhere(t, rng, u);
}

function anchorAlias(t: string, rng: Rng): string {
  const mode = rng.int(9);
  const slots = valueSlots(t);
  switch (mode) {
    case 0: {
      // &a on one value, *a in place of a later one.
      if (slots.length < 2) break;
      const i = rng.int(slots.length - 1);
      const j = rng.range(i + 1, slots.length - 1);
      const a = slots[i]!;
      const b = slots[j]!;
      return t.slice(0, a.start) + '&a ' + t.slice(a.start, b.start) + '*a' + t.slice(b.end);
    }
    case 1:
      // An alias to an anchor that does not exist, or that is only defined later.
      return replaceValue(t, rng, rng.pick(['*nope', '*a', '*', '*a b', '* a']));
    case 2: {
      // The first provider anchored, merged into another provider (or into itself).
      const items = [...t.matchAll(/^( *)- name:/gm)];
      if (items.length === 0) break;
      const first = items[0]!;
      const indent = first[1]! + '  ';
      let out = splice(t, first.index! + first[0].length - 'name:'.length, first.index! + first[0].length - 'name:'.length, `&p0\n${indent}`);
      // Another provider, or the anchored one itself (then the alias is inside its anchor).
      const target = rng.pick([...out.matchAll(/^ *- (?:&p0\n *)?name:/gm)]);
      const at = target.index! + target[0].length - 'name:'.length;
      out = splice(out, at, at, rng.pick(['<<: *p0\n', '<<: [*p0]\n', '<<: *p0\n' + indent + '<<: *p0\n']) + indent);
      return out;
    }
    case 3:
      // A merge key whose value is not a mapping.
      return replaceValue(t, rng, rng.pick(['{<<: 5}', '{<<: [1, 2]}', '{<<: *nope}', '{<<: ~}', '{<<: [{a: 1}, x]}']));
    case 4: {
      // An alias bomb ("billion laughs"), of a random size around the limit.
      const levels = rng.range(3, 9);
      const width = rng.range(5, 12);
      const lines = ['lol0: &l0 "lol"'];
      for (let k = 1; k <= levels; k++) lines.push(`lol${k}: &l${k} [${Array(width).fill(`*l${k - 1}`).join(', ')}]`);
      return insertTopLevel(t, rng, lines.join('\n') + '\n');
    }
    case 5:
      // A collection that contains an alias to itself.
      return replaceValue(t, rng, rng.pick(['&r [*r]', '&r {a: *r}', '&r [a, [b, *r]]']));
    case 6: {
      // The same anchor defined twice; the alias must take the later one.
      if (slots.length < 3) break;
      const [a, b, c] = [slots[0]!, slots[Math.floor(slots.length / 2)]!, slots[slots.length - 1]!];
      return t.slice(0, a.start) + '&x ' + t.slice(a.start, b.start) + '&x ' + t.slice(b.start, c.start) + '*x' + t.slice(c.end);
    }
    case 7: {
      // A merge-key bomb: a mapping merged into lists of lists.
      const lines = ['m0: &m0 {k0: 1, k1: 1, k2: 1, k3: 1, k4: 1, k5: 1, k6: 1, k7: 1, k8: 1, k9: 1}'];
      const levels = rng.range(2, 7);
      for (let k = 1; k <= levels; k++) lines.push(`m${k}: &m${k} [${Array(10).fill(`*m${k - 1}`).join(', ')}]`);
      lines.push(`mm: {<<: *m0, list: *m${levels}}`);
      return insertTopLevel(t, rng, lines.join('\n') + '\n');
    }
    default:
      // An anchor or alias on a key.
      return replaceValue(t, rng, rng.pick(['{&k a: 1, *k : 2}', '{*k : 1}', '{? &k [a]: 1}']));
  }
  return replaceValue(t, rng, '*a');
}

function indent(t: string, rng: Rng): string {
  const starts = lineStarts(t);
  const k = rng.int(starts.length);
  const start = starts[k]!;
  let end = start;
  while (t[end] === ' ') end++;
  const have = end - start;
  const delta = rng.pick([-4, -2, -1, 1, 2, 4, 8]);
  const want = Math.max(0, have + delta);
  // Sometimes the lines below follow (a whole block shifted), sometimes not.
  if (rng.chance(0.3)) {
    const n = rng.range(2, 6);
    let out = t;
    for (let j = Math.min(starts.length - 1, k + n - 1); j >= k; j--) {
      const s = starts[j]!;
      let e = s;
      while (out[e] === ' ') e++;
      out = splice(out, s, e, ' '.repeat(Math.max(0, e - s + delta)));
    }
    return out;
  }
  return splice(t, start, end, ' '.repeat(want));
}

function tab(t: string, rng: Rng): string {
  const starts = lineStarts(t);
  const k = rng.int(starts.length);
  const start = starts[k]!;
  const mode = rng.int(4);
  if (mode === 0) return splice(t, start, start, '\t');
  if (mode === 1) {
    // Indentation by a tab instead of spaces.
    let end = start;
    while (t[end] === ' ') end++;
    return splice(t, start, end, '\t'.repeat(Math.max(1, Math.round((end - start) / 2))));
  }
  if (mode === 2) {
    const colon = t.indexOf(': ', start);
    if (colon !== -1) return splice(t, colon + 1, colon + 2, '\t');
  }
  return insertAnywhere(t, rng, '\t');
}

function quoteBreak(t: string, rng: Rng): string {
  const mode = rng.int(6);
  if (mode === 0) return insertAnywhere(t, rng, rng.pick(['"', "'", '"\'', '\\"', '`']));
  if (mode === 1) {
    // Drop the closing quote of a quoted scalar.
    const quoted = [...t.matchAll(/"[^"\n]*"|'[^'\n]*'/g)];
    if (quoted.length > 0) {
      const q = rng.pick(quoted);
      return splice(t, q.index! + q[0].length - 1, q.index! + q[0].length, '');
    }
  }
  if (mode === 2) {
    // Invalid escapes in double quotes.
    return replaceValue(t, rng, `"${rng.pick(['\\q', '\\x4g', '\\u12', '\\U0011FFFF', '\\U7FFFFFFF', '\\', '\\\n', '\\u00zz', '\\x'])}"`);
  }
  if (mode === 3) {
    // A quote opened in one value and closed much later, across lines.
    const s = randomSlot(t, rng);
    if (s) return splice(t, s.start, s.start, rng.pick(['"', "'"]));
  }
  if (mode === 4) {
    // Quotes inside quotes.
    return replaceValue(t, rng, rng.pick([`'it''s'`, `'it's'`, `"say "hi""`, `"a\\"b"`, `''''`, `"""`, `'''`]));
  }
  const s = randomSlot(t, rng);
  if (s) return splice(t, s.start, s.end, `"${t.slice(s.start, s.end)}`);
  return t + '"';
}

function longLine(t: string, rng: Rng): string {
  // 1 MiB now and then: enough to show that a huge value is neither echoed nor slow, without
  // spending the run's time budget on allocating it.
  const n = rng.chance(0.04) ? 1_048_576 : rng.pick([1_000, 4_096, 10_000, 65_537, 100_000, 300_000]);
  const mode = rng.int(7);
  switch (mode) {
    case 0:
      return replaceValue(t, rng, 'a'.repeat(n));
    case 1:
      return replaceValue(t, rng, `"${'\\u00e9'.repeat(Math.floor(n / 6))}"`);
    case 2:
      return insertTopLevel(t, rng, `${'k'.repeat(n)}: v\n`);
    case 3:
      return insertAnywhere(t, rng, `# ${'#'.repeat(n)}\n`);
    case 4:
      return replaceValue(t, rng, `[${Array(Math.floor(n / 3)).fill('a').join(', ')}]`);
    case 5:
      return replaceValue(t, rng, L('é').repeat(Math.floor(n / 2)));
    default:
      return replaceValue(t, rng, `'${"''".repeat(Math.floor(n / 2))}'`);
  }
}

const TYPE_VALUES = [
  '[a, b]',
  '[]',
  '{x: 1}',
  '{}',
  '~',
  'null',
  'true',
  'false',
  'no',
  'yes',
  'on',
  '""',
  "''",
  '123',
  '1.5',
  '0x1f',
  '2026-04-15',
  '2026-04-15T12:00:00Z',
  '!!binary aGVsbG8=',
  '!!str 5',
  '!!int abc',
  '!!int 5',
  '!!float x',
  '!!bool maybe',
  '!!null ""',
  '!custom x',
  '!!map {}',
  '!!seq []',
  '!!set {a, b}',
  '!!omap [a: 1]',
  '!!timestamp 2001-12-14',
  '!<tag:yaml.org,2002:str> x',
  '!<tag:example.com,2000:x> y',
  '! x',
  '|\n  block\n',
  '>-\n  folded\n',
  '|9\n x\n',
  '? a\n',
];

function typeChange(t: string, rng: Rng): string {
  const mode = rng.int(4);
  if (mode === 0) {
    // A block parent (`key:` with children) gets a scalar, list or map of its own.
    const parents = [...t.matchAll(/^(\s*(?:- )?[A-Za-z][\w-]*):[ \t]*$/gm)];
    if (parents.length > 0) {
      const p = rng.pick(parents);
      const at = p.index! + p[0].length;
      return splice(t, at, at, ' ' + rng.pick(['x', '[a]', '{a: 1}', '""', '1']));
    }
  }
  if (mode === 1) {
    // A block mapping turned into a block list item, and back.
    const keys = [...t.matchAll(/^( +)([A-Za-z][\w-]*):/gm)];
    if (keys.length > 0) {
      const k = rng.pick(keys);
      return splice(t, k.index! + k[1]!.length, k.index! + k[1]!.length, '- ');
    }
    const items = [...t.matchAll(/^( *)- /gm)];
    if (items.length > 0) {
      const k = rng.pick(items);
      return splice(t, k.index! + k[1]!.length, k.index! + k[0].length, '  ');
    }
  }
  return replaceValue(t, rng, L(rng.pick(TYPE_VALUES)));
}

const SYNTAX = [
  '---\n',
  '--- \n',
  '...\n',
  '--- |\n  text\n',
  '--- []\n',
  '--- 5\n',
  '--- ~\n',
  '--- !!str\n',
  '%YAML 1.2\n---\n',
  '%YAML 1.1\n---\n',
  '%YAML 2.0\n---\n',
  '%TAG !e! tag:example.com,2000:\n---\n',
  '%FOO bar\n',
  '? ',
  ': ',
  '- ',
  '? [a, b]\n: c\n',
  '? {a: 1}\n: c\n',
  '[',
  ']',
  '{',
  '}',
  ',',
  '#',
  '|',
  '>',
  '!',
  '!!',
  '%',
  '@',
  '`',
  '&',
  '*',
  ':',
  '-',
  '\n',
  '\n\n\n',
  '\r\n',
  '\\',
  '<<: ',
  '&a &b ',
  '!!str !!int ',
  'key: value\n',
  'version: 2\n',
  'providers: []\n',
  'providers:\n',
];

function yamlSyntax(t: string, rng: Rng): string {
  if (rng.chance(0.2)) {
    // Replace the whole file start or end with document markers and directives.
    return rng.chance(0.5) ? rng.pick(SYNTAX) + t : t + rng.pick(SYNTAX);
  }
  return insertAnywhere(t, rng, rng.pick(SYNTAX));
}

function deepNesting(t: string, rng: Rng): string {
  const n = rng.pick([50, 98, 99, 100, 101, 102, 150, 1_000, 10_000, 100_000]);
  const mode = rng.int(5);
  switch (mode) {
    case 0:
      return replaceValue(t, rng, '['.repeat(n) + ']'.repeat(n));
    case 1:
      return replaceValue(t, rng, '{a: '.repeat(n) + '1' + '}'.repeat(n));
    case 2:
      return replaceValue(t, rng, '['.repeat(n)); // unbalanced
    case 3: {
      // Block nesting by indentation.
      const depth = Math.min(n, 400); // the indentation alone is depth²/2 bytes
      const lines: string[] = [];
      for (let k = 0; k < depth; k++) lines.push(`${' '.repeat(k)}k${k}:`);
      lines.push(`${' '.repeat(depth)}v`);
      return insertTopLevel(t, rng, lines.join('\n') + '\n');
    }
    default: {
      // Block lists: `- - - - x`.
      const depth = Math.min(n, 5_000);
      return insertTopLevel(t, rng, `nest: ${'- '.repeat(depth)}x\n`);
    }
  }
}

const IMPL: Record<Operator, (t: string, rng: Rng, ctx: MutationContext) => string> = {
  'byte-flip': byteFlip,
  'token-swap': tokenSwap,
  'line-delete': lineDelete,
  'range-delete': rangeDelete,
  duplicate,
  'huge-number': hugeNumber,
  unicode,
  'anchor-alias': anchorAlias,
  indent,
  tab,
  'quote-break': quoteBreak,
  'long-line': longLine,
  'type-change': typeChange,
  'yaml-syntax': yamlSyntax,
  'deep-nesting': deepNesting,
};

/** Rarely more than 2 MB: the cap keeps the run's memory and time bounded (the file cap is 16 MiB). */
const MAX_CASE_BYTES = 4 * 1024 * 1024;

export interface Mutation {
  bytes: Buffer;
  ops: Operator[];
}

/** 1 to 3 operators, each drawn uniformly; applied in order to the seed's bytes. */
export function mutate(seed: Buffer, rng: Rng, ctx: MutationContext): Mutation {
  const count = rng.pick([1, 1, 1, 1, 1, 1, 2, 2, 2, 3]);
  const ops: Operator[] = [];
  let t = seed.toString('latin1');
  for (let k = 0; k < count; k++) {
    const op = rng.pick(OPERATORS);
    ops.push(op);
    t = IMPL[op](t, rng, ctx);
    if (t.length > MAX_CASE_BYTES) t = t.slice(0, MAX_CASE_BYTES);
  }
  return { bytes: bytesOf(t), ops };
}

/** One operator, for tests of the operators themselves. */
export function applyOperator(op: Operator, seed: Buffer, rng: Rng, ctx: MutationContext): Buffer {
  return bytesOf(IMPL[op](seed.toString('latin1'), rng, ctx));
}
