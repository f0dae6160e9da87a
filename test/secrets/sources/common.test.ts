import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CvctlError } from '../../../src/errors';
import { isRetryable } from '../../../src/secrets/backends';
import {
  checkedValue,
  httpJson,
  networkError,
  pickJsonKey,
  relabel,
  SourceError,
  TokenCache,
  tokenFrom,
} from '../../../src/secrets/sources/common';
import { canary, failure } from './helpers';

describe('SourceError', () => {
  it('is a SECRET_UNRESOLVED CvctlError whose retryable flag the resolver reads', () => {
    const e = new SourceError('unavailable', 'x');
    expect(e).toBeInstanceOf(CvctlError);
    expect(e.code).toBe('SECRET_UNRESOLVED');
    expect(isRetryable(e)).toBe(true);
    expect(isRetryable(new SourceError('not-found', 'x'))).toBe(false);
    expect(isRetryable(new SourceError('auth', 'x', { retryable: true }))).toBe(true);
  });

  it('keeps reason and retryable when a credential error is relabelled', () => {
    const e = relabel(new SourceError('unavailable', 'token endpoint: HTTP 503'), "vault secret 'a'") as SourceError;
    expect(e.message).toBe("vault secret 'a': token endpoint: HTTP 503");
    expect([e.reason, e.retryable]).toEqual(['unavailable', true]);
  });
});

describe('value checks', () => {
  it("never pass on JSON.parse's message, which quotes the input", async () => {
    const text = `${canary('raw')} not json`;
    let native = '';
    try {
      JSON.parse(text);
    } catch (e) {
      native = (e as Error).message;
    }
    expect(native).toContain(text.slice(0, 10)); // why the parser's message must not be reused
    await failure(Promise.resolve().then(() => pickJsonKey('L', text, 'k')), { reason: 'malformed', contains: ['L: jsonKey'] });
  });

  it('pick only own string keys, and treat blank values as empty', async () => {
    const json = JSON.stringify({ k: canary('k'), n: null, list: [canary('l')] });
    expect(pickJsonKey('L', json, 'k').reveal()).toBe(canary('k'));
    await failure(Promise.resolve().then(() => pickJsonKey('L', json, 'toString')), { reason: 'malformed', contains: ["no key 'toString'"] });
    await failure(Promise.resolve().then(() => pickJsonKey('L', json, 'n')), { reason: 'malformed', contains: ['is null'] });
    await failure(Promise.resolve().then(() => pickJsonKey('L', json, 'list')), { reason: 'malformed', contains: ['is an array'] });
    await failure(Promise.resolve().then(() => checkedValue('L', '\t \n')), { reason: 'empty', contains: ['L is empty'] });
  });
});

describe('TokenCache', () => {
  it('makes one request for concurrent callers and reuses the token until near expiry', async () => {
    let now = 0;
    let calls = 0;
    const cache = new TokenCache(() => now);
    const fetchToken = async () => ({ token: `t${++calls}`, expiresInSec: 3600 });
    expect(await Promise.all([cache.get(fetchToken), cache.get(fetchToken), cache.get(fetchToken)])).toEqual(['t1', 't1', 't1']);
    now = 3600_000 - 300_001; // just before the 5-minute margin
    expect(await cache.get(fetchToken)).toBe('t1');
    now += 2;
    expect(await cache.get(fetchToken)).toBe('t2');
    cache.clear();
    expect(await cache.get(fetchToken)).toBe('t3');
  });

  it('does not cache failures', async () => {
    const cache = new TokenCache();
    await expect(cache.get(async () => Promise.reject(new SourceError('unavailable', 'down')))).rejects.toThrow('down');
    expect(await cache.get(async () => ({ token: 'ok', expiresInSec: 60 }))).toBe('ok');
  });
});

describe('tokenFrom', () => {
  it('reads expires_in or expires_on, and classifies OAuth errors', () => {
    expect(tokenFrom(200, { access_token: 'a', expires_in: '120' }, 'L')).toEqual({ token: 'a', expiresInSec: 120 });
    expect(tokenFrom(200, { access_token: 'a', expires_on: '1100' }, 'L', () => 1_000_000)).toEqual({ token: 'a', expiresInSec: 100 });
    expect(() => tokenFrom(503, {}, 'L')).toThrow(expect.objectContaining({ reason: 'unavailable', retryable: true }));
    expect(() => tokenFrom(200, {}, 'L')).toThrow('no access_token');
  });

  it('cuts a client secret out of an endpoint that echoes it', () => {
    const secret = canary('client-secret');
    let message = '';
    try {
      tokenFrom(401, { error: 'invalid_client', error_description: `bad secret ${secret}` }, 'L', Date.now, [secret]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('L failed: HTTP 401 (invalid_client: bad secret [redacted])');
  });
});

describe('httpJson', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(301, { location: 'https://vault.example.com/v1/x' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>not json</html>');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('does not follow redirects (tokens stay where configured) and says where it pointed', async () => {
    await failure(httpJson(fetch, 'L', new URL(`${url}/redirect`), {}, 1000), {
      reason: 'config',
      contains: ['redirect (HTTP 301 to https://vault.example.com)'],
    });
  });

  it('returns json undefined for a non-JSON body', async () => {
    const r = await httpJson(fetch, 'L', new URL(`${url}/page`), {}, 1000);
    expect([r.status, r.json]).toEqual([200, undefined]);
  });

  it('treats an unknown host as a configuration error, a refused connection as transient', () => {
    const signal = new AbortController().signal;
    const dns = networkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }), signal, 'L', 'Vault', 1);
    expect([dns.reason, dns.retryable]).toEqual(['config', false]);
    const refused = networkError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), signal, 'L', 'Vault', 1);
    expect([refused.reason, refused.retryable]).toEqual(['unavailable', true]);
  });
});
