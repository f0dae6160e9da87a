// Maps driver errors (pg, PGlite, Node sockets) to CvctlError codes, so the CLI decides exit
// codes and messages from a stable code, never from driver internals. Every message goes
// through redact(): a connection URL or password must never reach a terminal or a CI log.
import { CvctlError } from '../errors';

export const NOT_MIGRATED_MESSAGE = 'the database has no cvctl schema: run `cvctl db migrate`';

export interface ErrorContext {
  /** `host:port` (or socket path) for DB_UNREACHABLE / DB_AUTH messages. */
  endpoint?: string;
  /** Strings that must not appear in any message (password, the full URL). */
  secrets?: string[];
}

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  constraint?: unknown;
}

// Socket-level failures: the server could not be reached at all (or went away).
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'temporary DNS failure',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
};

// SQLSTATEs that mean "the server is there but will not serve us right now".
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

const URL_CREDENTIALS_RE = /(postgres(?:ql)?:\/\/)[^@/\s]*@/gi;

/** Removes secrets and URL credentials from a message. */
export function redact(message: string, secrets: string[] = []): string {
  let out = message;
  for (const s of secrets) {
    // Very short secrets would mangle ordinary words; servers never echo passwords anyway,
    // this is defence in depth for URLs and drivers that might.
    if (s.length >= 6) out = out.split(s).join('***');
  }
  return out.replace(URL_CREDENTIALS_RE, '$1***@');
}

function textOf(e: DriverError): string {
  return typeof e.message === 'string' && e.message !== '' ? e.message : String(e);
}

/**
 * Converts any error thrown while talking to the database into a CvctlError.
 * Already-mapped CvctlErrors pass through unchanged.
 */
export function mapDbError(err: unknown, ctx: ErrorContext = {}): CvctlError {
  if (err instanceof CvctlError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as DriverError;
  const code = typeof e.code === 'string' ? e.code : '';
  const secrets = ctx.secrets ?? [];
  const where = ctx.endpoint ?? 'the configured address';
  const msg = redact(textOf(e), secrets);
  const make = (c: CvctlError['code'], m: string): CvctlError => new CvctlError(c, redact(m, secrets), { cause: err });

  if (code in NETWORK_CODES) {
    return make('DB_UNREACHABLE', `cannot reach PostgreSQL at ${where}: ${NETWORK_CODES[code]} (${msg})`);
  }
  // pg reports its own connect timeout and dropped sessions without a code.
  if (
    code === '' &&
    /timeout expired|Connection terminated|connection timeout|Client was closed|Client has encountered a connection error/i.test(msg)
  ) {
    return make('DB_UNREACHABLE', `cannot reach PostgreSQL at ${where}: ${msg}`);
  }
  if (UNAVAILABLE_STATES.has(code)) {
    return make('DB_UNREACHABLE', `cannot reach PostgreSQL at ${where}: ${msg}`);
  }
  switch (code) {
    case '28P01':
    case '28000':
      return make('DB_AUTH', `PostgreSQL at ${where} rejected the login: ${msg}`);
    case '42P01':
      return make('DB_NOT_MIGRATED', `${NOT_MIGRATED_MESSAGE} (${msg})`);
    case '25006':
    case '42501':
      return make(
        'DB_READ_ONLY',
        // Mostly a write on a replica or by a read-only role; 42501 can also be a read the role
        // may not do, so the wording does not claim which.
        `the database refused the operation: ${msg} (a read-only replica, or a role without the needed privileges?)`,
      );
    default: {
      // The detail names the offending key for unique/foreign-key violations: worth showing,
      // it holds row data (names, ids), never credentials (those columns are ciphertext).
      const detail = typeof e.detail === 'string' && e.detail ? ` (${redact(e.detail, secrets)})` : '';
      const prefix = code ? `database error ${code}: ` : 'database error: ';
      return make('DB_ERROR', `${prefix}${msg}${detail}`);
    }
  }
}
