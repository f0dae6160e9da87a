// Exit codes are decided here and only here (CONTRACT.md section 3).
import { ERROR_TABLE, isCvctlError } from '../errors';

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
