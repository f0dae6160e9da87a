// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// The Microsoft Entra ID token endpoint and Azure's managed-identity endpoints, on one port:
//   POST /{tenant}/oauth2/v2.0/token   client_credentials, with client_secret or with a
//        federated client_assertion (workload identity); scope must be <resource>/.default
//   GET  /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...   (IMDS;
//        requires `Metadata: true`)  — what AZURE_POD_IDENTITY_AUTHORITY_HOST points at
//   GET  /msi/token?api-version=2019-08-01&resource=...   (App Service; requires
//        X-IDENTITY-HEADER)  — what IDENTITY_ENDPOINT points at
// Errors use AAD's shape: {"error": "invalid_client", "error_description": "AADSTS...", "error_codes": [...]}.
// Issued tokens are handed to `grant` with their resource, so the Key Vault emulator accepts
// exactly these (and only those minted for the vault resource).
import { randomBytes } from 'node:crypto';
import { HttpEmulator, formBody, json, type EmuRequest, type EmuResponse } from './http-emulator';

export interface AzureApp {
  tenant: string;
  clientId: string;
  clientSecret?: string;
  /** A federated credential: the exact assertion (Kubernetes SA token) accepted. */
  federatedAssertion?: string;
}

export interface IssuedAzureToken {
  token: string;
  clientId: string;
  via: 'client_secret' | 'client_assertion' | 'imds' | 'app-service';
  resource: string;
}

const aadError = (status: number, error: string, code: number, description: string): EmuResponse =>
  json(status, { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString() });

export class AzureIdentityEmulator extends HttpEmulator {
  readonly issued: IssuedAzureToken[] = [];
  tokenLifetimeSec = 3599;
  /** The managed identity assigned to "this machine" (IMDS), or none. */
  managedIdentityClientId: string | undefined;
  /** The per-process secret App Service puts in IDENTITY_HEADER. */
  appServiceHeader = `ih-${randomBytes(8).toString('hex')}`;
  readonly #apps = new Map<string, AzureApp>(); // by client id

  constructor(private readonly grant: (token: string, resource: string) => void) {
    super();
  }

  addApp(app: AzureApp): void {
    this.#apps.set(app.clientId, app);
  }

  protected operation(req: EmuRequest): string {
    if (req.url.pathname.startsWith('/metadata/identity/')) return 'imds-token';
    if (req.url.pathname === '/msi/token') return 'app-service-token';
    return req.url.pathname.endsWith('/oauth2/v2.0/token') ? 'token' : req.url.pathname;
  }

  protected throttled(): EmuResponse {
    return { ...aadError(429, 'temporarily_unavailable', 50196, 'The server terminated an operation because it encountered a client request loop.'), headers: { 'content-type': 'application/json', 'retry-after': '1' } };
  }

  protected serverError(): EmuResponse {
    return aadError(503, 'temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.');
  }

  protected handle(req: EmuRequest): EmuResponse {
    if (req.method === 'GET' && req.url.pathname === '/metadata/identity/oauth2/token') return this.#imds(req);
    if (req.method === 'GET' && req.url.pathname === '/msi/token') return this.#appService(req);
    const m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.url.pathname);
    if (req.method !== 'POST' || !m) return json(404, { error: 'not_found' });
    const tenant = decodeURIComponent(m[1]!);
    const form = formBody(req);
    if (form.grant_type !== 'client_credentials') {
      return aadError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const app = this.#apps.get(form.client_id ?? '');
    if (!app || app.tenant !== tenant) {
      return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id ?? ''}' was not found in the directory '${tenant}'.`);
    }
    const resource = /^(.+)\/\.default$/.exec(form.scope ?? '')?.[1];
    if (!resource) return aadError(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid.');
    if (form.client_secret !== undefined) {
      if (form.client_secret !== app.clientSecret) {
        return aadError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.');
      }
      return this.#issue(app.clientId, 'client_secret', resource);
    }
    if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || form.client_assertion !== app.federatedAssertion) {
        return aadError(401, 'invalid_client', 700211, 'No matching federated identity record found for presented assertion.');
      }
      return this.#issue(app.clientId, 'client_assertion', resource);
    }
    return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }

  #imds(req: EmuRequest): EmuResponse {
    if (req.headers.metadata !== 'true') return json(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    if (req.url.searchParams.get('api-version') !== '2018-02-01') return json(400, { error: 'invalid_request', error_description: 'Invalid api-version' });
    return this.#managed(req, 'imds');
  }

  #appService(req: EmuRequest): EmuResponse {
    if (req.headers['x-identity-header'] !== this.appServiceHeader) return json(401, { statusCode: 401, message: 'Unauthorized' });
    return this.#managed(req, 'app-service');
  }

  #managed(req: EmuRequest, via: 'imds' | 'app-service'): EmuResponse {
    const resource = req.url.searchParams.get('resource');
    if (!resource) return json(400, { error: 'invalid_request', error_description: 'Required query variable resource is missing' });
    const wanted = req.url.searchParams.get('client_id');
    if (!this.managedIdentityClientId || (wanted !== null && wanted !== this.managedIdentityClientId)) {
      return json(400, { error: 'invalid_request', error_description: 'Identity not found' });
    }
    const token = this.#mint(this.managedIdentityClientId, via, resource);
    const expiresOn = String(Math.floor(Date.now() / 1000) + this.tokenLifetimeSec);
    // IMDS sends expires_in and expires_on as strings; App Service (2019-08-01) only expires_on.
    return json(200, {
      access_token: token,
      ...(via === 'imds' ? { expires_in: String(this.tokenLifetimeSec), ext_expires_in: String(this.tokenLifetimeSec) } : {}),
      expires_on: expiresOn,
      resource,
      token_type: 'Bearer',
      client_id: this.managedIdentityClientId,
    });
  }

  #issue(clientId: string, via: IssuedAzureToken['via'], resource: string): EmuResponse {
    const token = this.#mint(clientId, via, resource);
    return json(200, { token_type: 'Bearer', expires_in: this.tokenLifetimeSec, ext_expires_in: this.tokenLifetimeSec, access_token: token });
  }

  #mint(clientId: string, via: IssuedAzureToken['via'], resource: string): string {
    const token = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.emu-${randomBytes(18).toString('base64url')}`;
    this.issued.push({ token, clientId, via, resource });
    this.grant(token, resource);
    return token;
  }
}
