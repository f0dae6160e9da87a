// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// Google Secret Manager's REST API, AccessSecretVersion only:
//   GET /v1/projects/{p}/secrets/{s}/versions/{v}:access   Authorization: Bearer <token>
// Versions are numbered from 1 and are ENABLED, DISABLED or DESTROYED; `latest` is the most
// recently created version whatever its state. Responses carry payload.data (base64) and
// payload.dataCrc32c (decimal string). Errors use Google's JSON error envelope:
//   {"error": {"code": 404, "message": "...", "status": "NOT_FOUND"}}
import { HttpEmulator, bearer, json, type EmuRequest, type EmuResponse } from './http-emulator';

export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED';

interface GcpVersion {
  data: Buffer | null; // null once destroyed
  state: VersionState;
}

const googleError = (code: number, status: string, message: string): EmuResponse => json(code, { error: { code, message, status } });

/** CRC32C (Castagnoli), written independently of src/ so a bug there is not mirrored here. */
function crc32c(buf: Buffer): number {
  let crc = ~0 >>> 0;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return ~crc >>> 0;
}

export class GcpSecretManagerEmulator extends HttpEmulator {
  readonly #tokens = new Set<string>();
  readonly #secrets = new Map<string, GcpVersion[]>(); // 'projects/p/secrets/s'
  readonly #denied = new Set<string>();
  /** Send a wrong dataCrc32c (to test the client's integrity check). */
  corruptChecksums = false;

  addToken(token: string): void {
    this.#tokens.add(token);
  }

  revokeToken(token: string): void {
    this.#tokens.delete(token);
  }

  /** AddSecretVersion (creating the secret if needed); returns the version number. */
  addVersion(project: string, secret: string, value: string | Buffer): number {
    const name = `projects/${project}/secrets/${secret}`;
    const versions = this.#secrets.get(name) ?? [];
    versions.push({ data: Buffer.from(value), state: 'ENABLED' });
    this.#secrets.set(name, versions);
    return versions.length;
  }

  /** Creates a secret with no versions. */
  createSecret(project: string, secret: string): void {
    this.#secrets.set(`projects/${project}/secrets/${secret}`, []);
  }

  setState(project: string, secret: string, version: number, state: VersionState): void {
    const v = this.#secrets.get(`projects/${project}/secrets/${secret}`)?.[version - 1];
    if (!v) throw new Error(`emulator: no version ${version} of ${secret}`);
    if (v.state === 'DESTROYED') throw new Error('emulator: a destroyed version stays destroyed');
    v.state = state;
    if (state === 'DESTROYED') v.data = null;
  }

  /** The caller lacks secretmanager.versions.access on this secret. */
  deny(project: string, secret: string): void {
    this.#denied.add(`projects/${project}/secrets/${secret}`);
  }

  protected operation(req: EmuRequest): string {
    return req.url.pathname.endsWith(':access') ? 'AccessSecretVersion' : `${req.method} ${req.url.pathname}`;
  }

  protected throttled(): EmuResponse {
    return googleError(
      429,
      'RESOURCE_EXHAUSTED',
      "Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute' of service 'secretmanager.googleapis.com'.",
    );
  }

  protected serverError(): EmuResponse {
    return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
  }

  protected handle(req: EmuRequest): EmuResponse {
    const token = bearer(req);
    if (!token || !this.#tokens.has(token)) {
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    const m = /^\/v1\/(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+):access$/.exec(req.url.pathname);
    if (req.method !== 'GET' || !m) return googleError(404, 'NOT_FOUND', `The requested URL ${req.url.pathname} was not found.`);
    const secretName = decodeURIComponent(m[1]!);
    const versionId = decodeURIComponent(m[2]!);
    const full = `${secretName}/versions/${versionId}`;

    // Real Secret Manager checks IAM before existence, and says "(or it may not exist)".
    if (this.#denied.has(secretName)) {
      return googleError(403, 'PERMISSION_DENIED', `Permission 'secretmanager.versions.access' denied for resource '${full}' (or it may not exist).`);
    }
    const versions = this.#secrets.get(secretName);
    if (!versions || versions.length === 0) {
      return googleError(404, 'NOT_FOUND', `Secret [${secretName}] not found or has no versions.`);
    }
    const n = versionId === 'latest' ? versions.length : /^\d+$/.test(versionId) ? Number(versionId) : NaN;
    if (Number.isNaN(n)) return googleError(400, 'INVALID_ARGUMENT', `Invalid version id ${versionId}.`);
    const v = versions[n - 1];
    const resolved = `${secretName}/versions/${n}`;
    if (!v) return googleError(404, 'NOT_FOUND', `Secret Version [${resolved}] not found.`);
    if (v.state !== 'ENABLED') {
      return googleError(400, 'FAILED_PRECONDITION', `Secret Version [${resolved}] is in ${v.state} state.`);
    }
    const data = v.data!;
    const crc = crc32c(data) + (this.corruptChecksums ? 1 : 0);
    // proto3 JSON omits empty bytes: an empty payload is `payload: {}`.
    const payload = data.length === 0 ? {} : { data: data.toString('base64'), dataCrc32c: String(crc >>> 0) };
    return json(200, { name: resolved, payload });
  }
}
