// TEST EMULATOR — not AWS. A wire-level emulator of AWS KMS for tests; never used by src/.
//
// An HTTP server on 127.0.0.1 speaking the AWS JSON 1.1 protocol (POST /, X-Amz-Target:
// TrentService.<Op>, base64 blobs, errors as {"__type", "message"}) so that the real
// @aws-sdk/client-kms, pointed at it with `endpoint`, goes through its real serializer,
// signer, retry strategy, timeouts and error classes. Keys use real AES-256-GCM
// (see kms-emulator/keystore.ts); the operations are in kms-emulator/operations.ts.
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type EmulatedKeyState, KeyStore, KmsFault } from './kms-emulator/keystore';
import { OPERATIONS } from './kms-emulator/operations';

export type { EmulatedKeyState } from './kms-emulator/keystore';

export interface KmsFaults {
  /** The next n matching calls get ThrottlingException (400). */
  throttle?: number;
  /** The next n matching calls get KMSInternalException (500). */
  serverErrors?: number;
  /** Delay every matching call by this much, then answer normally. */
  latencyMs?: number;
  /** Hold every matching call this long before answering: longer than the client's timeout = a hang. */
  hangMs?: number;
  /** Only these operations (e.g. ['Decrypt']); default all. */
  ops?: string[];
}

export interface KmsEmulatorStats {
  /** Calls per operation, counted once authenticated, including those answered with an injected fault. */
  calls: Record<string, number>;
  total: number;
}

const JSON_11 = 'application/x-amz-json-1.1';
const MAX_BODY = 1024 * 1024;

export class KmsEmulator {
  readonly store: KeyStore;
  #server: http.Server;
  #faults: KmsFaults = {};
  #denied = new Set<string>();
  #calls: Record<string, number> = {};
  #timers = new Set<NodeJS.Timeout>();
  #url = '';

  private constructor(region: string, account: string) {
    this.store = new KeyStore(region, account);
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
  }

  static async start(opts: { region?: string; account?: string } = {}): Promise<KmsEmulator> {
    const emu = new KmsEmulator(opts.region ?? 'eu-west-1', opts.account ?? '111122223333');
    await new Promise<void>((resolve, reject) => {
      emu.#server.once('error', reject);
      emu.#server.listen(0, '127.0.0.1', () => resolve());
    });
    emu.#url = `http://127.0.0.1:${(emu.#server.address() as AddressInfo).port}`;
    return emu;
  }

  /** The endpoint to give the KMS client. */
  get url(): string {
    return this.#url;
  }

  get region(): string {
    return this.store.region;
  }

  /** Test setup without HTTP (the CreateKey/CreateAlias operations exist on the wire too). */
  createKey(opts: { description?: string; keySpec?: string; keyUsage?: string } = {}): { keyId: string; arn: string } {
    const k = this.store.createKey(opts);
    return { keyId: k.keyId, arn: k.arn };
  }

  /** Returns the alias ARN. */
  createAlias(aliasName: string, keyId: string): string {
    this.store.createAlias(aliasName, keyId);
    return this.store.aliasArn(aliasName);
  }

  setKeyState(keyId: string, state: EmulatedKeyState): void {
    const key = this.store.resolve(keyId);
    key.state = state;
    key.deletionDate = state === 'PendingDeletion' ? new Date(Date.now() + 7 * 86_400_000) : undefined;
  }

  /** Replaces the current faults. Counted faults (throttle, serverErrors) run down; delays stay until cleared. */
  injectFaults(faults: KmsFaults): void {
    this.#faults = { ...faults };
  }

  clearFaults(): void {
    this.#faults = {};
  }

  /** Deny `kms:<op>` on every key. 'ReEncrypt' denies both kms:ReEncryptFrom and kms:ReEncryptTo. */
  denyAccess(op: string): void {
    for (const a of op === 'ReEncrypt' ? ['ReEncryptFrom', 'ReEncryptTo'] : [op]) this.#denied.add(a);
  }

  allowAccess(op?: string): void {
    if (op === undefined) this.#denied.clear();
    else for (const a of op === 'ReEncrypt' ? ['ReEncryptFrom', 'ReEncryptTo'] : [op]) this.#denied.delete(a);
  }

  stats(): KmsEmulatorStats {
    const calls = { ...this.#calls };
    return { calls, total: Object.values(calls).reduce((a, b) => a + b, 0) };
  }

  resetStats(): void {
    this.#calls = {};
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    // Held (hanging) and keep-alive connections would otherwise keep close() waiting.
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new KmsFault('UnknownOperationException', '', 404);
      }
      this.#authenticate(req);
      const target = /^TrentService\.([A-Za-z]+)$/.exec(String(req.headers['x-amz-target'] ?? ''));
      const op = target ? OPERATIONS[target[1] as string] : undefined;
      if (!target || !op) throw new KmsFault('UnknownOperationException', '');
      const name = target[1] as string;
      if (!String(req.headers['content-type'] ?? '').startsWith(JSON_11)) {
        throw new KmsFault('SerializationException', `Content-Type must be ${JSON_11}`);
      }
      this.#calls[name] = (this.#calls[name] ?? 0) + 1;
      await this.#applyFaults(name);
      if (res.destroyed || req.socket.destroyed) return; // the client gave up while we held it
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        throw new KmsFault('SerializationException', 'Start of structure or map found where not expected.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        throw new KmsFault('SerializationException', 'Expected a JSON object');
      }
      const output = op(
        {
          store: this.store,
          authorize: (action, key) => {
            if (this.#denied.has(action)) {
              throw new KmsFault(
                'AccessDeniedException',
                `User: arn:aws:iam::${this.store.account}:user/test is not authorized to perform: kms:${action} ` +
                  `on resource: ${key.arn} because no identity-based policy allows the kms:${action} action`,
              );
            }
          },
        },
        input as Record<string, unknown>,
      );
      send(res, 200, output);
    } catch (e) {
      if (res.destroyed || res.headersSent) return;
      if (e instanceof KmsFault) send(res, e.status, { __type: e.type, message: e.message });
      else send(res, 500, { __type: 'InternalFailure', message: String(e) });
    }
  }

  /**
   * What the real front end checks before any operation: a SigV4 Authorization header
   * with a credential scoped to this region and to kms. The signature itself is not verified.
   */
  #authenticate(req: http.IncomingMessage): void {
    const auth = req.headers.authorization;
    if (auth === undefined || auth === '') throw new KmsFault('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const m = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(auth);
    if (!m) {
      throw new KmsFault('IncompleteSignatureException', `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.`);
    }
    if (req.headers['x-amz-date'] === undefined && req.headers.date === undefined) {
      throw new KmsFault('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    const scope = (m[1] as string).split('/'); // AKID/yyyymmdd/region/service/aws4_request
    if (scope.length !== 5 || scope[4] !== 'aws4_request') {
      throw new KmsFault('IncompleteSignatureException', 'Credential is not in the form AKID/date/region/service/aws4_request.');
    }
    if (scope[2] !== this.store.region) {
      throw new KmsFault('InvalidSignatureException', `Credential should be scoped to a valid region, not '${scope[2]}'.`);
    }
    if (scope[3] !== 'kms') throw new KmsFault('InvalidSignatureException', "Credential should be scoped to correct service: 'kms'.");
  }

  async #applyFaults(op: string): Promise<void> {
    const f = this.#faults;
    if (f.ops && !f.ops.includes(op)) return;
    const delay = Math.max(f.hangMs ?? 0, f.latencyMs ?? 0);
    if (delay > 0) await this.#sleep(delay);
    if ((f.throttle ?? 0) > 0) {
      f.throttle = (f.throttle as number) - 1;
      throw new KmsFault('ThrottlingException', 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.');
    }
    if ((f.serverErrors ?? 0) > 0) {
      f.serverErrors = (f.serverErrors as number) - 1;
      throw new KmsFault('KMSInternalException', 'An internal error has occurred.', 500);
    }
  }

  #sleep(ms: number): Promise<void> {
    // Tracked so close() can cancel them; a cancelled sleep never resolves, its request is gone.
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.add(t);
    });
  }
}

export function startKmsEmulator(opts: { region?: string; account?: string } = {}): Promise<KmsEmulator> {
  return KmsEmulator.start(opts);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    'Content-Type': JSON_11,
    'Content-Length': bytes.length,
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(bytes);
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Drained to the end even when too large, so the 413 can still be sent.
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () =>
      size > MAX_BODY ? reject(new KmsFault('SerializationException', 'Request body too large', 413)) : resolve(Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}
