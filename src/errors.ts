// Operational failures: error classes with a stable code. User mistakes in files are
// Diagnostics (src/config/diagnostics.ts), not exceptions. Exit codes are decided in
// src/cli/exit.ts, from these codes only.

export const ERROR_CODES = [
  'USAGE', // bad flags or arguments
  'INVALID_CONFIG', // the files have error diagnostics
  'DB_UNREACHABLE',
  'DB_AUTH',
  'DB_NOT_MIGRATED',
  'DB_READ_ONLY',
  'DB_ERROR',
  'LOCK_TIMEOUT',
  'STALE_PLAN',
  'PLAN_INVALID', // edited, other scope, other format version
  'PLAN_UNAUTHENTICATED', // apply --plan: no tag, a tag that does not verify, another database or KEK
  'PLAN_INCONSISTENT', // apply --plan: what a change writes differs from what it shows
  'PLAN_GUARD', // apply: protected, ownership re-checked against the rows at apply time
  'OWNERSHIP', // unmanaged row without --adopt, or a row of another scope
  'DELETE_NOT_ALLOWED',
  'APPROVAL_REQUIRED',
  'ABORTED',
  'SECRET_UNRESOLVED',
  'KMS_ERROR',
  'CRYPTO_INTEGRITY',
  'IO_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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
