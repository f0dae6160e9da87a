// Reading one YAML file defensively: a size cap before reading, binary and encoding checks
// before parsing, and a line index that turns character offsets into 1-based line:column.
// Whole-file problems (too large, unreadable) have no position and use line 0, column 0.
import * as fs from 'fs';
import { isUtf8 } from 'buffer';

/** Default per-file cap; override with the environment variable CVCTL_MAX_FILE_BYTES. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

export function maxFileBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CVCTL_MAX_FILE_BYTES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_FILE_BYTES;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_MAX_FILE_BYTES;
}

/** Maps offsets of a string to 1-based line and column (column counts UTF-16 units). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  get lineCount(): number {
    return this.starts.length;
  }
  lineStart(line: number): number {
    return this.starts[line - 1];
  }
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo] + 1 };
  }
}

export type ReadProblemCode = 'file-too-large' | 'unreadable-file' | 'binary-file' | 'invalid-utf8';

export interface ReadProblem {
  code: ReadProblemCode;
  message: string;
  line: number;
  column: number;
}

export type ReadResult = { ok: true; text: string } | { ok: false; problem: ReadProblem };

function fail(code: ReadProblemCode, message: string, line = 0, column = 0): ReadResult {
  return { ok: false, problem: { code, message, line, column } };
}

/** Line and column (1-based) of a byte offset; columns count UTF-16 units of the decoded line. */
function bytePosition(buf: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = buf.indexOf(10); i !== -1 && i < offset; i = buf.indexOf(10, i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: buf.toString('utf8', lineStart, offset).length + 1 };
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(buf: Buffer): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Reads a file as UTF-8 text, or says why it cannot be YAML. A UTF-8 BOM is dropped so
 * columns on the first line match what editors show.
 */
export function readSourceFile(absPath: string, maxBytes = maxFileBytes()): ReadResult {
  let buf: Buffer;
  try {
    const st = fs.statSync(absPath);
    if (st.size > maxBytes) {
      return fail(
        'file-too-large',
        `file is ${st.size.toLocaleString('en-US')} bytes, over the ${maxBytes.toLocaleString('en-US')}-byte limit per file (set CVCTL_MAX_FILE_BYTES to raise it)`,
      );
    }
    buf = fs.readFileSync(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return fail('unreadable-file', `cannot read file (${code})`);
  }
  // The file may have grown between stat and read.
  if (buf.length > maxBytes) {
    return fail('file-too-large', `file is over the ${maxBytes.toLocaleString('en-US')}-byte limit per file (set CVCTL_MAX_FILE_BYTES to raise it)`);
  }
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    return fail('invalid-utf8', 'file is UTF-16 or UTF-32 encoded; save it as UTF-8', 1, 1);
  }
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    const pos = bytePosition(buf, nul);
    return fail('binary-file', 'file contains NUL bytes: it looks binary, not YAML', pos.line, pos.column);
  }
  if (!isUtf8(buf)) {
    const bad = firstInvalidUtf8(buf);
    const pos = bytePosition(buf, bad === -1 ? 0 : bad);
    const byte = bad === -1 ? '' : ` (byte 0x${buf[bad].toString(16).padStart(2, '0')})`;
    return fail('invalid-utf8', `invalid UTF-8${byte}: save the file as UTF-8`, pos.line, pos.column);
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { ok: true, text };
}
