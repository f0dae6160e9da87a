// Google "application default credentials", the minimal real subset, in the order the
// Google client libraries use:
//   1. GOOGLE_OAUTH_ACCESS_TOKEN: a ready access token (as gcloud and Terraform accept it).
//   2. GOOGLE_APPLICATION_CREDENTIALS: a JSON key file.
//        type service_account: a JWT signed RS256 with its private key, exchanged at its
//        token_uri (urn:ietf:params:oauth:grant-type:jwt-bearer) for an access token.
//        type authorized_user (`gcloud auth application-default login`): refresh-token grant.
//   3. The gcloud ADC file ($CLOUDSDK_CONFIG or ~/.config/gcloud)/application_default_credentials.json.
//   4. The GCE/GKE/Cloud Run metadata server (host overridable with GCE_METADATA_HOST), with a
//      short timeout: off Google Cloud nothing answers and the user must not wait 10 s.
// Not supported: external_account (workload identity federation) and impersonated credentials.
//
// Errors thrown here carry no reference label (a token request is shared by every
// concurrent resolve); the backend prefixes its own. They never quote the key file: it
// holds a private key.
import { createSign } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { credentialDefaults, type CredentialOptions, httpJson, nonEmptyEnv, postTokenForm, SourceError, TokenCache, tokenFrom } from './common';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
export const DEFAULT_METADATA_HOST = 'metadata.google.internal';
export const DEFAULT_METADATA_TIMEOUT_MS = 3000;

export interface GoogleAuthOptions extends CredentialOptions {
  /** Deadline for the metadata server (default 3 s). */
  metadataTimeoutMs?: number;
}

interface KeyFile {
  type?: unknown;
  client_email?: unknown;
  private_key?: unknown;
  private_key_id?: unknown;
  token_uri?: unknown;
  client_id?: unknown;
  client_secret?: unknown;
  refresh_token?: unknown;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class GoogleCredentials {
  readonly #o: Required<CredentialOptions>;
  readonly #metadataTimeoutMs: number;
  readonly #cache: TokenCache;

  constructor(opts: GoogleAuthOptions = {}) {
    this.#o = credentialDefaults(opts);
    this.#metadataTimeoutMs = opts.metadataTimeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS;
    this.#cache = new TokenCache(this.#o.now);
  }

  /** An OAuth access token for cloud-platform; cached until shortly before it expires. */
  async accessToken(): Promise<string> {
    const direct = nonEmptyEnv(this.#o.env, 'GOOGLE_OAUTH_ACCESS_TOKEN');
    if (direct) return direct;
    return this.#cache.get(() => this.#fetchToken());
  }

  /** After a 401 from the API: drop the cached token. */
  invalidate(): void {
    this.#cache.clear();
  }

  async #fetchToken(): Promise<{ token: string; expiresInSec: number }> {
    const explicit = nonEmptyEnv(this.#o.env, 'GOOGLE_APPLICATION_CREDENTIALS');
    if (explicit) return this.#fromKeyFile(explicit, 'GOOGLE_APPLICATION_CREDENTIALS');
    const wellKnown = this.#wellKnownFile();
    if (await exists(wellKnown)) return this.#fromKeyFile(wellKnown, 'the gcloud ADC file');
    return this.#fromMetadataServer();
  }

  #wellKnownFile(): string {
    const configDir =
      nonEmptyEnv(this.#o.env, 'CLOUDSDK_CONFIG') ??
      (process.platform === 'win32'
        ? path.join(nonEmptyEnv(this.#o.env, 'APPDATA') ?? os.homedir(), 'gcloud')
        : path.join(nonEmptyEnv(this.#o.env, 'HOME') ?? os.homedir(), '.config', 'gcloud'));
    return path.join(configDir, 'application_default_credentials.json');
  }

  async #fromKeyFile(file: string, origin: string): Promise<{ token: string; expiresInSec: number }> {
    let key: KeyFile;
    try {
      key = JSON.parse(await fsp.readFile(file, 'utf8')) as KeyFile;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const why = typeof code === 'string' ? `cannot be read (${code})` : 'is not JSON';
      throw new SourceError('auth', `Google credentials file ${file} (from ${origin}) ${why}`);
    }
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const tokenUri = str(key.token_uri) ?? GOOGLE_TOKEN_URI;
    if (key.type === 'service_account') {
      const email = str(key.client_email);
      const pem = str(key.private_key);
      if (!email || !pem) {
        throw new SourceError('auth', `Google service-account file ${file} lacks client_email or private_key`);
      }
      const assertion = this.#signJwt(email, pem, str(key.private_key_id), tokenUri, file);
      return this.#exchange(tokenUri, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }, `service account ${email}`);
    }
    if (key.type === 'authorized_user') {
      const [id, secret, refresh] = [str(key.client_id), str(key.client_secret), str(key.refresh_token)];
      if (!id || !secret || !refresh) {
        throw new SourceError('auth', `Google authorized_user file ${file} lacks client_id, client_secret or refresh_token`);
      }
      return this.#exchange(
        tokenUri,
        { grant_type: 'refresh_token', client_id: id, client_secret: secret, refresh_token: refresh },
        'gcloud user credentials',
      );
    }
    throw new SourceError(
      'auth',
      `Google credentials file ${file} has type ${JSON.stringify(typeof key.type === 'string' ? key.type : null)}; supported: service_account, authorized_user`,
    );
  }

  /** A signed JWT asserting the service account, for the jwt-bearer grant (RFC 7523). */
  #signJwt(email: string, pem: string, kid: string | undefined, aud: string, file: string): string {
    const iat = Math.floor(this.#o.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) };
    const claims = { iss: email, scope: CLOUD_PLATFORM_SCOPE, aud, iat, exp: iat + 3600 };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    try {
      const signature = createSign('RSA-SHA256').update(input).sign(pem);
      return `${input}.${b64url(signature)}`;
    } catch {
      // crypto's message is generic, but say nothing that could come from the key.
      throw new SourceError('auth', `Google service-account file ${file}: private_key is not a usable RSA private key`);
    }
  }

  async #exchange(tokenUri: string, form: Record<string, string>, who: string): Promise<{ token: string; expiresInSec: number }> {
    let url: URL;
    try {
      url = new URL(tokenUri);
    } catch {
      throw new SourceError('auth', `Google credentials: token_uri is not a URL`);
    }
    const label = `Google OAuth token for ${who}`;
    return postTokenForm(this.#o, label, url, form);
  }

  async #fromMetadataServer(): Promise<{ token: string; expiresInSec: number }> {
    const host = nonEmptyEnv(this.#o.env, 'GCE_METADATA_HOST', 'GCE_METADATA_IP') ?? DEFAULT_METADATA_HOST;
    const url = new URL(`http://${host}/computeMetadata/v1/instance/service-accounts/default/token`);
    const label = 'Google credentials from the metadata server';
    let res;
    try {
      res = await httpJson(this.#o.fetch, label, url, { headers: { 'Metadata-Flavor': 'Google' } }, this.#metadataTimeoutMs, 'the metadata server');
    } catch {
      // Not on Google Cloud: the usual case off GCP, and retrying will not change it.
      throw new SourceError(
        'auth',
        `no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS (a service-account key file) or GOOGLE_OAUTH_ACCESS_TOKEN, ` +
          `or run 'gcloud auth application-default login' (the metadata server at ${host} did not answer)`,
        { retryable: false },
      );
    }
    if (res.status === 404) {
      throw new SourceError('auth', `${label}: this instance has no service account attached`);
    }
    return tokenFrom(res.status, res.json, label, this.#o.now);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}
