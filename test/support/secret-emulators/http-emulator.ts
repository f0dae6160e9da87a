// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// The common part of every secret-store emulator: a node:http server on 127.0.0.1 (random
// port), request logging, per-operation call counts, and injected faults (throttling, server
// errors, latency) rendered in each protocol's own error format by the subclass.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatorHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

export interface FaultPlan {
  /** The next n requests are throttled (429 or the protocol's throttling error). */
  throttle?: number;
  /** The next n requests (after any throttled ones) fail with a 5xx. */
  serverErrors?: number;
  /** Delay before every response, in ms (to drive client timeouts). */
  latencyMs?: number;
}

export interface EmuRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as text/plain; undefined as no body. */
  body?: unknown;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse => ({
  status,
  body,
  headers: { 'content-type': 'application/json', ...headers },
});

export abstract class HttpEmulator {
  readonly requests: EmuRequest[] = [];
  #calls = new Map<string, number>();
  #faults: Required<FaultPlan> = { throttle: 0, serverErrors: 0, latencyMs: 0 };
  #server?: http.Server;

  /** The operation a request is (for stats), e.g. 'GetSecretValue' or 'GET /v1/secret/data'. */
  protected abstract operation(req: EmuRequest): string;
  protected abstract handle(req: EmuRequest): EmuResponse | Promise<EmuResponse>;
  protected abstract throttled(req: EmuRequest): EmuResponse;
  protected abstract serverError(req: EmuRequest): EmuResponse;

  async start(): Promise<EmulatorHandle> {
    const server = http.createServer((req, res) => void this.#serve(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () =>
        new Promise<void>((resolve) => {
          // Clients keep connections alive: drop them, or close() waits for their idle timeout.
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  injectFaults(plan: FaultPlan): void {
    this.#faults = {
      throttle: plan.throttle ?? 0,
      serverErrors: plan.serverErrors ?? 0,
      latencyMs: plan.latencyMs ?? 0,
    };
  }

  /** Calls per operation since start (faulted calls included: the client made them). */
  stats(): Record<string, number> {
    return Object.fromEntries(this.#calls);
  }

  resetStats(): void {
    this.#calls.clear();
    this.requests.length = 0;
  }

  async #serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const er: EmuRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://127.0.0.1'),
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    this.requests.push(er);
    let out: EmuResponse;
    try {
      const op = this.operation(er);
      this.#calls.set(op, (this.#calls.get(op) ?? 0) + 1);
      if (this.#faults.latencyMs > 0) await delay(this.#faults.latencyMs, res);
      if (this.#faults.throttle > 0) {
        this.#faults.throttle--;
        out = this.throttled(er);
      } else if (this.#faults.serverErrors > 0) {
        this.#faults.serverErrors--;
        out = this.serverError(er);
      } else {
        out = await this.handle(er);
      }
    } catch (e) {
      out = { status: 500, body: `emulator bug: ${(e as Error).stack ?? String(e)}` };
    }
    if (res.destroyed) return; // the client gave up (timeout tests)
    const headers = { ...(out.headers ?? {}) };
    let payload: Buffer | undefined;
    if (typeof out.body === 'string') {
      payload = Buffer.from(out.body);
      headers['content-type'] ??= 'text/plain';
    } else if (out.body !== undefined) {
      payload = Buffer.from(JSON.stringify(out.body));
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(out.status, headers);
    res.end(payload);
  }
}

/** Waits ms, or less if the client hangs up first (a timed-out client must not keep the test process alive). */
function delay(ms: number, res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
    res.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** The bearer token of a request, if any. */
export function bearer(req: EmuRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer (.+)$/.exec(h) : null;
  return m?.[1];
}

/** application/x-www-form-urlencoded body as a plain object. */
export function formBody(req: EmuRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
}
