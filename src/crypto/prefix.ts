// The credential prefix shown in plans and stored in credential_prefix. ONE rule for every
// credential field of every kind, enforced here and nowhere else (plan, apply, drift and the
// stored prefix shown as a plan's "before" all come through this file):
//
//   - a prefix is at most a quarter of the value AND at most MAX_PREFIX (12) characters;
//   - a value that does not look like its field shows no prefix at all (null): an AWS access
//     key id must be AKIA/ASIA + 16 of [A-Z0-9]; a service-account JSON must be a JSON object
//     whose client_email is a Google service-account address; an API key or other secret must
//     be one token of key characters (no spaces, ':', '@', control characters: a DATABASE_URL or
//     the content of /proc/self/environ is not an API key);
//   - the AWS secret access key and session token never show anything.
//
// CONTRACT.md §1 says "the vendor prefix plus at most 4 more (never more than a quarter); for a
// service-account JSON, its client_email; for AWS keys, the access key id". Issue 11's bound
// wins where they meet: an access key id shows `AKIA` + at most 1 more (a quarter of 20 is 5),
// a client_email its first 12 characters, an Anthropic key `sk-ant-api03` (12). Enough for a
// human to tell keys apart, never enough to matter. docs/security.md explains the choice.
import type { ProviderKind } from '../domain/kinds';
import { SecretValue } from '../secrets/resolver';

/** The hard cap on a prefix's length, whatever the field or value. */
export const MAX_PREFIX = 12;

/**
 * Known vendor key prefixes. Matched longest-first, so `sk-ant-api03-` wins over `sk-`:
 * the vendor part says which product/key type it is and carries no entropy.
 */
export const VENDOR_PREFIXES: readonly string[] = [
  // OpenAI (project, service account, admin, legacy user keys); DeepSeek and Moonshot use sk-
  'sk-proj-',
  'sk-svcacct-',
  'sk-admin-',
  'sk-None-',
  // Anthropic
  'sk-ant-api03-',
  'sk-ant-admin01-',
  'sk-ant-oat01-',
  'sk-ant-',
  // OpenRouter (an openai-compatible target)
  'sk-or-v1-',
  'sk-',
  // Groq, Google AI Studio, xAI, Perplexity, and common openai-compatible hosts
  'gsk_',
  'AIza',
  'xai-',
  'pplx-',
  'csk-',
  'nvapi-',
  'hf_',
  'r8_',
  'fw_',
  'tgp_v1_',
].slice().sort((a, b) => b.length - a.length);

/** Extra characters shown after the vendor prefix (or from the start, without one). */
const EXTRA = 4;

/** The longest known vendor prefix `key` starts with, or ''. */
export function vendorPrefix(key: string): string {
  for (const p of VENDOR_PREFIXES) if (key.startsWith(p)) return p;
  return '';
}

/** Characters an API key, client secret or id is made of (base64, base64url, hex, `~`, `.`). */
const KEY_TOKEN = /^[A-Za-z0-9_\-.~+/=]+$/;

/** An AWS access key id: long-term (AKIA) or temporary (ASIA). */
export const AWS_ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;

/**
 * A Google service-account address (`name@project.iam.gserviceaccount.com`, and the older
 * `@appspot` / `@developer.gserviceaccount.com` forms): the only client_email a real key has.
 */
export const SERVICE_ACCOUNT_EMAIL = /^[a-z0-9][a-z0-9._-]{0,99}@(?:[a-z0-9-]+\.)*gserviceaccount\.com$/;

/** The longest a prefix of a value of `length` characters may be: a quarter, at most 12. */
export function prefixBound(length: number): number {
  return Math.min(MAX_PREFIX, Math.floor(length / 4));
}

/** The generic rule for an API key / secret string. null when nothing can be shown. */
export function keyPrefix(key: string): string | null {
  if (!KEY_TOKEN.test(key)) return null;
  // The quarter cap holds even inside the vendor prefix: a short test key `sk-test-123`
  // shows only `sk`, so a prefix is never a large part of a short secret.
  const n = Math.min(vendorPrefix(key).length + EXTRA, prefixBound(key.length));
  return n > 0 ? key.slice(0, n) : null;
}

/**
 * The prefix of one credential field. The field decides how the value is read (AWS ids,
 * a service-account JSON, a key); `primaryCredentialField(kind)` says which field's prefix
 * is stored. Whatever the rule, the result passes the bound (checked last, on purpose).
 */
export function credentialPrefix(_kind: ProviderKind, field: string, value: SecretValue): string | null {
  const v = value.reveal();
  const p = fieldPrefix(field, v);
  return p !== null && p.length > 0 && p.length <= prefixBound(v.length) ? p : null;
}

function fieldPrefix(field: string, v: string): string | null {
  switch (field) {
    case 'serviceAccountJson': {
      // The address is not secret, but a prefix is a prefix: its first 12 characters.
      const email = serviceAccountEmail(v);
      return email === null ? null : email.slice(0, prefixBound(v.length));
    }
    case 'accessKeyId':
      // An identifier, but only an AWS one: anything else (a URL, a file's content) shows nothing.
      // `AKIA`/`ASIA` names the key type; the bound (a quarter of 20) leaves one more character.
      return AWS_ACCESS_KEY_ID.test(v) ? v.slice(0, Math.min(4 + EXTRA, prefixBound(v.length))) : null;
    case 'secretAccessKey':
    case 'sessionToken':
      // AWS secrets have no vendor prefix: any part of them is entropy.
      return null;
    default:
      return keyPrefix(v);
  }
}

/**
 * A prefix read back from the database, as it may be shown (a plan's "before"). Rows written
 * by an older cvctl may hold more than today's rule allows (a whole access key id or client
 * email, or whatever value a bedrock reference pointed at). The value's length is unknown
 * here, so the stored text is cut to what the rule would show at most for the field, and
 * not shown at all when it does not have the field's shape.
 */
export function storedPrefixShown(field: string, stored: string | null): string | null {
  if (stored === null || stored === '') return null;
  switch (field) {
    case 'serviceAccountJson':
      return /^[a-z0-9][a-z0-9._@-]*$/.test(stored) ? stored.slice(0, MAX_PREFIX) : null;
    case 'accessKeyId':
      // The rule shows at most 5 characters of a 20-character id.
      return /^(AKIA|ASIA)[A-Z0-9]*$/.test(stored) ? stored.slice(0, prefixBound(20)) : null;
    case 'secretAccessKey':
    case 'sessionToken':
      return null;
    default:
      return KEY_TOKEN.test(stored) ? stored.slice(0, MAX_PREFIX) : null;
  }
}

function serviceAccountEmail(v: string): string | null {
  const sa = parseObject(v);
  if (sa === null || (sa.type !== undefined && sa.type !== 'service_account')) return null;
  const email = sa.client_email;
  return typeof email === 'string' && SERVICE_ACCOUNT_EMAIL.test(email) ? email : null;
}

function parseObject(v: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(v);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Shape check of a Google service-account key: an error message (never quoting the
 * value, nor JSON.parse's message, which does) or null when it looks usable.
 */
export function checkServiceAccountJson(v: SecretValue): string | null {
  const text = v.reveal();
  if (text.trim() === '') return 'the service account JSON is empty';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'the service account JSON is not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'the service account JSON must be a JSON object';
  }
  const sa = parsed as Record<string, unknown>;
  if (sa.type !== undefined && sa.type !== 'service_account') {
    return 'the service account JSON must have "type": "service_account"';
  }
  const missing = ['client_email', 'private_key'].filter((k) => typeof sa[k] !== 'string' || sa[k] === '');
  if (missing.length > 0) {
    return `the service account JSON is missing ${missing.map((k) => `"${k}"`).join(' and ')}`;
  }
  if (!/^[^@\s]+@[^@\s]+$/.test(sa.client_email as string)) {
    return 'the service account JSON has a "client_email" that is not an email address';
  }
  if (!(sa.private_key as string).includes('PRIVATE KEY')) {
    return 'the service account JSON has a "private_key" that is not a PEM private key';
  }
  return null;
}
