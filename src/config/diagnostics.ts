// User errors in the files: collected, sorted and printed all at once, never thrown.
import type { SourcePos } from '../domain/types';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable, kebab-case code, e.g. `unknown-key`, `duplicate-provider` (see docs). */
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

export function hasErrors(ds: Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/**
 * Line 0 means the diagnostic is about the whole path (it does not exist, it is too large to
 * read, ...): it has no position, and none is shown (`PATH error CODE message`).
 */
export function hasPosition(d: Diagnostic): boolean {
  return d.line > 0;
}

/** `path/to/file.yaml:LINE:COL ` (with its trailing space), or `path/to/file.yaml ` without a position. */
export function diagnosticWhere(d: Diagnostic): string {
  return hasPosition(d) ? `${d.file}:${d.line}:${d.column} ` : `${d.file} `;
}

/** `path/to/file.yaml:LINE:COL error CODE message` */
export function formatDiagnostic(d: Diagnostic): string {
  return `${diagnosticWhere(d)}${d.severity} ${d.code} ${d.message}`;
}

/** `file:line:column`, for messages that name a second place. */
export const at = (p: SourcePos): string => `${p.file}:${p.line}:${p.column}`;

/** A diagnostic of `code` (with its default severity) at a place. */
export function diagnosticAt(code: DiagnosticCode, message: string, pos: SourcePos): Diagnostic {
  return { severity: DIAGNOSTIC_CODES[code].severity, code, message, file: pos.file, line: pos.line, column: pos.column };
}
