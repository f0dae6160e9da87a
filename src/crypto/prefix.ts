// The credential prefix shown in plans and stored in credential_prefix (CONTRACT.md §1):
// "the first characters of the key up to the vendor prefix plus at most 4 more (never more
// than a quarter of the value); for a service-account JSON, its client_email; for AWS keys,
// the access key id". Enough for a human to tell keys apart, never enough to matter.
import type { ProviderKind } from '../domain/kinds';
import { SecretValue } from '../secrets/resolver';

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

/** The generic rule for an API key / secret string. null when nothing can be shown. */
export function keyPrefix(key: string): string | null {
  const quarter = Math.floor(key.length / 4);
  // The quarter cap holds even inside the vendor prefix: a short test key `sk-test-123`
  // shows only `sk`, so a prefix is never a large part of a short secret.
  const n = Math.min(vendorPrefix(key).length + EXTRA, quarter);
  return n > 0 ? key.slice(0, n) : null;
}

/**
 * The prefix of one credential field. `kind` decides how fields are read (bedrock's AWS
 * ids, vertex's JSON); `primaryCredentialField(kind)` says which field's prefix is stored.
 */
export function credentialPrefix(kind: ProviderKind, field: string, value: SecretValue): string | null {
  const v = value.reveal();
  switch (field) {
    case 'serviceAccountJson':
      return serviceAccountEmail(v);
    case 'accessKeyId':
      // An AWS access key id is an identifier (the secret is secretAccessKey): shown whole.
      if (kind === 'bedrock') return v.trim() === '' ? null : v.trim();
      return keyPrefix(v);
    case 'secretAccessKey':
    case 'sessionToken':
      if (kind === 'bedrock') return null;
      return keyPrefix(v);
    default:
      return keyPrefix(v);
  }
}

function serviceAccountEmail(v: string): string | null {
  const sa = parseObject(v);
  const email = sa?.client_email;
  return typeof email === 'string' && email !== '' ? email : null;
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
