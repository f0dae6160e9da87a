// Operational failures: error classes with a stable code. User mistakes in files are
// Diagnostics (src/config/diagnostics.ts), not exceptions. Exit codes are decided in
// src/cli/exit.ts, from these codes only (ERROR_TABLE).

export interface ErrorCodeInfo {
  /** The process's exit code when a command stops with this error (CONTRACT.md section 3: any error exits 1). */
  exit: number;
  /**
   * An apply stopped by it was refused (cvctl decided not to write: a guard, or the user said
   * no), rather than failed (lock timeout, KMS, database, secrets, I/O): `cvctl history`'s result.
   */
  refusal: boolean;
}

/** cvctl decided not to write (a guard, bad input, or the user said no). */
const REFUSED = { exit: 1, refusal: true } as const;
/** cvctl tried and could not (lock timeout, KMS, database, secrets, I/O). */
const FAILED = { exit: 1, refusal: false } as const;

/** The one table of error codes: what each gives as exit code and as the result of an apply. */
export const ERROR_TABLE = {
  USAGE: REFUSED, // bad flags or arguments
  INVALID_CONFIG: REFUSED, // the files have error diagnostics
  DB_UNREACHABLE: FAILED,
  DB_AUTH: FAILED,
  DB_NOT_MIGRATED: FAILED,
  DB_READ_ONLY: FAILED,
  DB_ERROR: FAILED,
  LOCK_TIMEOUT: FAILED,
  STALE_PLAN: REFUSED,
  PLAN_INVALID: REFUSED, // edited, other scope, other format version
  PLAN_UNAUTHENTICATED: REFUSED, // apply --plan: no tag, a tag that does not verify, another database or KEK
  PLAN_INCONSISTENT: REFUSED, // apply --plan: what a change writes differs from what it shows
  PLAN_GUARD: REFUSED, // apply: protected, ownership re-checked against the rows at apply time
  OWNERSHIP: REFUSED, // unmanaged row without --adopt, or a row of another scope
  DELETE_NOT_ALLOWED: REFUSED,
  APPROVAL_REQUIRED: REFUSED,
  ABORTED: REFUSED,
  SECRET_UNRESOLVED: FAILED,
  KMS_ERROR: FAILED,
  CRYPTO_INTEGRITY: FAILED,
  IO_ERROR: FAILED,
} as const satisfies Record<string, ErrorCodeInfo>;
export type ErrorCode = keyof typeof ERROR_TABLE;
export const ERROR_CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

export class CvctlError extends Error {
  readonly code: ErrorCode;
  /** Optional source position (file:line:col) to prefix the message with. */
  readonly pos?: { file: string; line: number; column: number };
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; pos?: CvctlError['pos'] } = {}) {
    super(message);
    this.name = 'CvctlError';
    this.code = code;
    this.pos = opts.pos;
    if (opts.cause !== undefined) (this as { cause?: unknown }).cause = opts.cause;
  }
}

export function isCvctlError(e: unknown): e is CvctlError {
  return e instanceof CvctlError;
}
