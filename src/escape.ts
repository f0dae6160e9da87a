// The one rule for characters that must never reach a reader raw: every human-readable output
// (text and markdown plans and drift, `show`, `history`, validate messages), the JSON outputs
// and `export`'s YAML go through here.
//
// Escaped, as \uXXXX (lowercase hex, the JSON spelling, so a JSON consumer decodes it back to
// the same value):
//   - C0 controls, DEL and C1 controls (U+0000–U+001F, U+007F–U+009F): they move the cursor,
//     clear the screen or start terminal escape sequences (U+009B is a CSI on some terminals);
//   - bidirectional controls (U+061C, U+200E/F, U+202A–E, U+2066–9): printed raw they reorder
//     the rest of the line ("Trojan Source"), in a terminal, a CI log or a PR comment;
//   - invisible format characters (soft hyphen U+00AD, U+180E, zero-width U+200B–D, word
//     joiner and invisible operators U+2060–4, deprecated format U+206A–F, BOM U+FEFF,
//     interlinear annotations U+FFF9–B) and tag characters (U+E0000–E007F, as a surrogate
//     pair): they make two different values print the same;
//   - line and paragraph separators (U+2028/9) and unpaired surrogates (not text).
// A backslash is left as it is: the escapes above are for reading, not for parsing back
// (except in JSON, where the output is still JSON of the very same value).

/** Every character escaped by this module (astral tag characters as their surrogate pair). */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** INVISIBLE but for the line feed: a whole output's line breaks are kept, and most outputs have nothing else to escape. */
const INVISIBLE_BUT_LF = new RegExp(INVISIBLE.source.replace('\\u0000-\\u001f', '\\u0000-\\u0009\\u000b-\\u001f'), 'g');
if (INVISIBLE_BUT_LF.source === INVISIBLE.source) throw new Error('escape: INVISIBLE_BUT_LF no longer derives from INVISIBLE');

const NOT_PRINTABLE_ASCII = /[^\n\x20-\x7e]/;

const hex4 = (n: number): string => '\\u' + n.toString(16).padStart(4, '0');

/** `\uXXXX` for one match of INVISIBLE (two escapes for a surrogate pair). */
function uEscape(m: string): string {
  return m.length === 2 ? hex4(m.charCodeAt(0)) + hex4(m.charCodeAt(1)) : hex4(m.charCodeAt(0));
}

/**
 * For a value inside a message or a table cell: every character above escaped, with `\n`,
 * `\t` and `\r` spelt short.
 */
export function escapeControl(s: string): string {
  return s.replace(INVISIBLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return uEscape(c);
  });
}

/** A terminal colour sequence as the painter writes it (ESC [ digits m). */
const SGR = /^\x1b\[[0-9;]*m/;

/**
 * For a whole rendered output (a plan, a drift report, a JSON document): every character
 * above escaped except the line breaks between lines and, with `ansi`, the colour sequences
 * cvctl's own painter wrote. Values reach renderers escaped for their format already (JSON
 * strings, markdown text); this pass makes sure nothing invisible gets through whatever path
 * a string took, including ones added later.
 */
export function escapeOutput(text: string, opts: { ansi?: boolean } = {}): string {
  // Printable ASCII and line feeds only (most plans): nothing to escape, and this simple class
  // scans several times faster than INVISIBLE's alternatives with their lookarounds.
  if (!NOT_PRINTABLE_ASCII.test(text)) return text;
  // One scan that never stops at a line break (a 100,000-line plan: 0.1 s less than calling
  // back for each line feed).
  return text.replace(INVISIBLE_BUT_LF, (c, offset: number) => {
    if (c === '\x1b' && opts.ansi === true && SGR.test(text.slice(offset, offset + 16))) return c;
    return uEscape(c);
  });
}

/** Whether `s` holds a character this module escapes (C0 controls aside, with ignoreC0). */
export function hasInvisible(s: string, opts: { ignoreC0?: boolean } = {}): boolean {
  for (const m of s.matchAll(INVISIBLE)) if (!(opts.ignoreC0 === true && m[0].charCodeAt(0) < 0x20)) return true;
  return false;
}

/**
 * YAML double-quoted spelling of the same characters (`\uXXXX`, and `\UXXXXXXXX` for a tag
 * character: YAML escapes code points, not UTF-16 halves). For text that is inside a
 * double-quoted scalar; C0 controls are escaped by the YAML writer itself and left alone.
 */
export function escapeYamlQuoted(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    if (c.charCodeAt(0) < 0x20) return c;
    if (c.length === 2) return '\\U' + c.codePointAt(0)!.toString(16).padStart(8, '0');
    return hex4(c.charCodeAt(0));
  });
}
