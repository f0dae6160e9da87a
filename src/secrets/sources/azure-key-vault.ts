// `from: azure-key-vault`: a secret of Azure Key Vault over its REST API:
//
//   GET {vaultUrl}/secrets/{name}[/{version}]?api-version=7.4
//   Authorization: Bearer <token from the Azure default credential (azure-auth.ts)>
//
//   vaultUrl  e.g. https://my-vault.vault.azure.net. Must be https: the bearer token is sent
//             to it. http is allowed only for 127.0.0.1 / localhost / [::1] (emulators).
//   name      the secret's name
//   version   optional: a fixed version id (else the current one)
//
// Env (credentials only): AZURE_ACCESS_TOKEN, AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_CLIENT_SECRET, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST, IDENTITY_ENDPOINT,
// IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST.
import type { SecretRef } from '../../domain/types';
import type { SecretBackend, SecretValue } from '../resolver';
import {
  checkedValue,
  DEFAULT_TIMEOUT_MS,
  getWithBearer,
  isLoopbackHost,
  isRetryableStatus,
  serverText,
  SourceError,
} from './common';
import { AzureCredentials, keyVaultResource, type AzureAuthOptions } from './azure-auth';

const SOURCE = 'azure-key-vault';
export const KEY_VAULT_API_VERSION = '7.4';
const NAME_RE = /^[0-9A-Za-z-]{1,127}$/;
const VERSION_RE = /^[0-9A-Za-z]{1,64}$/;

export interface AzureBackendOptions extends AzureAuthOptions {
  credentials?: AzureCredentials;
}

interface KeyVaultErrorBody {
  error?: { code?: unknown; message?: unknown; innererror?: { code?: unknown } | null };
}

/** `vaultUrl` checked and normalised (no trailing slash), or a SourceError. */
export function parseVaultUrl(raw: unknown, label: string): URL {
  let url: URL;
  try {
    url = new URL(String(raw ?? ''));
  } catch {
    throw new SourceError('config', `${label}: 'vaultUrl' is not a URL (e.g. https://my-vault.vault.azure.net)`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new SourceError('config', `${label}: 'vaultUrl' must be https (http is allowed only for 127.0.0.1/localhost)`);
  }
  if (url.search || url.hash || url.username || url.password || (url.pathname !== '/' && url.pathname !== '')) {
    throw new SourceError('config', `${label}: 'vaultUrl' must be just the vault's address, e.g. https://my-vault.vault.azure.net`);
  }
  return url;
}

export class AzureKeyVaultBackend implements SecretBackend {
  readonly source = 'azure-key-vault' as const;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #credentials: AzureCredentials;

  constructor(opts: AzureBackendOptions = {}) {
    this.#fetch = opts.fetch ?? fetch;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#credentials = opts.credentials ?? new AzureCredentials(opts);
  }

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const name = typeof ref.name === 'string' ? ref.name.trim() : '';
    const version = ref.version === undefined || ref.version === null || ref.version === '' ? undefined : String(ref.version).trim();
    const where = typeof ref.vaultUrl === 'string' ? ref.vaultUrl.replace(/\/+$/, '') : '';
    const label = `${SOURCE} secret '${name}' in ${where || '(no vaultUrl)'}${version ? ` (version ${version})` : ''}`;

    if (name === '') throw new SourceError('config', `an ${SOURCE} secret reference needs 'name'`);
    if (!NAME_RE.test(name)) throw new SourceError('config', `${label}: 'name' may contain only letters, digits and '-' (1-127)`);
    if (version !== undefined && !VERSION_RE.test(version)) {
      throw new SourceError('config', `${label}: 'version' must be a Key Vault version id (letters and digits)`);
    }
    const vault = parseVaultUrl(ref.vaultUrl, label);
    const resource = keyVaultResource(vault);

    const url = new URL(`secrets/${encodeURIComponent(name)}${version ? `/${encodeURIComponent(version)}` : ''}`, vault);
    url.searchParams.set('api-version', KEY_VAULT_API_VERSION);
    const token = () => this.#credentials.accessToken(resource);
    const res = await getWithBearer(this.#fetch, label, url, token, this.#timeoutMs, 'Key Vault');

    if (res.status === 200) {
      const body = (res.json ?? {}) as { value?: unknown; attributes?: { enabled?: unknown } };
      if (body.attributes?.enabled === false) throw disabled(label);
      if (typeof body.value !== 'string') throw new SourceError('malformed', `${label}: the response has no value`);
      return checkedValue(label, body.value);
    }

    const err = (res.json as KeyVaultErrorBody | undefined)?.error ?? {};
    const code = typeof err.code === 'string' ? err.code : '';
    const inner = typeof err.innererror?.code === 'string' ? err.innererror.code : '';
    const message = serverText(err.message);
    const detail = message ? `: ${message}` : '';

    if (res.status === 404 || code === 'SecretNotFound') {
      throw new SourceError('not-found', `${label} was not found${code && code !== 'SecretNotFound' ? ` (${code})` : ''}`);
    }
    if (res.status === 403) {
      if (inner === 'SecretDisabled' || /disabled/i.test(message)) throw disabled(label);
      const firewall = inner === 'ForbiddenByFirewall' || inner === 'ForbiddenByConnection';
      throw new SourceError(
        'access-denied',
        firewall
          ? `${label}: forbidden by the vault's network rules (${inner})${detail}`
          : `${label}: forbidden: the identity needs the secrets/get permission (an access policy with Get on secrets, or the RBAC role "Key Vault Secrets User")${detail}`,
      );
    }
    if (res.status === 401) {
      // Key Vault names the tenant it expects in its challenge: the usual cause of a 401
      // is a token from another tenant.
      const challenge = res.headers.get('www-authenticate') ?? '';
      const authority = /authorization(?:_uri)?="([^"]+)"/i.exec(challenge)?.[1];
      this.#credentials.invalidate(resource);
      const fixed = this.#credentials.isFixedToken;
      throw new SourceError(
        'auth',
        `${label}: Key Vault rejected the token (401${code ? ` ${code}` : ''})${authority ? `; the vault expects a token from ${serverText(authority, 120)}` : ''}`,
        { retryable: !fixed },
      );
    }
    if (isRetryableStatus(res.status)) {
      throw new SourceError('unavailable', `${label}: Key Vault answered HTTP ${res.status}${code ? ` ${code}` : ''}`);
    }
    throw new SourceError('config', `${label}: Key Vault answered HTTP ${res.status}${code ? ` ${code}` : ''}${detail}`);
  }
}

function disabled(label: string): SourceError {
  return new SourceError('disabled', `${label} is disabled (enable it, or reference an enabled version)`);
}
