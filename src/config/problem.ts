// A problem found in one document, addressed by its path in the loaded value. Paths are
// turned into file:line:column only once per problem, by event-index.ts, so checks never
// need to carry positions around.
import { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes';
import type { Severity } from './diagnostics';
import type { PathSeg } from './event-index';
import { shorten } from './text';

export interface Problem {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  path: PathSeg[];
  /** Point at the key of the last path segment (unknown or duplicate keys) or at its value. */
  at: 'key' | 'value';
}

export function problem(code: DiagnosticCode, message: string, path: PathSeg[], at: 'key' | 'value' = 'value'): Problem {
  return { severity: DIAGNOSTIC_CODES[code].severity, code, message, path, at };
}

/** "/providers/0/name" -> ['providers', 0, 'name'] (JSON pointer, ~1 and ~0 unescaped). */
export function parsePointer(pointer: string): PathSeg[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}

/** Whether `path` starts with `prefix`. */
export function startsWith(path: readonly PathSeg[], prefix: readonly PathSeg[]): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (String(path[i]) !== String(prefix[i])) return false;
  return true;
}

/** Secrets live under providers[i].credentials: values there are never quoted in messages. */
export function isSensitivePath(path: readonly PathSeg[]): boolean {
  return path.length >= 3 && path[0] === 'providers' && path[2] === 'credentials';
}

/** A readable name for the node at `path`, for messages: 'status', 'exclude[1]', 'document'. */
export function subject(path: readonly PathSeg[]): string {
  if (path.length === 0) return 'the document';
  const last = path[path.length - 1];
  if (typeof last === 'number') {
    const parent = path.length >= 2 ? String(path[path.length - 2]) : 'item';
    return `'${shorten(parent)}[${last}]'`;
  }
  // Keys come from the file and may be any length: never echo more than a short head.
  return `'${shorten(last)}'`;
}
