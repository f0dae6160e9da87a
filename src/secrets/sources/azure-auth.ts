// Azure "default credential", the minimal real subset, in DefaultAzureCredential's order:
//   1. AZURE_ACCESS_TOKEN: a ready bearer token (`az account get-access-token --resource
//      https://vault.azure.net`), for CI systems that mint one.
//   2. Environment / client secret: AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET,
//      client_credentials grant at {AZURE_AUTHORITY_HOST}/{tenant}/oauth2/v2.0/token.
//   3. Workload identity (AKS): AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_FEDERATED_TOKEN_FILE,
//      the same grant with the projected service-account token as client_assertion.
//   4. Managed identity: App Service / Functions (IDENTITY_ENDPOINT + IDENTITY_HEADER), else
//      IMDS at 169.254.169.254 (host overridable with AZURE_POD_IDENTITY_AUTHORITY_HOST, as
//      azure-identity does), with a short timeout; AZURE_CLIENT_ID selects a user-assigned
//      identity.
// Not supported: Azure CLI / PowerShell / developer credentials, certificates, Azure Arc.
//
// Errors thrown here carry no reference label (one token request serves every concurrent
// resolve); the backend prefixes its own.
import { promises as fsp } from 'node:fs';
import {
  credentialDefaults,
  type CredentialOptions,
  httpJson,
  isLoopbackHost,
  nonEmptyEnv,
  postTokenForm,
  SourceError,
  TokenCache,
  tokenFrom,
} from './common';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_IMDS_HOST = 'http://169.254.169.254';
export const DEFAULT_IMDS_TIMEOUT_MS = 3000;

export interface AzureAuthOptions extends CredentialOptions {
  /** Deadline for IMDS / the App Service identity endpoint (default 3 s). */
  imdsTimeoutMs?: number;
}

type Token = { token: string; expiresInSec: number };

export class AzureCredentials {
  readonly #o: Required<CredentialOptions>;
  readonly #imdsTimeoutMs: number;
  /** One cache per resource (https://vault.azure.net, or a sovereign cloud's). */
  readonly #caches = new Map<string, TokenCache>();

  constructor(opts: AzureAuthOptions = {}) {
    this.#o = credentialDefaults(opts);
    this.#imdsTimeoutMs = opts.imdsTimeoutMs ?? DEFAULT_IMDS_TIMEOUT_MS;
  }

  /** True when the token comes from AZURE_ACCESS_TOKEN (a 401 cannot be fixed by retrying). */
  get isFixedToken(): boolean {
    return nonEmptyEnv(this.#o.env, 'AZURE_ACCESS_TOKEN') !== undefined;
  }

  /** A bearer token for `resource` (e.g. https://vault.azure.net). */
  async accessToken(resource: string): Promise<string> {
    const direct = nonEmptyEnv(this.#o.env, 'AZURE_ACCESS_TOKEN');
    if (direct) return direct;
    let cache = this.#caches.get(resource);
    if (!cache) this.#caches.set(resource, (cache = new TokenCache(this.#o.now)));
    return cache.get(() => this.#fetchToken(resource));
  }

  invalidate(resource: string): void {
    this.#caches.get(resource)?.clear();
  }

  async #fetchToken(resource: string): Promise<Token> {
    const tenant = nonEmptyEnv(this.#o.env, 'AZURE_TENANT_ID');
    const clientId = nonEmptyEnv(this.#o.env, 'AZURE_CLIENT_ID');
    const secret = nonEmptyEnv(this.#o.env, 'AZURE_CLIENT_SECRET');
    const federatedFile = nonEmptyEnv(this.#o.env, 'AZURE_FEDERATED_TOKEN_FILE');
    if (tenant && clientId && secret) {
      return this.#clientCredentials(tenant, clientId, resource, { client_secret: secret }, [secret], 'client secret');
    }
    if (tenant && clientId && federatedFile) {
      let assertion: string;
      try {
        assertion = (await fsp.readFile(federatedFile, 'utf8')).trim();
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        throw new SourceError('auth', `AZURE_FEDERATED_TOKEN_FILE ${federatedFile} cannot be read (${String(code ?? 'error')})`);
      }
      return this.#clientCredentials(
        tenant,
        clientId,
        resource,
        { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
        [assertion],
        'workload identity',
      );
    }
    return this.#managedIdentity(resource, clientId);
  }

  async #clientCredentials(
    tenant: string,
    clientId: string,
    resource: string,
    proof: Record<string, string>,
    scrub: string[],
    how: string,
  ): Promise<Token> {
    const authority = nonEmptyEnv(this.#o.env, 'AZURE_AUTHORITY_HOST') ?? DEFAULT_AUTHORITY_HOST;
    let url: URL;
    try {
      url = new URL(`${encodeURIComponent(tenant)}/oauth2/v2.0/token`, authority.endsWith('/') ? authority : `${authority}/`);
    } catch {
      throw new SourceError('auth', 'AZURE_AUTHORITY_HOST is not a URL');
    }
    // The client secret travels in this request: never over plain http to a remote host.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new SourceError('auth', 'AZURE_AUTHORITY_HOST must be https (http only for 127.0.0.1/localhost)');
    }
    const label = `Entra ID token for client ${clientId} in tenant ${tenant} (${how})`;
    const form = { grant_type: 'client_credentials', client_id: clientId, scope: `${resource}/.default`, ...proof };
    return postTokenForm(this.#o, label, url, form, scrub);
  }

  async #managedIdentity(resource: string, clientId: string | undefined): Promise<Token> {
    const endpoint = nonEmptyEnv(this.#o.env, 'IDENTITY_ENDPOINT');
    const header = nonEmptyEnv(this.#o.env, 'IDENTITY_HEADER');
    let url: URL;
    let headers: Record<string, string>;
    let where: string;
    try {
      if (endpoint && header) {
        // App Service / Functions: a local endpoint guarded by a per-process header secret.
        url = new URL(endpoint);
        url.searchParams.set('api-version', '2019-08-01');
        headers = { 'X-IDENTITY-HEADER': header };
        where = 'the App Service identity endpoint';
      } else {
        const host = nonEmptyEnv(this.#o.env, 'AZURE_POD_IDENTITY_AUTHORITY_HOST') ?? DEFAULT_IMDS_HOST;
        url = new URL('metadata/identity/oauth2/token', host.endsWith('/') ? host : `${host}/`);
        url.searchParams.set('api-version', '2018-02-01');
        headers = { Metadata: 'true' };
        where = 'IMDS';
      }
    } catch {
      throw new SourceError('auth', 'IDENTITY_ENDPOINT / AZURE_POD_IDENTITY_AUTHORITY_HOST is not a URL');
    }
    url.searchParams.set('resource', resource);
    if (clientId) url.searchParams.set('client_id', clientId);
    const label = `Azure managed identity token from ${where}${clientId ? ` (client ${clientId})` : ''}`;

    let res;
    try {
      res = await httpJson(this.#o.fetch, label, url, { method: 'GET', headers }, this.#imdsTimeoutMs, where);
    } catch {
      // Off Azure nothing answers: the common case on a laptop, and not worth retrying.
      throw new SourceError(
        'auth',
        'no Azure credentials: set AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (or AZURE_FEDERATED_TOKEN_FILE), ' +
          `or AZURE_ACCESS_TOKEN, or run with a managed identity (${where} did not answer)`,
        { retryable: false },
      );
    }
    if (res.status === 400 && where === 'IMDS') {
      // IMDS answers 400 "Identity not found" when no (or another) identity is assigned.
      throw new SourceError('auth', `${label}: no managed identity is assigned to this machine${clientId ? ' with that client id' : ''}`);
    }
    return tokenFrom(res.status, res.json, label, this.#o.now);
  }
}

/**
 * The token resource of a vault: https://vault.azure.net for *.vault.azure.net, and the
 * matching one for sovereign clouds (*.vault.azure.cn, *.vault.usgovcloudapi.net, ...).
 * Anything else (an emulator, a private-link alias) gets the public cloud's.
 */
export function keyVaultResource(vaultUrl: URL): string {
  const m = /\.(vault\.[a-z0-9.-]+)$/i.exec(vaultUrl.hostname);
  return m ? `https://${m[1]!.toLowerCase()}` : 'https://vault.azure.net';
}
