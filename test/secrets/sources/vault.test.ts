import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SecretRef } from '../../../src/domain/types';
import { VaultBackend } from '../../../src/secrets/sources/vault';
import type { EmulatorHandle } from '../../support/secret-emulators/http-emulator';
import { VaultEmulator } from '../../support/secret-emulators/vault';
import { canary, deadUrl, failure, resolveWithRetry } from './helpers';

const emu = new VaultEmulator();
let handle: EmulatorHandle;
const TOKEN = 'hvs.emulator-root-token';
const NS_TOKEN = 'hvs.emulator-team-a-token';

const backend = (env: NodeJS.ProcessEnv = {}, timeoutMs?: number) =>
  new VaultBackend({ env: { VAULT_ADDR: handle.url, VAULT_TOKEN: TOKEN, HOME: '/nonexistent', ...env }, timeoutMs });
const ref = (p: string, field: string, extra: Partial<SecretRef> = {}): SecretRef => ({ from: 'vault', path: p, field, ...extra });

beforeAll(async () => {
  handle = await emu.start();
  emu.addToken(TOKEN);
  emu.addToken(NS_TOKEN, 'team-a');
  emu.put('ai/openai', { apiKey: canary('v1'), org: 'org-1' });
  emu.put('ai/openai', { apiKey: canary('v2'), org: 'org-1', port: 8080, blank: '' });
  emu.put('ai/kv', { apiKey: canary('kv-mount') }, { mount: 'kv' });
  emu.put('ai/ns', { apiKey: canary('ns') }, { namespace: 'team-a' });
  emu.put('ai/rotated', { apiKey: canary('r1') });
  emu.put('ai/rotated', { apiKey: canary('r2') });
  emu.put('ai/rotated', { apiKey: canary('r3') });
  emu.deleteVersion('ai/rotated', 2);
  emu.destroyVersion('ai/rotated', 1);
  emu.put('ai/deleted-latest', { apiKey: canary('gone') });
  emu.deleteVersion('ai/deleted-latest', 1);
  emu.put('ai/denied', { apiKey: canary('denied') });
  emu.deny('ai/denied');
});
afterAll(() => handle.close());
beforeEach(() => {
  emu.injectFaults({});
  emu.resetStats();
  emu.seal(false);
});

describe('vault backend (KV v2)', () => {
  it('reads a field of the latest version with X-Vault-Token', async () => {
    expect((await backend().resolve(ref('ai/openai', 'apiKey'))).reveal()).toBe(canary('v2'));
    const req = emu.requests[0]!;
    expect(req.url.pathname).toBe('/v1/secret/data/ai/openai');
    expect(req.headers['x-vault-token']).toBe(TOKEN);
    expect(req.headers['x-vault-namespace']).toBeUndefined();
    expect(emu.stats()).toEqual({ 'GET kv-v2 data': 1 });
  });

  it('reads a fixed version, another mount, and through a namespace', async () => {
    expect((await backend().resolve(ref('ai/openai', 'apiKey', { version: 1 }))).reveal()).toBe(canary('v1'));
    expect((await backend().resolve(ref('ai/openai', 'apiKey', { version: '2' }))).reveal()).toBe(canary('v2'));
    expect(emu.requests[0]!.url.search).toBe('?version=1');
    expect((await backend().resolve(ref('/ai/kv/', 'apiKey', { mount: 'kv' }))).reveal()).toBe(canary('kv-mount'));
    const ns = backend({ VAULT_TOKEN: NS_TOKEN, VAULT_NAMESPACE: 'team-a' });
    expect((await ns.resolve(ref('ai/ns', 'apiKey'))).reveal()).toBe(canary('ns'));
    expect(emu.requests.at(-1)!.headers['x-vault-namespace']).toBe('team-a');
  });

  it('reads the token from ~/.vault-token when VAULT_TOKEN is unset', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-vault-home-'));
    try {
      fs.writeFileSync(path.join(home, '.vault-token'), `${TOKEN}\n`);
      expect((await backend({ VAULT_TOKEN: undefined, HOME: home }).resolve(ref('ai/openai', 'org'))).reveal()).toBe('org-1');
      fs.rmSync(path.join(home, '.vault-token'));
      await failure(backend({ VAULT_TOKEN: undefined, HOME: home }).resolve(ref('ai/openai', 'org')), {
        reason: 'auth',
        contains: ['no Vault token', 'VAULT_TOKEN', '.vault-token'],
      });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('fails clearly without VAULT_ADDR', async () => {
    await failure(backend({ VAULT_ADDR: undefined }).resolve(ref('ai/openai', 'apiKey')), {
      reason: 'config',
      contains: ["vault secret 'secret/ai/openai' field 'apiKey'", 'VAULT_ADDR is not set'],
    });
  });

  it('reports a missing path, version or mount as not found (never an empty secret)', async () => {
    await failure(backend().resolve(ref('ai/nope', 'apiKey')), { reason: 'not-found', contains: ['no secret at secret/data/ai/nope'] });
    await failure(backend().resolve(ref('ai/openai', 'apiKey', { version: 9 })), { reason: 'not-found', contains: ['version 9'] });
    await failure(backend().resolve(ref('ai/openai', 'apiKey', { mount: 'nomount' })), {
      reason: 'not-found',
      contains: ["no mount 'nomount'"],
    });
  });

  it('reports permission denied naming the policy path, for a denied path and a bad token', async () => {
    await failure(backend().resolve(ref('ai/denied', 'apiKey')), {
      reason: 'access-denied',
      contains: ['permission denied', 'grant "read" on path "secret/data/ai/denied"'],
    });
    await failure(backend({ VAULT_TOKEN: 'hvs.bogus' }).resolve(ref('ai/openai', 'apiKey')), { reason: 'access-denied' }, ['hvs.bogus']);
    // A namespaced token outside its namespace.
    await failure(backend({ VAULT_TOKEN: NS_TOKEN }).resolve(ref('ai/openai', 'apiKey')), { reason: 'access-denied' });
  });

  it('reports deleted and destroyed versions as errors, not empty secrets', async () => {
    expect((await backend().resolve(ref('ai/rotated', 'apiKey'))).reveal()).toBe(canary('r3'));
    await failure(backend().resolve(ref('ai/rotated', 'apiKey', { version: 2 })), {
      reason: 'disabled',
      contains: ['version 2 was deleted at'],
    });
    await failure(backend().resolve(ref('ai/rotated', 'apiKey', { version: 1 })), { reason: 'disabled', contains: ['version 1 is destroyed'] });
    await failure(backend().resolve(ref('ai/deleted-latest', 'apiKey')), { reason: 'disabled', contains: ['version 1 was deleted'] });
  });

  it('marks 429, 5xx and a sealed Vault retryable; the resolver retries to success', async () => {
    emu.injectFaults({ throttle: 1 });
    await failure(backend().resolve(ref('ai/openai', 'apiKey')), { reason: 'unavailable', contains: ['HTTP 429', 'rate limit'] });
    emu.seal();
    await failure(backend().resolve(ref('ai/openai', 'apiKey')), { reason: 'unavailable', contains: ['HTTP 503', 'Vault is sealed'] });
    emu.seal(false);

    emu.resetStats();
    emu.injectFaults({ throttle: 1, serverErrors: 1 });
    expect(await resolveWithRetry('vault', backend(), ref('ai/openai', 'apiKey'))).toBe(canary('v2'));
    expect(emu.stats()).toEqual({ 'GET kv-v2 data': 3 });
  });

  it('times out (retryable) and reports an unreachable Vault as retryable', async () => {
    emu.injectFaults({ latencyMs: 400 });
    await failure(backend({}, 100).resolve(ref('ai/openai', 'apiKey')), { reason: 'unavailable', contains: ['within 100 ms'] });
    await failure(backend({ VAULT_ADDR: await deadUrl() }).resolve(ref('ai/openai', 'apiKey')), {
      reason: 'unavailable',
      contains: ['cannot reach Vault', 'ECONNREFUSED'],
    });
  });

  it('never quotes the secret for a missing, non-string or empty field', async () => {
    await failure(backend().resolve(ref('ai/openai', 'missing')), { reason: 'malformed', contains: ["vault secret 'secret/ai/openai': the secret has no field 'missing' (it has 4 fields)"] });
    await failure(backend().resolve(ref('ai/openai', 'port')), { reason: 'malformed', contains: ["'port' is a number"] });
    await failure(backend().resolve(ref('ai/openai', 'blank')), { reason: 'empty', contains: ["vault secret 'secret/ai/openai': field 'blank' is empty"] });
  });

  it('rejects incomplete references and path tricks before any request', async () => {
    await failure(backend().resolve({ from: 'vault', field: 'x' }), { reason: 'config', contains: ["needs 'path'"] });
    await failure(backend().resolve({ from: 'vault', path: 'ai/openai' }), { reason: 'config', contains: ["needs 'field'"] });
    await failure(backend().resolve(ref('ai/openai', 'apiKey', { version: 'latest' })), { reason: 'config', contains: ['positive integer'] });
    await failure(backend().resolve(ref('ai/../denied', 'apiKey')), { reason: 'config', contains: ["'..'"] });
    expect(emu.requests).toHaveLength(0);
  });
});
