// Shared plumbing of the cloud and Vault secret backends:
//  - SourceError: says which reference failed, why (a stable `reason` tests and callers can
//    switch on), and whether retrying can help. The resolver (src/secrets/resolve.ts) retries
//    any error whose `retryable` flag is true (isRetryable in src/secrets/backends.ts), so this
//    class does not import backends.ts: backends.ts will import us, and a cycle would break
//    `extends` at load time.
//  - HTTP with a deadline on every call, and network failures turned into SourceErrors.
//  - Value checks (JSON key, non-empty, UTF-8) whose messages never quote the value: the
//    value is the one thing an error about a secret must never contain, and JSON.parse's own
//    SyntaxError quotes its input, so its message is never passed on.
import { CvctlError } from '../../errors';
import { SecretValue } from '../resolver';

export type SourceErrorReason =
  | 'not-found' // the secret / version / parameter does not exist
  | 'access-denied' // authenticated, but not allowed
  | 'auth' // no usable credentials for the secret store itself
  | 'unavailable' // throttled, 5xx, timeout, network: retryable
  | 'disabled' // exists, but disabled / deleted / destroyed / scheduled for deletion
  | 'malformed' // the value is not what the reference asks for (not JSON, no such field...)
  | 'empty' // the value is empty
  | 'config'; // the reference or the environment is wrong (missing VAULT_ADDR, bad name...)

export class SourceError extends CvctlError {
  readonly reason: SourceErrorReason;
  /** Read by isRetryable() in src/secrets/backends.ts: the resolver retries with backoff. */
  readonly retryable: boolean;
  constructor(reason: SourceErrorReason, message: string, opts: { retryable?: boolean; cause?: unknown } = {}) {
    super('SECRET_UNRESOLVED', message, { cause: opts.cause });
    this.name = 'SourceError';
    this.reason = reason;
    this.retryable = opts.retryable ?? reason === 'unavailable';
  }
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Options every backend accepts; env and fetch are injectable so tests never touch the real ones. */
export interface SourceOptions {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Deadline of each HTTP call, in ms (default 10 s). */
  timeoutMs?: number;
}

export function nonEmptyEnv(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/** A server's own error text, made safe to show: one line, bounded. */
export function serverText(s: unknown, max = 300): string {
  if (typeof s !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const one = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

export interface HttpResult {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

/**
 * One HTTP call with a deadline. Timeouts and connection failures become retryable
 * SourceErrors naming `label` and the server's origin (never the query string, which for
 * token endpoints could carry credentials).
 */
export async function httpJson(
  fetchFn: typeof fetch,
  label: string,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
  what = 'the secret store',
): Promise<HttpResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  let text: string;
  try {
    // Redirects are not followed: a bearer token or Vault token must go only where it was
    // configured to go, and an http -> https redirect means the configured URL is wrong.
    res = await fetchFn(url, { ...init, signal, redirect: 'manual' });
    text = await res.text();
  } catch (e) {
    throw networkError(e, signal, label, `${what} at ${url.origin}`, timeoutMs);
  }
  if (res.status >= 300 && res.status < 400) {
    let to = '';
    try {
      to = ` to ${new URL(res.headers.get('location') ?? '', url).origin}`;
    } catch {
      // no usable Location: say only that it redirected
    }
    throw new SourceError('config', `${label}: ${what} at ${url.origin} answered with a redirect (HTTP ${res.status}${to}); configure the final address`);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined; // callers treat a non-JSON body by status alone
  }
  return { status: res.status, headers: res.headers, json };
}

/** Codes that mean "this host does not exist / is misconfigured": retrying will not help. */
const PERMANENT_NET_CODES = new Set(['ENOTFOUND', 'ERR_INVALID_URL', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID']);

export function networkError(e: unknown, signal: AbortSignal, label: string, where: string, timeoutMs: number): SourceError {
  if (e instanceof SourceError) return e;
  if (signal.aborted) {
    return new SourceError('unavailable', `${label}: no answer from ${where} within ${timeoutMs} ms`);
  }
  const code = errCode(e);
  if (code && PERMANENT_NET_CODES.has(code)) {
    return new SourceError('config', `${label}: cannot connect to ${where} (${code})`, { retryable: false });
  }
  return new SourceError('unavailable', `${label}: cannot reach ${where}${code ? ` (${code})` : ''}`);
}

/** The errno-style code of an error or of its cause (undici wraps it in TypeError('fetch failed')). */
export function errCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Status codes worth retrying on any of these HTTP APIs. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * GET a secret store's JSON API with a bearer token: the token from `token` (a credential
 * failure is prefixed with the reference it stopped), then one httpJson call.
 */
export async function getWithBearer(
  fetchFn: typeof fetch,
  label: string,
  url: URL,
  token: () => Promise<string>,
  timeoutMs: number,
  what: string,
): Promise<HttpResult> {
  let bearer: string;
  try {
    bearer = await token();
  } catch (e) {
    throw relabel(e, label);
  }
  const headers = { Authorization: `Bearer ${bearer}`, Accept: 'application/json' };
  return httpJson(fetchFn, label, url, { method: 'GET', headers }, timeoutMs, what);
}

/** What a cloud credential chain takes from outside (tests pass their own). */
export interface CredentialOptions {
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  /** Deadline of a token request (default 10 s). */
  timeoutMs?: number;
  now?: () => number;
}

export function credentialDefaults(opts: CredentialOptions): Required<CredentialOptions> {
  return { env: opts.env ?? process.env, fetch: opts.fetch ?? fetch, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, now: opts.now ?? Date.now };
}

/**
 * An OAuth token request: `form` POSTed to a token endpoint, the answer read by tokenFrom.
 * `scrub`: strings sent in the form (a client secret) that an error must not echo.
 */
export async function postTokenForm(
  o: Required<CredentialOptions>,
  label: string,
  url: URL,
  form: Record<string, string>,
  scrub: string[] = [],
): Promise<{ token: string; expiresInSec: number }> {
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  const init = { method: 'POST', headers, body: new URLSearchParams(form).toString() };
  const res = await httpJson(o.fetch, label, url, init, o.timeoutMs, 'the token endpoint');
  return tokenFrom(res.status, res.json, label, o.now, scrub);
}

/** A credential error (no label: shared by concurrent resolves), prefixed with the reference it stopped. */
export function relabel(e: unknown, label: string): unknown {
  if (e instanceof SourceError) return new SourceError(e.reason, `${label}: ${e.message}`, { retryable: e.retryable, cause: e });
  return e;
}

/** `label is empty` for '' and whitespace-only values: both are certainly mistakes. */
export function checkedValue(label: string, value: string): SecretValue {
  if (value.trim() === '') throw new SourceError('empty', `${label} is empty`);
  return new SecretValue(value);
}

/** UTF-8 decode that fails loudly instead of inventing U+FFFD characters in a credential. */
export function utf8(label: string, bytes: Uint8Array, what = 'the value'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SourceError('malformed', `${label}: ${what} is not UTF-8 text`);
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * The string at `key` of a JSON object secret. Messages name the key, never the content:
 * no parser message (it quotes input), no list of the other keys (a fragment of the secret).
 */
export function pickJsonKey(label: string, text: string, key: string, keyName = 'jsonKey'): SecretValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SourceError('malformed', `${label}: ${keyName} '${key}' is set but the secret is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SourceError('malformed', `${label}: ${keyName} '${key}' is set but the secret is JSON ${typeName(parsed)}, not an object`);
  }
  return pickField(label, parsed as Record<string, unknown>, key, 'key');
}

/** The string field `key` of an object (Vault's data.data, a parsed JSON secret). */
export function pickField(label: string, obj: Record<string, unknown>, key: string, noun = 'field'): SecretValue {
  if (!Object.prototype.hasOwnProperty.call(obj, key)) {
    const n = Object.keys(obj).length;
    throw new SourceError('malformed', `${label}: the secret has no ${noun} '${key}' (it has ${n} ${noun}${n === 1 ? '' : 's'})`);
  }
  const v = obj[key];
  if (typeof v !== 'string') {
    throw new SourceError('malformed', `${label}: ${noun} '${key}' is ${typeName(v)}, not a string`);
  }
  if (v.trim() === '') throw new SourceError('empty', `${label}: ${noun} '${key}' is empty`);
  return new SecretValue(v);
}

/**
 * A cached bearer token shared by concurrent resolves: one token request at a time,
 * reused until shortly before it expires (clock skew, and a request that starts just
 * before expiry must not arrive just after).
 */
export class TokenCache {
  #token?: { value: string; expiresAt: number };
  #inflight?: Promise<string>;
  constructor(private readonly now: () => number = Date.now) {}

  async get(fetchToken: () => Promise<{ token: string; expiresInSec: number }>): Promise<string> {
    if (this.#token && this.now() < this.#token.expiresAt) return this.#token.value;
    if (!this.#inflight) {
      this.#inflight = (async () => {
        try {
          const { token, expiresInSec } = await fetchToken();
          const life = Math.max(0, expiresInSec) * 1000;
          // Refresh 5 minutes early, or at half-life for short-lived tokens.
          const margin = Math.min(300_000, life / 2);
          this.#token = { value: token, expiresAt: this.now() + life - margin };
          return token;
        } finally {
          this.#inflight = undefined;
        }
      })();
    }
    return this.#inflight;
  }

  /** After a 401: the token was revoked or expired early; fetch a new one next time. */
  clear(): void {
    this.#token = undefined;
  }
}

/** Bounded ints from token responses, which send numbers or numeric strings. */
export function numberish(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * {access_token, expiry} from an OAuth-style token response (Google, Entra ID, IMDS, App
 * Service), or a SourceError with the OAuth error code and description. `scrub` lists
 * strings (a client secret) cut out of the server's text, in case an endpoint echoes them.
 */
export function tokenFrom(
  status: number,
  json: unknown,
  label: string,
  now: () => number = Date.now,
  scrub: string[] = [],
): { token: string; expiresInSec: number } {
  const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  if (status === 200 && typeof body.access_token === 'string' && body.access_token !== '') {
    const expiresOn = numberish(body.expires_on);
    const expiresInSec = numberish(body.expires_in) ?? (expiresOn !== undefined ? expiresOn - now() / 1000 : 3600);
    return { token: body.access_token, expiresInSec };
  }
  let detail = [serverText(body.error), serverText(body.error_description)].filter(Boolean).join(': ');
  for (const s of scrub) if (s.length >= 4) detail = detail.split(s).join('[redacted]');
  const suffix = detail ? ` (${detail})` : '';
  if (isRetryableStatus(status)) throw new SourceError('unavailable', `${label}: HTTP ${status}${suffix}`);
  if (status === 200) throw new SourceError('auth', `${label}: the response has no access_token`);
  throw new SourceError('auth', `${label} failed: HTTP ${status}${suffix}`);
}
