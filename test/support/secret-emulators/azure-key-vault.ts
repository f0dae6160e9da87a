// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// Azure Key Vault's data-plane REST API, Get Secret only:
//   GET /secrets/{name}[/{version}]?api-version=7.x   Authorization: Bearer <token>
// Secrets have versions (32 hex characters, as real ones) each enabled or disabled. Errors
// use Key Vault's envelope {"error": {"code", "message", "innererror"?: {"code"}}}:
//   401 + WWW-Authenticate challenge (no or unknown token), 404 SecretNotFound,
//   403 Forbidden / ForbiddenByRbac (denied), 403 Forbidden / SecretDisabled (disabled),
//   429 Throttled with Retry-After, 500.
import { randomBytes } from 'node:crypto';
import { HttpEmulator, bearer, json, type EmuRequest, type EmuResponse } from './http-emulator';

export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
export const EMULATOR_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

interface KvVersion {
  id: string;
  value: string;
  enabled: boolean;
  created: number;
}

const kvError = (status: number, code: string, message: string, inner?: string, headers: Record<string, string> = {}): EmuResponse =>
  json(status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } }, headers);

export class AzureKeyVaultEmulator extends HttpEmulator {
  readonly #tokens = new Set<string>();
  readonly #secrets = new Map<string, KvVersion[]>(); // by lower-cased name (names are case-insensitive)
  readonly #denied = new Set<string>();
  #url = '';

  override async start() {
    const h = await super.start();
    this.#url = h.url;
    return h;
  }

  /** Accepts a token, if it was minted for Key Vault (a token for another resource is a 401). */
  addToken(token: string, resource: string = KEY_VAULT_RESOURCE): void {
    if (resource === KEY_VAULT_RESOURCE) this.#tokens.add(token);
  }

  /** Set Secret: a new current version; returns its id. */
  setSecret(name: string, value: string, opts: { enabled?: boolean } = {}): string {
    const key = name.toLowerCase();
    const versions = this.#secrets.get(key) ?? [];
    const id = randomBytes(16).toString('hex');
    versions.push({ id, value, enabled: opts.enabled ?? true, created: Math.floor(Date.now() / 1000) });
    this.#secrets.set(key, versions);
    return id;
  }

  /** Update Secret attributes: enable or disable one version (default: the current one). */
  setEnabled(name: string, enabled: boolean, version?: string): void {
    const versions = this.#secrets.get(name.toLowerCase()) ?? [];
    const v = version ? versions.find((x) => x.id === version) : versions[versions.length - 1];
    if (!v) throw new Error(`emulator: no such secret/version ${name}/${version ?? ''}`);
    v.enabled = enabled;
  }

  /** The caller's RBAC role / access policy lacks secrets/get for this secret. */
  deny(name: string): void {
    this.#denied.add(name.toLowerCase());
  }

  protected operation(req: EmuRequest): string {
    return /^\/secrets\/[^/]+(\/[^/]+)?$/.test(req.url.pathname) ? 'GetSecret' : `${req.method} ${req.url.pathname}`;
  }

  protected throttled(): EmuResponse {
    return kvError(
      429,
      'Throttled',
      'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
      undefined,
      { 'retry-after': '1' },
    );
  }

  protected serverError(): EmuResponse {
    return kvError(500, 'InternalServerError', 'An unexpected error occurred.');
  }

  protected handle(req: EmuRequest): EmuResponse {
    const token = bearer(req);
    if (!token || !this.#tokens.has(token)) {
      return kvError(401, 'Unauthorized', token ? 'AKV10032: Invalid issuer.' : 'AKV10000: Request is missing a Bearer or PoP token.', undefined, {
        'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${EMULATOR_TENANT}", resource="${KEY_VAULT_RESOURCE}"`,
      });
    }
    const api = req.url.searchParams.get('api-version');
    if (!api) return kvError(400, 'BadParameter', 'The api-version query parameter is missing.');
    if (!/^7\.\d+$/.test(api)) return kvError(400, 'BadParameter', `The specified version (${api}) is not recognized.`);
    const m = /^\/secrets\/([^/]+)(?:\/([^/]+))?\/?$/.exec(req.url.pathname);
    if (req.method !== 'GET' || !m) return kvError(400, 'BadParameter', 'Method or path not supported by the emulator.');
    const name = decodeURIComponent(m[1]!);
    const version = m[2] === undefined ? undefined : decodeURIComponent(m[2]);

    if (this.#denied.has(name.toLowerCase())) {
      return kvError(
        403,
        'Forbidden',
        'Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\n' +
          `Caller: appid=00000000-0000-0000-0000-000000000001\r\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\r\nResource: '/secrets/${name}'\r\nAssignment: (not found)\r\n`,
        'ForbiddenByRbac',
      );
    }
    const versions = this.#secrets.get(name.toLowerCase());
    const v = versions && (version ? versions.find((x) => x.id === version) : versions[versions.length - 1]);
    if (!v) {
      return kvError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${version ? `${name}/${version}` : name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    }
    if (!v.enabled) return kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    return json(200, {
      value: v.value,
      id: `${this.#url}/secrets/${name}/${v.id}`,
      attributes: { enabled: true, created: v.created, updated: v.created, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
      tags: {},
    });
  }
}
