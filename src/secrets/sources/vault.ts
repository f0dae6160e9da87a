// `from: vault`: one field of a HashiCorp Vault KV version 2 secret, over Vault's HTTP API:
//
//   GET {VAULT_ADDR}/v1/{mount}/data/{path}[?version=N]
//   X-Vault-Token: $VAULT_TOKEN (else the CLI's token file ~/.vault-token)
//   X-Vault-Namespace: $VAULT_NAMESPACE (Vault Enterprise / HCP), only when set
//
//   path     the secret's path inside the mount
//   field    the key of data.data to use
//   mount    the KV v2 mount (default `secret`)
//   version  optional: a fixed version (else the latest)
//
// Env: VAULT_ADDR (required), VAULT_TOKEN, VAULT_NAMESPACE, HOME (for ~/.vault-token).
// Not supported (yet): VAULT_CACERT / VAULT_CLIENT_CERT / VAULT_SKIP_VERIFY (Node's fetch
// uses the system CA store; set NODE_EXTRA_CA_CERTS for a private CA) and KV version 1.
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SecretRef } from '../../domain/types';
import type { SecretBackend, SecretValue } from '../resolver';
import {
  DEFAULT_TIMEOUT_MS,
  httpJson,
  isRetryableStatus,
  nonEmptyEnv,
  pickField,
  serverText,
  SourceError,
  type SourceOptions,
} from './common';

const SOURCE = 'vault';
export const DEFAULT_VAULT_MOUNT = 'secret';

interface VaultBody {
  errors?: unknown;
  data?: {
    data?: Record<string, unknown> | null;
    metadata?: { version?: number; deletion_time?: string; destroyed?: boolean } | null;
  } | null;
}

export class VaultBackend implements SecretBackend {
  readonly source = 'vault' as const;
  readonly #env: NodeJS.ProcessEnv;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;

  constructor(opts: SourceOptions = {}) {
    this.#env = opts.env ?? process.env;
    this.#fetch = opts.fetch ?? fetch;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const mount = trimSlashes(typeof ref.mount === 'string' && ref.mount !== '' ? ref.mount : DEFAULT_VAULT_MOUNT);
    const secretPath = trimSlashes(typeof ref.path === 'string' ? ref.path : '');
    const field = ref.field;
    const namespace = nonEmptyEnv(this.#env, 'VAULT_NAMESPACE');
    const version = parseVersion(ref.version);
    const extras = [version !== undefined ? `version ${version}` : '', namespace ? `namespace ${namespace}` : ''].filter(Boolean);
    const where = extras.length ? ` (${extras.join(', ')})` : '';
    // `secret` names the secret (for messages about its field); `label` also names the field.
    const secret = `${SOURCE} secret '${mount}/${secretPath}'${where}`;
    const label = `${SOURCE} secret '${mount}/${secretPath}' field '${String(field ?? '')}'${where}`;

    if (secretPath === '') throw new SourceError('config', `a ${SOURCE} secret reference needs 'path'`);
    if (typeof field !== 'string' || field === '') throw new SourceError('config', `${label}: the reference needs 'field'`);
    if (version === null) throw new SourceError('config', `${label}: 'version' must be a positive integer`);
    // `.` and `..` segments would be collapsed by URL parsing and read ANOTHER secret.
    for (const seg of [...mount.split('/'), ...secretPath.split('/')]) {
      if (seg === '' || seg === '.' || seg === '..') {
        throw new SourceError('config', `${label}: 'path' and 'mount' may not contain empty, '.' or '..' segments`);
      }
    }

    const addr = nonEmptyEnv(this.#env, 'VAULT_ADDR');
    if (!addr) {
      throw new SourceError('config', `${label}: VAULT_ADDR is not set (e.g. VAULT_ADDR=https://vault.example.com:8200)`);
    }
    let base: URL;
    try {
      base = new URL(addr.endsWith('/') ? addr : `${addr}/`);
    } catch {
      throw new SourceError('config', `${label}: VAULT_ADDR is not a URL`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') {
      throw new SourceError('config', `${label}: VAULT_ADDR must be an http(s) URL`);
    }
    const token = await this.#token(label);

    const encode = (p: string) => p.split('/').map(encodeURIComponent).join('/');
    const policyPath = `${mount}/data/${secretPath}`;
    const url = new URL(`v1/${encode(mount)}/data/${encode(secretPath)}`, base);
    if (version !== undefined) url.searchParams.set('version', String(version));
    // X-Vault-Request: what the Vault CLI sends; Vault Agent's listener can require it (SSRF guard).
    const headers: Record<string, string> = { 'X-Vault-Token': token, 'X-Vault-Request': 'true', Accept: 'application/json' };
    if (namespace) headers['X-Vault-Namespace'] = namespace;

    const res = await httpJson(this.#fetch, label, url, { method: 'GET', headers }, this.#timeoutMs, 'Vault');
    const body = (typeof res.json === 'object' && res.json !== null ? res.json : {}) as VaultBody;
    const errors = Array.isArray(body.errors) ? body.errors.map((x) => serverText(x)).filter(Boolean).join('; ') : '';

    if (res.status === 200 || res.status === 404) {
      // A deleted or destroyed version comes back with data null and its metadata (a 404
      // since Vault 1.x, a 200 on some versions): the secret exists, this version is gone.
      const meta = body.data?.metadata;
      if (meta && (body.data?.data === null || body.data?.data === undefined)) {
        const v = meta.version ?? version ?? 'latest';
        if (meta.destroyed === true) {
          throw new SourceError('disabled', `${label}: version ${v} is destroyed (its data is gone; reference another version)`);
        }
        if (typeof meta.deletion_time === 'string' && meta.deletion_time !== '') {
          throw new SourceError('disabled', `${label}: version ${v} was deleted at ${meta.deletion_time} (undelete it, or reference another version)`);
        }
      }
      if (res.status === 404) {
        if (/no handler for route/i.test(errors)) {
          throw new SourceError('not-found', `${label}: there is no mount '${mount}' at ${base.origin} (or it is not a KV v2 secrets engine)`);
        }
        throw new SourceError('not-found', `${label} was not found (no secret at ${policyPath}${version !== undefined ? ` version ${version}` : ''})`);
      }
      const data = body.data?.data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        throw new SourceError('malformed', `${label}: the response has no data.data object (is '${mount}' a KV v2 mount?)`);
      }
      return pickField(secret, data, field);
    }
    if (res.status === 403) {
      throw new SourceError(
        'access-denied',
        `${label}: permission denied: the token's policies must grant "read" on path "${policyPath}"${namespace ? ` in namespace ${namespace}` : ''} (or the token is invalid or expired)`,
      );
    }
    if (res.status === 401) {
      throw new SourceError('auth', `${label}: Vault rejected the token${errors ? ` (${errors})` : ''}`);
    }
    // 412: a performance standby has not yet caught up (Enterprise): retry. 503: sealed or standby.
    if (isRetryableStatus(res.status) || res.status === 412) {
      throw new SourceError('unavailable', `${label}: Vault answered HTTP ${res.status}${errors ? ` (${errors})` : ''}`);
    }
    throw new SourceError('config', `${label}: Vault answered HTTP ${res.status}${errors ? ` (${errors})` : ''}`);
  }

  /** VAULT_TOKEN, else the token file the Vault CLI writes on `vault login`. */
  async #token(label: string): Promise<string> {
    const fromEnv = nonEmptyEnv(this.#env, 'VAULT_TOKEN');
    if (fromEnv) return fromEnv;
    const home = nonEmptyEnv(this.#env, 'HOME', 'USERPROFILE') ?? os.homedir();
    const file = path.join(home, '.vault-token');
    try {
      const t = (await fsp.readFile(file, 'utf8')).trim();
      if (t !== '') return t;
    } catch {
      // fall through: no token file is the common case, reported below
    }
    throw new SourceError('auth', `${label}: no Vault token: set VAULT_TOKEN, or run 'vault login' (writes ${file})`);
  }
}

function trimSlashes(s: string): string {
  return s.trim().replace(/^\/+|\/+$/g, '');
}

/** undefined: no version; null: invalid; else a positive integer. */
function parseVersion(v: unknown): number | undefined | null {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
