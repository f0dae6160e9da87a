// The two forms `--database-url` / DATABASE_URL accept, as libpq does: a URL
// (postgres://user:password@host:port/dbname?sslmode=require, or postgresql://) and keyword/value
// settings (host=db.internal port=5432 dbname=codevector user=cvctl sslmode=require). Both
// become one URL for pg. Anything else is refused before any connection is tried: pg would read
// 'not a url' as a database name on host "base" and report an unreachable server.
// The value is never echoed: it may hold a password.
import { CvctlError } from '../errors';

export const ACCEPTED_FORMS =
  'a URL, postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require] (or postgresql://), ' +
  "or libpq keyword/value settings, host=HOST port=5432 dbname=DATABASE user=USER (values with spaces in single quotes)";

const URL_SCHEMES = /^(postgres|postgresql|socket):/i;
const KEYWORD_START = /^\s*[a-z_]+\s*=/i;

/** Keywords mapped to where they go in the URL; others are refused by name (never by value). */
const IN_AUTHORITY = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password']);
const AS_PARAMETER = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'options']);

function invalid(why: string): CvctlError {
  return new CvctlError('USAGE', `the database URL (--database-url or DATABASE_URL) is not valid: ${why}. Accepted forms: ${ACCEPTED_FORMS}`);
}

/** A URL as given, or keyword/value settings turned into one; throws USAGE for anything else. */
export function normalizeDatabaseUrl(raw: string): string {
  const s = raw.trim();
  if (URL_SCHEMES.test(s)) {
    if (/^socket:/i.test(s)) return s;
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw invalid('it is not a well-formed URL');
    }
    if (u.hostname === '' && !u.searchParams.has('host')) throw invalid('the URL names no host');
    return s;
  }
  if (!KEYWORD_START.test(s)) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s)?.[1];
    throw invalid(scheme ? `${scheme}:// is not a PostgreSQL URL` : 'it is neither a postgres:// URL nor keyword=value settings');
  }
  return keywordsToUrl(parseKeywordValue(s));
}

/** libpq's conninfo syntax: key = value pairs; a value may be 'single quoted' with \' and \\. */
export function parseKeywordValue(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  while (true) {
    ws();
    if (i >= s.length) break;
    const key = /^[a-z_]+/i.exec(s.slice(i))?.[0];
    if (!key) throw invalid(`expected a keyword at character ${i + 1}`);
    i += key.length;
    ws();
    if (s[i] !== '=') throw invalid(`expected '=' after '${key}'`);
    i++;
    ws();
    let value = '';
    if (s[i] === "'") {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i++];
        if (c === '\\' && i < s.length) value += s[i++];
        else if (c === "'") {
          closed = true;
          break;
        } else value += c;
      }
      if (!closed) throw invalid(`the quoted value of '${key}' is not closed`);
    } else {
      while (i < s.length && !/\s/.test(s[i])) {
        const c = s[i++];
        value += c === '\\' && i < s.length ? s[i++] : c;
      }
    }
    out.set(key.toLowerCase(), value);
  }
  if (out.size === 0) throw invalid('no settings');
  return out;
}

function keywordsToUrl(kv: Map<string, string>): string {
  const unknown = [...kv.keys()].filter((k) => !IN_AUTHORITY.has(k) && !AS_PARAMETER.has(k));
  if (unknown.length > 0) throw invalid(`unsupported keyword${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `'${k}'`).join(', ')}`);
  const host = kv.get('hostaddr') || kv.get('host') || 'localhost';
  const port = kv.get('port');
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw invalid("'port' is not a number");
  const user = kv.get('user');
  const password = kv.get('password');
  const auth = user !== undefined ? `${encodeURIComponent(user)}${password !== undefined ? `:${encodeURIComponent(password)}` : ''}@` : '';
  const params = new URLSearchParams();
  for (const k of AS_PARAMETER) {
    const v = kv.get(k);
    if (v !== undefined) params.set(k, v);
  }
  const query = params.size > 0 ? `?${params.toString()}` : '';
  // A socket directory (host=/var/run/postgresql) is percent-encoded, as pg expects.
  const h = host.startsWith('/') ? encodeURIComponent(host) : host.includes(':') ? `[${host}]` : host;
  return `postgres://${auth}${h}${port ? `:${port}` : ''}/${encodeURIComponent(kv.get('dbname') ?? '')}${query}`;
}
