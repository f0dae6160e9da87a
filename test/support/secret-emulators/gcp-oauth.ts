// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// Google's OAuth 2.0 token endpoint (POST /token) and the GCE metadata server's token path,
// on one port:
//   - grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer: the assertion's RS256
//     signature is VERIFIED against the registered service account's public key, and its
//     claims checked (iss, aud = this endpoint, scope, iat/exp) as Google does;
//   - grant_type=refresh_token for `authorized_user` credentials;
//   - GET /computeMetadata/v1/instance/service-accounts/default/token with
//     `Metadata-Flavor: Google` (what GCE_METADATA_HOST points at).
// Issued tokens are handed to `grant` (e.g. GcpSecretManagerEmulator.addToken) so the
// resource emulator accepts exactly the tokens this one issued.
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { HttpEmulator, formBody, json, type EmuRequest, type EmuResponse, type EmulatorHandle } from './http-emulator';

interface ServiceAccount {
  key: KeyObject;
  keyId: string;
}

export interface IssuedToken {
  token: string;
  subject: string;
  grant: string;
}

const oauthError = (status: number, error: string, description: string): EmuResponse =>
  json(status, { error, error_description: description });

export class GoogleOAuthEmulator extends HttpEmulator {
  readonly issued: IssuedToken[] = [];
  /** expires_in of issued tokens, in seconds. */
  tokenLifetimeSec = 3599;
  /** The service account the metadata server serves, or none (404, as on an instance without one). */
  metadataAccount: string | undefined;
  readonly #accounts = new Map<string, ServiceAccount>();
  readonly #users = new Map<string, { clientId: string; clientSecret: string; email: string }>(); // by refresh token
  #url = '';

  constructor(private readonly grant: (token: string) => void) {
    super();
  }

  /** The token_uri to put in service-account files. */
  get tokenUri(): string {
    return `${this.#url}/token`;
  }

  override async start(): Promise<EmulatorHandle> {
    const h = await super.start();
    this.#url = h.url;
    return h;
  }

  addServiceAccount(email: string, publicKeyPem: string, keyId: string): void {
    this.#accounts.set(email, { key: createPublicKey(publicKeyPem), keyId });
  }

  addAuthorizedUser(email: string, clientId: string, clientSecret: string, refreshToken: string): void {
    this.#users.set(refreshToken, { clientId, clientSecret, email });
  }

  protected operation(req: EmuRequest): string {
    if (req.url.pathname.startsWith('/computeMetadata/')) return 'metadata-token';
    return req.method === 'POST' && req.url.pathname === '/token' ? `token:${formBody(req).grant_type ?? '?'}` : req.url.pathname;
  }

  protected throttled(): EmuResponse {
    return oauthError(429, 'rate_limit_exceeded', 'Rate limit exceeded');
  }

  protected serverError(): EmuResponse {
    return oauthError(503, 'temporarily_unavailable', 'The service is temporarily unavailable');
  }

  protected handle(req: EmuRequest): EmuResponse {
    if (req.url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') return this.#metadata(req);
    if (req.method !== 'POST' || req.url.pathname !== '/token') return json(404, { error: 'not_found' });
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = formBody(req);
    if (form.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer') return this.#jwtBearer(form.assertion ?? '');
    if (form.grant_type === 'refresh_token') {
      const user = this.#users.get(form.refresh_token ?? '');
      if (!user || user.clientId !== form.client_id || user.clientSecret !== form.client_secret) {
        return oauthError(400, 'invalid_grant', 'Bad Request');
      }
      return this.#issue(user.email, 'refresh_token');
    }
    return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${form.grant_type ?? ''}`);
  }

  #jwtBearer(assertion: string): EmuResponse {
    const parts = assertion.split('.');
    if (parts.length !== 3) return oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.');
    let header: { alg?: string; kid?: string };
    let claims: { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return oauthError(400, 'invalid_grant', 'Invalid JWT: malformed.');
    }
    if (header.alg !== 'RS256') return oauthError(400, 'invalid_grant', 'Invalid JWT: only RS256 is accepted.');
    const account = this.#accounts.get(claims.iss ?? '');
    if (!account) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
    if (header.kid !== undefined && header.kid !== account.keyId) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    const ok = verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), account.key, Buffer.from(parts[2]!, 'base64url'));
    if (!ok) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== this.tokenUri) return oauthError(400, 'invalid_grant', 'Invalid JWT: audience is not the token endpoint.');
    if (!String(claims.scope ?? '').split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) {
      return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    }
    const now = Math.floor(Date.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || iat > now + 60 || exp <= now || exp - iat > 3600) {
      return oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    }
    return this.#issue(claims.iss!, 'jwt-bearer');
  }

  #metadata(req: EmuRequest): EmuResponse {
    // The metadata server refuses requests without the header (SSRF protection).
    if (req.headers['metadata-flavor'] !== 'Google') return { status: 403, body: 'Missing Metadata-Flavor:Google header.' };
    if (!this.metadataAccount) return { status: 404, body: 'Not Found' };
    return this.#issue(this.metadataAccount, 'metadata');
  }

  #issue(subject: string, grant: string): EmuResponse {
    const token = `ya29.emu-${randomBytes(18).toString('base64url')}`;
    this.issued.push({ token, subject, grant });
    this.grant(token);
    return json(200, { access_token: token, expires_in: this.tokenLifetimeSec, token_type: 'Bearer' });
  }
}
