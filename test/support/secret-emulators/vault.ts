// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// HashiCorp Vault's HTTP API for KV version 2 reads: GET /v1/{mount}/data/{path}[?version=N]
// with X-Vault-Token and X-Vault-Namespace. Response and error bodies follow Vault's shapes:
//   - 200 {data: {data: {...}, metadata: {version, deletion_time, destroyed, ...}}}
//   - 404 {errors: []} for a missing path or version
//   - 404 with data.data null and the version's metadata for a deleted / destroyed version
//   - 404 "no handler for route" for a path under no mount (seen with a root token)
//   - 403 {errors: ["permission denied"]} for a bad token, another namespace, or a denied path
//   - 429 rate-limit quota, 500, and 503 "Vault is sealed"
import { randomUUID } from 'node:crypto';
import { HttpEmulator, json, type EmuRequest, type EmuResponse } from './http-emulator';

interface KvVersion {
  data: Record<string, unknown> | null;
  created: string;
  deletionTime: string;
  destroyed: boolean;
}

interface PutOptions {
  mount?: string;
  namespace?: string;
}

const ROOT_NS = '';
const normNs = (ns: string | undefined) => (ns ?? '').replace(/^\/+|\/+$/g, '');

export class VaultEmulator extends HttpEmulator {
  /** token -> the namespace it was created in ('' = root, valid everywhere). */
  readonly #tokens = new Map<string, string>();
  /** namespace -> mount names (KV v2). */
  readonly #mounts = new Map<string, Set<string>>([[ROOT_NS, new Set(['secret'])]]);
  /** `${ns}\u0000${mount}\u0000${path}` -> versions (index 0 = version 1). */
  readonly #secrets = new Map<string, KvVersion[]>();
  readonly #denied = new Set<string>(); // same key shape, no version
  #sealed = false;

  addToken(token: string, namespace?: string): void {
    this.#tokens.set(token, normNs(namespace));
  }

  mount(name: string, namespace?: string): void {
    const ns = normNs(namespace);
    if (!this.#mounts.has(ns)) this.#mounts.set(ns, new Set());
    this.#mounts.get(ns)!.add(name);
  }

  /** `vault kv put`: a new version; returns its number. */
  put(path: string, data: Record<string, unknown>, opts: PutOptions = {}): number {
    const ns = normNs(opts.namespace);
    const mount = opts.mount ?? 'secret';
    this.mount(mount, ns);
    const k = key(ns, mount, path);
    const versions = this.#secrets.get(k) ?? [];
    versions.push({ data, created: new Date().toISOString(), deletionTime: '', destroyed: false });
    this.#secrets.set(k, versions);
    return versions.length;
  }

  /** `vault kv delete -versions=N`: soft delete (undeletable). */
  deleteVersion(path: string, version: number, opts: PutOptions = {}): void {
    const v = this.#version(path, version, opts);
    v.deletionTime = new Date().toISOString();
  }

  /** `vault kv destroy -versions=N`: the data is gone for good. */
  destroyVersion(path: string, version: number, opts: PutOptions = {}): void {
    const v = this.#version(path, version, opts);
    v.destroyed = true;
    v.data = null;
  }

  /** The tokens' policies do not grant read on this path. */
  deny(path: string, opts: PutOptions = {}): void {
    this.#denied.add(key(normNs(opts.namespace), opts.mount ?? 'secret', path));
  }

  seal(sealed = true): void {
    this.#sealed = sealed;
  }

  protected operation(req: EmuRequest): string {
    return /^\/v1\/.+\/data\//.test(req.url.pathname) ? `${req.method} kv-v2 data` : `${req.method} ${req.url.pathname}`;
  }

  protected throttled(req: EmuRequest): EmuResponse {
    return json(429, { errors: [`request path "${req.url.pathname.slice(4)}": rate limit quota exceeded`] });
  }

  protected serverError(): EmuResponse {
    return json(500, { errors: ['1 error occurred:\n\t* internal error\n\n'] });
  }

  protected handle(req: EmuRequest): EmuResponse {
    if (this.#sealed) return json(503, { errors: ['Vault is sealed'] });
    if (req.method !== 'GET' || !req.url.pathname.startsWith('/v1/')) return json(405, { errors: [] });

    const token = req.headers['x-vault-token'];
    const ns = normNs(typeof req.headers['x-vault-namespace'] === 'string' ? req.headers['x-vault-namespace'] : undefined);
    const tokenNs = typeof token === 'string' ? this.#tokens.get(token) : undefined;
    // A token works in its own namespace and below it; a root-namespace token everywhere.
    if (tokenNs === undefined || (tokenNs !== ROOT_NS && ns !== tokenNs && !ns.startsWith(`${tokenNs}/`))) {
      return json(403, { errors: ['permission denied'] });
    }

    const rest = decodeURIComponent(req.url.pathname.slice('/v1/'.length));
    const mounts = [...(this.#mounts.get(ns) ?? [])].sort((a, b) => b.length - a.length);
    const mount = mounts.find((m) => rest.startsWith(`${m}/`));
    if (!mount || !rest.startsWith(`${mount}/data/`)) {
      return json(404, { errors: [`no handler for route "${rest}". route entry not found.`] });
    }
    const path = rest.slice(`${mount}/data/`.length);
    const k = key(ns, mount, path);
    if (this.#denied.has(k)) return json(403, { errors: ['1 error occurred:\n\t* permission denied\n\n'] });

    const versions = this.#secrets.get(k);
    const qv = req.url.searchParams.get('version');
    const n = qv === null || qv === '0' ? versions?.length ?? 0 : Number(qv);
    if (!Number.isInteger(n) || n < 0) return json(400, { errors: ['invalid version'] });
    const v = versions?.[n - 1];
    if (!v) return json(404, { errors: [] });

    const metadata = {
      created_time: v.created,
      custom_metadata: null,
      deletion_time: v.deletionTime,
      destroyed: v.destroyed,
      version: n,
    };
    const gone = v.destroyed || v.deletionTime !== '';
    return json(gone ? 404 : 200, {
      request_id: randomUUID(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: { data: gone ? null : v.data, metadata },
      wrap_info: null,
      warnings: null,
      auth: null,
      mount_type: 'kv',
    });
  }

  #version(path: string, version: number, opts: PutOptions): KvVersion {
    const v = this.#secrets.get(key(normNs(opts.namespace), opts.mount ?? 'secret', path))?.[version - 1];
    if (!v) throw new Error(`emulator: no version ${version} of ${path}`);
    return v;
  }
}

function key(ns: string, mount: string, path: string): string {
  return `${ns}\u0000${mount}\u0000${path.replace(/^\/+|\/+$/g, '')}`;
}
