// Small text helpers for diagnostic messages. Values from the files are quoted only
// through quoteValue(), which truncates and escapes them so a message never carries a
// long blob, a control character that rewrites the terminal, or a whole pasted secret.

// The escape rule is shared with every output (src/escape.ts): one list of characters.
import { escapeControl } from '../escape';
export { escapeControl };

const MAX_QUOTED = 40;

/**
 * Text from a file made safe for a message, without quotes: at most MAX_QUOTED code points
 * (then '…'), control characters escaped. For keys and names that are part of a longer phrase.
 */
export function shorten(s: string): string {
  // By code point, so a surrogate pair is never split; only the head is looked at, so a
  // megabyte-long string costs no more than a short one.
  const head = Array.from(s.slice(0, 2 * MAX_QUOTED + 2));
  const cut = head.length > MAX_QUOTED ? head.slice(0, MAX_QUOTED).join('') + '…' : s;
  return escapeControl(cut);
}

/** A short, safe rendering of a value for a message: 'text' (truncated), 12, true, null, a list, a mapping. */
export function quoteValue(v: unknown): string {
  if (typeof v === 'string') return `'${shorten(v)}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return 'null';
  return Array.isArray(v) ? 'a list' : 'a mapping';
}

/** A key or name from a file, in quotes, for messages (keys are never secrets, but may be long). */
export function quoteKey(k: string): string {
  return quoteValue(k);
}

/** JSON-Schema-ish type name of a loaded YAML value. */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'mapping';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * Edit distance where swapping two adjacent characters counts as one edit (optimal string
 * alignment, i.e. Levenshtein plus transpositions), since `stauts` and `nmae` are typos
 * of one slip each. Returns max+1 as soon as the distance must exceed max.
 */
export function levenshtein(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The closest candidate to a misspelt word, or undefined when none is close enough.
 * Case-insensitive match wins outright; otherwise at most a third of the word may differ
 * (min 1, max 3 edits), so `stauts` suggests `status` but `foo` suggests nothing.
 * Ties go to the alphabetically first candidate, so the output is deterministic.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDist = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  for (const c of candidates) {
    if (c === word) continue;
    if (c.toLowerCase() === lower) return c;
    const d = levenshtein(lower, c.toLowerCase(), bestDist);
    if (d <= bestDist && (best === undefined || d < bestDist || c < best)) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

/** " (did you mean 'x'?)" or "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : ` (did you mean ${quoteKey(s)}?)`;
}

/** 1234567 -> "1,234,567" (fixed locale so output is the same on every machine). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "1 error" / "2 errors". */
export function plural(n: number, word: string): string {
  return `${thousands(n)} ${word}${n === 1 ? '' : 's'}`;
}
