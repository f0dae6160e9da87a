// `from: gcp-secret-manager`: Google Secret Manager over its REST API:
//
//   GET {base}/v1/projects/P/secrets/S/versions/V:access
//   Authorization: Bearer <token from application default credentials (gcp-auth.ts)>
//
//   name  `projects/P/secrets/S` (version `latest`) or `projects/P/secrets/S/versions/V`
//         (V a number or an alias)
//
// Env: CVCTL_GCP_SECRETMANAGER_ENDPOINT overrides the base URL (default
// https://secretmanager.googleapis.com): for a VPC Service Controls / Private Service
// Connect endpoint, or an emulator. It must be https, except on 127.0.0.1/localhost,
// since the bearer token is sent to it. Credentials: GOOGLE_OAUTH_ACCESS_TOKEN,
// GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_CONFIG / HOME (gcloud ADC file), GCE_METADATA_HOST.
import type { SecretRef } from '../../domain/types';
import type { SecretBackend, SecretValue } from '../resolver';
import {
  checkedValue,
  DEFAULT_TIMEOUT_MS,
  getWithBearer,
  isLoopbackHost,
  isRetryableStatus,
  nonEmptyEnv,
  serverText,
  SourceError,
  utf8,
} from './common';
import { GoogleCredentials, type GoogleAuthOptions } from './gcp-auth';

const SOURCE = 'gcp-secret-manager';
export const DEFAULT_GCP_SECRETMANAGER_ENDPOINT = 'https://secretmanager.googleapis.com';
export const GCP_ENDPOINT_ENV = 'CVCTL_GCP_SECRETMANAGER_ENDPOINT';

const SEGMENT = '[A-Za-z0-9_.-]+';
const NAME_RE = new RegExp(`^projects/(${SEGMENT})/secrets/(${SEGMENT})(?:/versions/(${SEGMENT}))?$`);

export interface GcpBackendOptions extends GoogleAuthOptions {
  /** Shared credentials (tests; or to share one token cache). */
  credentials?: GoogleCredentials;
}

interface GoogleErrorBody {
  error?: { code?: unknown; status?: unknown; message?: unknown };
}

/** The full version name of a reference: `latest` when it names only the secret. */
export function gcpVersionName(name: string): string | undefined {
  const m = NAME_RE.exec(name.trim());
  if (!m) return undefined;
  return `projects/${m[1]}/secrets/${m[2]}/versions/${m[3] ?? 'latest'}`;
}

export class GcpSecretManagerBackend implements SecretBackend {
  readonly source = 'gcp-secret-manager' as const;
  readonly #env: NodeJS.ProcessEnv;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #credentials: GoogleCredentials;

  constructor(opts: GcpBackendOptions = {}) {
    this.#env = opts.env ?? process.env;
    this.#fetch = opts.fetch ?? fetch;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#credentials = opts.credentials ?? new GoogleCredentials(opts);
  }

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const raw = typeof ref.name === 'string' ? ref.name : '';
    const label = `${SOURCE} secret '${raw}'`;
    if (raw === '') throw new SourceError('config', `a ${SOURCE} secret reference needs 'name'`);
    const name = gcpVersionName(raw);
    if (!name) {
      throw new SourceError('config', `${label}: 'name' must be projects/PROJECT/secrets/SECRET[/versions/VERSION]`);
    }
    const base = this.#base(label);

    const url = new URL(`v1/${name}:access`, base);
    const res = await getWithBearer(this.#fetch, label, url, () => this.#credentials.accessToken(), this.#timeoutMs, 'Secret Manager');

    if (res.status === 200) {
      const payload = (res.json as { payload?: { data?: unknown; dataCrc32c?: unknown } } | undefined)?.payload;
      if (typeof payload?.data !== 'string') {
        // An empty payload is sent as `payload: {}` (proto3 omits empty bytes).
        if (payload && typeof payload === 'object') throw new SourceError('empty', `${label} is empty`);
        throw new SourceError('malformed', `${label}: the response has no payload`);
      }
      const bytes = Buffer.from(payload.data, 'base64');
      try {
        if (payload.dataCrc32c !== undefined && String(crc32c(bytes)) !== String(payload.dataCrc32c)) {
          throw new SourceError('unavailable', `${label}: the payload failed its CRC32C check (corrupted in transit)`);
        }
        return checkedValue(label, utf8(label, bytes, 'the payload'));
      } finally {
        bytes.fill(0);
      }
    }

    const err = (res.json as GoogleErrorBody | undefined)?.error ?? {};
    const status = typeof err.status === 'string' ? err.status : '';
    const message = serverText(err.message);
    const detail = message ? `: ${message}` : '';
    if (res.status === 404 || status === 'NOT_FOUND') {
      throw new SourceError('not-found', `${label} was not found (no such secret or version, or it has no versions)`);
    }
    if (res.status === 403 || status === 'PERMISSION_DENIED') {
      throw new SourceError(
        'access-denied',
        `${label}: permission denied: the caller needs secretmanager.versions.access (e.g. roles/secretmanager.secretAccessor) on ${name}${detail}`,
      );
    }
    if (status === 'FAILED_PRECONDITION') {
      const state = /DESTROYED/i.test(message) ? 'destroyed' : /DISABLED/i.test(message) ? 'disabled' : undefined;
      if (state) {
        const fix = state === 'disabled' ? 'enable it, or reference another version' : 'reference another version';
        throw new SourceError('disabled', `${label}: the version (${name}) is ${state} (${fix})`);
      }
      throw new SourceError('config', `${label}: FAILED_PRECONDITION${detail}`);
    }
    if (res.status === 401 || status === 'UNAUTHENTICATED') {
      // A cached token revoked or expired early: a retry fetches a new one. A token from
      // GOOGLE_OAUTH_ACCESS_TOKEN cannot change, so retrying it is pointless.
      this.#credentials.invalidate();
      const fixed = nonEmptyEnv(this.#env, 'GOOGLE_OAUTH_ACCESS_TOKEN') !== undefined;
      throw new SourceError('auth', `${label}: Google rejected the access token (UNAUTHENTICATED)${fixed ? ' from GOOGLE_OAUTH_ACCESS_TOKEN' : ''}`, {
        retryable: !fixed,
      });
    }
    if (isRetryableStatus(res.status)) {
      throw new SourceError('unavailable', `${label}: Secret Manager answered HTTP ${res.status}${status ? ` ${status}` : ''}`);
    }
    throw new SourceError('config', `${label}: Secret Manager answered HTTP ${res.status}${status ? ` ${status}` : ''}${detail}`);
  }

  #base(label: string): URL {
    const configured = nonEmptyEnv(this.#env, GCP_ENDPOINT_ENV) ?? DEFAULT_GCP_SECRETMANAGER_ENDPOINT;
    let url: URL;
    try {
      url = new URL(configured.endsWith('/') ? configured : `${configured}/`);
    } catch {
      throw new SourceError('config', `${label}: ${GCP_ENDPOINT_ENV} is not a URL`);
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new SourceError('config', `${label}: ${GCP_ENDPOINT_ENV} must be https (http only for 127.0.0.1/localhost)`);
    }
    return url;
  }
}

let CRC32C_TABLE: Uint32Array | undefined;

/** CRC32C (Castagnoli), as Secret Manager's dataCrc32c; Node has only plain CRC32. */
export function crc32c(bytes: Uint8Array): number {
  if (!CRC32C_TABLE) {
    CRC32C_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      CRC32C_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
