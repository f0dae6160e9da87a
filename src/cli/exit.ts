// Exit codes are decided here and only here (CONTRACT.md section 3).
import { ERROR_TABLE, isCvctlError, type CvctlError } from '../errors';
import { escapeOutput } from '../escape';

export const EXIT_OK = 0;
/** Any error: bad input, operational failure, stale plan, refused apply. */
export const EXIT_ERROR = 1;
/** `plan --detailed-exitcode` with changes; `drift` with drift. */
export const EXIT_CHANGES = 2;
/** `apply` interrupted by SIGINT or SIGTERM (src/cli/interrupt.ts), as a shell reports Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/** `failed`: the command already printed why (e.g. diagnostics); exit 1 with nothing more to say. */
export type Outcome = { kind: 'ok' } | { kind: 'changes' } | { kind: 'failed' } | { kind: 'error'; error: unknown };

export function exitCodeFor(outcome: Outcome): number {
  switch (outcome.kind) {
    case 'ok':
      return EXIT_OK;
    case 'changes':
      return EXIT_CHANGES;
    case 'failed':
      return EXIT_ERROR;
    case 'error':
      // An error's code decides (src/errors.ts, ERROR_TABLE); anything else is an internal error.
      return isCvctlError(outcome.error) ? ERROR_TABLE[outcome.error.code].exit : EXIT_ERROR;
  }
}

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
