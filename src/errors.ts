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

/** The one table of error codes: what each gives as exit code and as the result of an apply. */
export const ERROR_TABLE = {
  USAGE: { exit: 1, refusal: true }, // bad flags or arguments
  INVALID_CONFIG: { exit: 1, refusal: true }, // the files have error diagnostics
  DB_UNREACHABLE: { exit: 1, refusal: false },
  DB_AUTH: { exit: 1, refusal: false },
  DB_NOT_MIGRATED: { exit: 1, refusal: false },
  DB_READ_ONLY: { exit: 1, refusal: false },
  DB_ERROR: { exit: 1, refusal: false },
  LOCK_TIMEOUT: { exit: 1, refusal: false },
  STALE_PLAN: { exit: 1, refusal: true },
  PLAN_INVALID: { exit: 1, refusal: true }, // edited, other scope, other format version
  PLAN_UNAUTHENTICATED: { exit: 1, refusal: true }, // apply --plan: no tag, a tag that does not verify, another database or KEK
  PLAN_INCONSISTENT: { exit: 1, refusal: true }, // apply --plan: what a change writes differs from what it shows
  PLAN_GUARD: { exit: 1, refusal: true }, // apply: protected, ownership re-checked against the rows at apply time
  OWNERSHIP: { exit: 1, refusal: true }, // unmanaged row without --adopt, or a row of another scope
  DELETE_NOT_ALLOWED: { exit: 1, refusal: true },
  APPROVAL_REQUIRED: { exit: 1, refusal: true },
  ABORTED: { exit: 1, refusal: true },
  SECRET_UNRESOLVED: { exit: 1, refusal: false },
  KMS_ERROR: { exit: 1, refusal: false },
  CRYPTO_INTEGRITY: { exit: 1, refusal: false },
  IO_ERROR: { exit: 1, refusal: false },
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
