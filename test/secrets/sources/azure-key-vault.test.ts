import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SecretRef } from '../../../src/domain/types';
import { keyVaultResource } from '../../../src/secrets/sources/azure-auth';
import { AzureKeyVaultBackend, type AzureBackendOptions } from '../../../src/secrets/sources/azure-key-vault';
import { AzureIdentityEmulator } from '../../support/secret-emulators/azure-identity';
import { AzureKeyVaultEmulator, EMULATOR_TENANT } from '../../support/secret-emulators/azure-key-vault';
import type { EmulatorHandle } from '../../support/secret-emulators/http-emulator';
import { canary, deadUrl, failure, resolveWithRetry } from './helpers';

const kv = new AzureKeyVaultEmulator();
const idp = new AzureIdentityEmulator((token, resource) => kv.addToken(token, resource));
let kvH: EmulatorHandle;
let idpH: EmulatorHandle;
let dir: string;
let versions: { v1: string; v2: string; disabled: string };

const STATIC_TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.static-test-token';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const CLIENT_SECRET = 'client~secret~value~0123456789';
const ref = (name: string, extra: Partial<SecretRef> = {}): SecretRef => ({ from: 'azure-key-vault', vaultUrl: kvH.url, name, ...extra });

function backend(env: NodeJS.ProcessEnv = {}, opts: AzureBackendOptions = {}) {
  // IMDS points at a dead port unless a test says otherwise: never the real 169.254.169.254.
  return new AzureKeyVaultBackend({ env: { AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:1', ...env }, imdsTimeoutMs: 300, ...opts });
}
const staticBackend = (env: NodeJS.ProcessEnv = {}, opts: AzureBackendOptions = {}) => backend({ AZURE_ACCESS_TOKEN: STATIC_TOKEN, ...env }, opts);
const spEnv = () => ({ AZURE_TENANT_ID: EMULATOR_TENANT, AZURE_CLIENT_ID: CLIENT_ID, AZURE_CLIENT_SECRET: CLIENT_SECRET, AZURE_AUTHORITY_HOST: idpH.url });

beforeAll(async () => {
  kvH = await kv.start();
  idpH = await idp.start();
  kv.addToken(STATIC_TOKEN);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-azure-'));
  idp.addApp({ tenant: EMULATOR_TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, federatedAssertion: 'k8s-sa-token' });
  const v1 = kv.setSecret('openai', canary('v1'));
  const v2 = kv.setSecret('openai', canary('v2'));
  kv.setSecret('disabled', canary('d'), { enabled: false });
  const disabled = kv.setSecret('partly', canary('p1'));
  kv.setSecret('partly', canary('p2'));
  kv.setEnabled('partly', false, disabled);
  kv.setSecret('denied', canary('denied'));
  kv.deny('denied');
  kv.setSecret('blank', ' ');
  versions = { v1, v2, disabled };
});
afterAll(async () => {
  await kvH.close();
  await idpH.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const e of [kv, idp]) {
    e.injectFaults({});
    e.resetStats();
  }
  idp.managedIdentityClientId = undefined;
});

describe('azure-key-vault backend', () => {
  it('gets the current version with a bearer token and api-version 7.4, or a fixed version', async () => {
    expect((await staticBackend().resolve(ref('openai'))).reveal()).toBe(canary('v2'));
    const req = kv.requests[0]!;
    expect(req.url.pathname + req.url.search).toBe('/secrets/openai?api-version=7.4');
    expect(req.headers.authorization).toBe(`Bearer ${STATIC_TOKEN}`);
    expect((await staticBackend().resolve(ref('openai', { version: versions.v1, vaultUrl: `${kvH.url}/` }))).reveal()).toBe(canary('v1'));
    expect(kv.requests[1]!.url.pathname).toBe(`/secrets/openai/${versions.v1}`);
  });

  it('gets a token with the client-secret flow, once, and reuses it', async () => {
    const b = backend(spEnv());
    expect((await b.resolve(ref('openai'))).reveal()).toBe(canary('v2'));
    await Promise.all([b.resolve(ref('openai')), b.resolve(ref('openai', { version: versions.v1 }))]);
    expect(idp.stats()).toEqual({ token: 1 });
    const form = Object.fromEntries(new URLSearchParams(idp.requests[0]!.body.toString()));
    expect(idp.requests[0]!.url.pathname).toBe(`/${EMULATOR_TENANT}/oauth2/v2.0/token`);
    expect(form).toMatchObject({ grant_type: 'client_credentials', client_id: CLIENT_ID, scope: 'https://vault.azure.net/.default' });
    expect(idp.issued.at(-1)).toMatchObject({ clientId: CLIENT_ID, via: 'client_secret', resource: 'https://vault.azure.net' });
  });

  it('reports a wrong client secret without quoting it', async () => {
    await failure(backend({ ...spEnv(), AZURE_CLIENT_SECRET: 'wrong~secret~value' }).resolve(ref('openai')), {
      reason: 'auth',
      contains: ["azure-key-vault secret 'openai'", 'invalid_client', 'AADSTS7000215'],
    }, ['wrong~secret~value', CLIENT_SECRET]);
  });

  it('uses workload identity (AZURE_FEDERATED_TOKEN_FILE)', async () => {
    const file = path.join(dir, 'azure-identity-token');
    fs.writeFileSync(file, 'k8s-sa-token\n');
    const env = { AZURE_TENANT_ID: EMULATOR_TENANT, AZURE_CLIENT_ID: CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE: file, AZURE_AUTHORITY_HOST: idpH.url };
    expect((await backend(env).resolve(ref('openai'))).reveal()).toBe(canary('v2'));
    expect(idp.issued.at(-1)).toMatchObject({ via: 'client_assertion' });
  });

  it('uses a managed identity through IMDS or the App Service endpoint', async () => {
    idp.managedIdentityClientId = 'mi-client';
    expect((await backend({ AZURE_POD_IDENTITY_AUTHORITY_HOST: idpH.url }).resolve(ref('openai'))).reveal()).toBe(canary('v2'));
    const imds = idp.requests.at(-1)!;
    expect(imds.headers.metadata).toBe('true');
    expect(imds.url.searchParams.get('resource')).toBe('https://vault.azure.net');

    const appService = { IDENTITY_ENDPOINT: `${idpH.url}/msi/token`, IDENTITY_HEADER: idp.appServiceHeader };
    expect((await backend(appService).resolve(ref('openai'))).reveal()).toBe(canary('v2'));
    expect(idp.stats()).toEqual({ 'imds-token': 1, 'app-service-token': 1 });
  });

  it('says which credentials to set when no managed identity exists or IMDS does not answer', async () => {
    await failure(backend({ AZURE_POD_IDENTITY_AUTHORITY_HOST: idpH.url }).resolve(ref('openai')), {
      reason: 'auth',
      contains: ['no managed identity is assigned'],
    });
    await failure(backend({ AZURE_POD_IDENTITY_AUTHORITY_HOST: await deadUrl() }).resolve(ref('openai')), {
      reason: 'auth',
      retryable: false,
      contains: ['no Azure credentials', 'AZURE_CLIENT_SECRET', 'IMDS did not answer'],
    });
  });

  it('reports SecretNotFound for a missing secret or version', async () => {
    await failure(staticBackend().resolve(ref('nope')), { reason: 'not-found', contains: [`azure-key-vault secret 'nope' in ${kvH.url} was not found`] });
    await failure(staticBackend().resolve(ref('openai', { version: '0'.repeat(32) })), { reason: 'not-found', contains: ['version 000'] });
  });

  it('reports Forbidden naming the secrets/get permission', async () => {
    const e = await failure(staticBackend().resolve(ref('denied')), { reason: 'access-denied', contains: ['secrets/get', 'Key Vault Secrets User'] });
    expect(e.message).not.toMatch(/[\r\n]/);
  });

  it('reports a disabled secret or version clearly', async () => {
    await failure(staticBackend().resolve(ref('disabled')), { reason: 'disabled', contains: ["'disabled'", 'is disabled'] });
    expect((await staticBackend().resolve(ref('partly'))).reveal()).toBe(canary('p2'));
    await failure(staticBackend().resolve(ref('partly', { version: versions.disabled })), { reason: 'disabled' });
  });

  it('marks 429 and 5xx retryable; the resolver retries to success', async () => {
    kv.injectFaults({ throttle: 1 });
    await failure(staticBackend().resolve(ref('openai')), { reason: 'unavailable', contains: ['HTTP 429 Throttled'] });
    kv.injectFaults({ serverErrors: 1 });
    await failure(staticBackend().resolve(ref('openai')), { reason: 'unavailable', contains: ['HTTP 500'] });
    kv.resetStats();
    kv.injectFaults({ throttle: 1, serverErrors: 1 });
    expect(await resolveWithRetry('azure-key-vault', staticBackend(), ref('openai'))).toBe(canary('v2'));
    expect(kv.stats()).toEqual({ GetSecret: 3 });
  });

  it('reports a rejected fixed token (401) with the tenant the vault expects, not retryable', async () => {
    await failure(staticBackend({ AZURE_ACCESS_TOKEN: 'eyJ.bogus' }).resolve(ref('openai')), {
      reason: 'auth',
      retryable: false,
      contains: ['rejected the token', EMULATOR_TENANT],
    }, ['eyJ.bogus']);
  });

  it('times out a slow vault (retryable)', async () => {
    kv.injectFaults({ latencyMs: 400 });
    await failure(staticBackend({}, { timeoutMs: 100 }).resolve(ref('openai')), { reason: 'unavailable', contains: ['within 100 ms'] });
  });

  it('rejects empty values and bad references; http only for loopback', async () => {
    await failure(staticBackend().resolve(ref('blank')), { reason: 'empty', contains: ['is empty'] });
    await failure(staticBackend().resolve(ref('openai', { vaultUrl: 'http://my-vault.vault.azure.net' })), { reason: 'config', contains: ['must be https'] });
    await failure(staticBackend().resolve(ref('openai', { vaultUrl: `${kvH.url}/secrets` })), { reason: 'config', contains: ["just the vault's address"] });
    await failure(staticBackend().resolve(ref('bad_name')), { reason: 'config' });
    await failure(staticBackend().resolve(ref('openai', { version: '../x' })), { reason: 'config' });
    await failure(staticBackend().resolve({ from: 'azure-key-vault', vaultUrl: kvH.url }), { reason: 'config', contains: ["needs 'name'"] });
    expect(kv.requests.map((r) => r.url.pathname)).toEqual(['/secrets/blank']); // the rest never left the process
  });

  it('asks for the token resource of the vault’s cloud', () => {
    expect(keyVaultResource(new URL('https://x.vault.azure.net'))).toBe('https://vault.azure.net');
    expect(keyVaultResource(new URL('https://x.vault.azure.cn'))).toBe('https://vault.azure.cn');
    expect(keyVaultResource(new URL('https://x.vault.usgovcloudapi.net'))).toBe('https://vault.usgovcloudapi.net');
    expect(keyVaultResource(new URL('http://127.0.0.1:8443'))).toBe('https://vault.azure.net');
  });
});
