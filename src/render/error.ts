// The line (or lines) a command prints when it stops with an error; its exit code is
// src/cli/exit.ts's.
import { isCvctlError, type CvctlError } from '../errors';
import { escapeOutput } from '../escape';

/** One clear line (or a few, for a list of problems); a stack only with --verbose. */
export function formatError(err: unknown, verbose: boolean): string {
  // A message may quote a name, a reference or a server's answer: nothing invisible gets out.
  return escapeOutput(formatErrorRaw(err, verbose));
}

function formatErrorRaw(err: unknown, verbose: boolean): string {
  if (isCvctlError(err)) {
    const e = err as CvctlError;
    const where = e.pos ? `${e.pos.file}:${e.pos.line}:${e.pos.column}: ` : '';
    let s = `cvctl: error: ${where}${e.message}`;
    if (verbose && e.stack) s += `\n[${e.code}]\n${e.stack}`;
    const cause = (e as { cause?: unknown }).cause;
    if (verbose && cause instanceof Error && cause.stack) s += `\ncaused by: ${cause.stack}`;
    return s;
  }
  const msg = err instanceof Error ? err.message : String(err);
  let s = `cvctl: internal error: ${msg}`;
  if (verbose && err instanceof Error && err.stack) s += `\n${err.stack}`;
  else s += '\n(run with --verbose for details)';
  return s;
}
