import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GcpSecretManagerBackend, type GcpBackendOptions } from '../../../src/secrets/sources/gcp-secret-manager';
import { GcpSecretManagerEmulator } from '../../support/secret-emulators/gcp-secret-manager';
import { GoogleOAuthEmulator } from '../../support/secret-emulators/gcp-oauth';
import type { EmulatorHandle } from '../../support/secret-emulators/http-emulator';
import { canary, deadUrl, failure, resolveWithRetry } from './helpers';

const sm = new GcpSecretManagerEmulator();
const oauth = new GoogleOAuthEmulator((t) => sm.addToken(t));
let smH: EmulatorHandle;
let oauthH: EmulatorHandle;
let dir: string;
let saFile: string;
let wrongKeyFile: string;
let privateKeyPem: string;

const STATIC_TOKEN = 'ya29.static-test-token';
const SA_EMAIL = 'cvctl@proj-1.iam.gserviceaccount.com';
const ref = (name: string) => ({ from: 'gcp-secret-manager' as const, name });

function backend(env: NodeJS.ProcessEnv = {}, opts: GcpBackendOptions = {}) {
  return new GcpSecretManagerBackend({
    env: { CVCTL_GCP_SECRETMANAGER_ENDPOINT: smH.url, HOME: dir, GCE_METADATA_HOST: '127.0.0.1:1', ...env },
    metadataTimeoutMs: 300,
    ...opts,
  });
}
const staticBackend = (env: NodeJS.ProcessEnv = {}, opts: GcpBackendOptions = {}) =>
  backend({ GOOGLE_OAUTH_ACCESS_TOKEN: STATIC_TOKEN, ...env }, opts);

function pemPair() {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

beforeAll(async () => {
  smH = await sm.start();
  oauthH = await oauth.start();
  sm.addToken(STATIC_TOKEN);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-gcp-'));

  // A real service-account key file, whose public half only the emulator knows.
  const { publicKey, privateKey } = pemPair();
  privateKeyPem = privateKey;
  oauth.addServiceAccount(SA_EMAIL, publicKey, 'key-1');
  const sa = { type: 'service_account', project_id: 'proj-1', private_key_id: 'key-1', private_key: privateKey, client_email: SA_EMAIL, token_uri: oauth.tokenUri };
  saFile = path.join(dir, 'sa.json');
  fs.writeFileSync(saFile, JSON.stringify(sa));
  wrongKeyFile = path.join(dir, 'sa-wrong-key.json');
  fs.writeFileSync(wrongKeyFile, JSON.stringify({ ...sa, private_key: pemPair().privateKey }));

  sm.addVersion('proj-1', 'openai', canary('v1'));
  sm.addVersion('proj-1', 'openai', canary('v2'));
  sm.addVersion('proj-1', 'states', canary('s1'));
  sm.addVersion('proj-1', 'states', canary('s2'));
  sm.addVersion('proj-1', 'states', canary('s3'));
  sm.setState('proj-1', 'states', 1, 'DESTROYED');
  sm.setState('proj-1', 'states', 2, 'DISABLED');
  sm.addVersion('proj-1', 'latest-disabled', canary('ld'));
  sm.setState('proj-1', 'latest-disabled', 1, 'DISABLED');
  sm.createSecret('proj-1', 'no-versions');
  sm.addVersion('proj-1', 'denied', canary('denied'));
  sm.deny('proj-1', 'denied');
  sm.addVersion('proj-1', 'empty', '');
  sm.addVersion('proj-1', 'binary', Buffer.from([0xc3, 0x28, 0xa0]));
});
afterAll(async () => {
  await smH.close();
  await oauthH.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const e of [sm, oauth]) {
    e.injectFaults({});
    e.resetStats();
  }
  sm.corruptChecksums = false;
  oauth.metadataAccount = undefined;
});

describe('gcp-secret-manager backend', () => {
  it('accesses the latest version with a bearer token, checking the CRC32C', async () => {
    expect((await staticBackend().resolve(ref('projects/proj-1/secrets/openai'))).reveal()).toBe(canary('v2'));
    const req = sm.requests[0]!;
    expect(req.url.pathname).toBe('/v1/projects/proj-1/secrets/openai/versions/latest:access');
    expect(req.headers.authorization).toBe(`Bearer ${STATIC_TOKEN}`);
    expect((await staticBackend().resolve(ref('projects/proj-1/secrets/openai/versions/1'))).reveal()).toBe(canary('v1'));
  });

  it('signs a JWT with the service-account key, exchanges it, and caches the token until expiry', async () => {
    oauth.tokenLifetimeSec = 20;
    let now = Date.now();
    const b = backend({ GOOGLE_APPLICATION_CREDENTIALS: saFile }, { now: () => now });
    expect((await b.resolve(ref('projects/proj-1/secrets/openai'))).reveal()).toBe(canary('v2'));
    await Promise.all([b.resolve(ref('projects/proj-1/secrets/openai')), b.resolve(ref('projects/proj-1/secrets/openai/versions/1'))]);
    expect(oauth.stats()).toEqual({ 'token:urn:ietf:params:oauth:grant-type:jwt-bearer': 1 });
    expect(oauth.issued.at(-1)).toMatchObject({ subject: SA_EMAIL, grant: 'jwt-bearer' });

    now += 9_000; // still fresh (refreshed at half-life for short-lived tokens)
    await b.resolve(ref('projects/proj-1/secrets/openai'));
    expect(oauth.stats()).toEqual({ 'token:urn:ietf:params:oauth:grant-type:jwt-bearer': 1 });
    // Past half-life: a new JWT, a new token. (The emulator checks iat against its real
    // clock, allowing 60 s of skew, so the injected clock may only run a little ahead.)
    now += 2_000;
    await b.resolve(ref('projects/proj-1/secrets/openai'));
    expect(oauth.stats()).toEqual({ 'token:urn:ietf:params:oauth:grant-type:jwt-bearer': 2 });
    oauth.tokenLifetimeSec = 3599;
  });

  it('reports a JWT the token endpoint rejects, without quoting the key file', async () => {
    const e = await failure(backend({ GOOGLE_APPLICATION_CREDENTIALS: wrongKeyFile }).resolve(ref('projects/proj-1/secrets/openai')), {
      reason: 'auth',
      contains: ["gcp-secret-manager secret 'projects/proj-1/secrets/openai'", 'invalid_grant', 'Invalid JWT Signature'],
    });
    expect(e.message).not.toContain('PRIVATE KEY');
    expect(e.message).not.toContain(privateKeyPem.split('\n')[1]!);
    const notJson = path.join(dir, 'not-json.json');
    fs.writeFileSync(notJson, privateKeyPem);
    const e2 = await failure(backend({ GOOGLE_APPLICATION_CREDENTIALS: notJson }).resolve(ref('projects/proj-1/secrets/openai')), {
      reason: 'auth',
      contains: ['is not JSON'],
    });
    expect(e2.message).not.toContain('PRIVATE KEY');
  });

  it('uses authorized_user credentials from the gcloud ADC file (CLOUDSDK_CONFIG)', async () => {
    const gcloud = path.join(dir, 'gcloud');
    fs.mkdirSync(gcloud, { recursive: true });
    oauth.addAuthorizedUser('dev@example.com', 'client-1', 'client-secret-1', 'refresh-1');
    fs.writeFileSync(
      path.join(gcloud, 'application_default_credentials.json'),
      JSON.stringify({ type: 'authorized_user', client_id: 'client-1', client_secret: 'client-secret-1', refresh_token: 'refresh-1', token_uri: oauth.tokenUri }),
    );
    expect((await backend({ CLOUDSDK_CONFIG: gcloud }).resolve(ref('projects/proj-1/secrets/openai'))).reveal()).toBe(canary('v2'));
    expect(oauth.issued.at(-1)).toMatchObject({ subject: 'dev@example.com', grant: 'refresh_token' });
  });

  it('falls back to the metadata server (GCE_METADATA_HOST), and says so when none answers', async () => {
    const host = new URL(oauthH.url).host;
    oauth.metadataAccount = 'vm@proj-1.iam.gserviceaccount.com';
    expect((await backend({ GCE_METADATA_HOST: host }).resolve(ref('projects/proj-1/secrets/openai'))).reveal()).toBe(canary('v2'));
    expect(oauth.stats()).toEqual({ 'metadata-token': 1 });
    expect(oauth.requests[0]!.headers['metadata-flavor']).toBe('Google');

    oauth.metadataAccount = undefined;
    await failure(backend({ GCE_METADATA_HOST: host }).resolve(ref('projects/proj-1/secrets/openai')), {
      reason: 'auth',
      contains: ['no service account attached'],
    });
    await failure(backend({ GCE_METADATA_HOST: new URL(await deadUrl()).host }).resolve(ref('projects/proj-1/secrets/openai')), {
      reason: 'auth',
      retryable: false,
      contains: ['no Google credentials', 'GOOGLE_APPLICATION_CREDENTIALS'],
    });
  });

  it('reports NOT_FOUND for a missing secret, a secret without versions, and a missing version', async () => {
    for (const name of ['projects/proj-1/secrets/nope', 'projects/proj-1/secrets/no-versions', 'projects/proj-1/secrets/openai/versions/9']) {
      await failure(staticBackend().resolve(ref(name)), { reason: 'not-found', contains: [`'${name}' was not found`] });
    }
  });

  it('reports PERMISSION_DENIED naming secretmanager.versions.access', async () => {
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/denied')), {
      reason: 'access-denied',
      contains: ['secretmanager.versions.access', 'projects/proj-1/secrets/denied/versions/latest'],
    });
  });

  it('reports DISABLED and DESTROYED versions clearly (FAILED_PRECONDITION)', async () => {
    expect((await staticBackend().resolve(ref('projects/proj-1/secrets/states'))).reveal()).toBe(canary('s3'));
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/states/versions/2')), { reason: 'disabled', contains: ['is disabled'] });
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/states/versions/1')), { reason: 'disabled', contains: ['is destroyed'] });
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/latest-disabled')), {
      reason: 'disabled',
      contains: ['versions/latest) is disabled'],
    });
  });

  it('marks 429 and 5xx retryable; the resolver retries to success', async () => {
    sm.injectFaults({ throttle: 1 });
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/openai')), { reason: 'unavailable', contains: ['HTTP 429 RESOURCE_EXHAUSTED'] });
    sm.injectFaults({ serverErrors: 1 });
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/openai')), { reason: 'unavailable', contains: ['HTTP 503'] });
    sm.resetStats();
    sm.injectFaults({ throttle: 1, serverErrors: 1 });
    expect(await resolveWithRetry('gcp-secret-manager', staticBackend(), ref('projects/proj-1/secrets/openai'))).toBe(canary('v2'));
    expect(sm.stats()).toEqual({ AccessSecretVersion: 3 });
  });

  it('retries a revoked cached token with a fresh one, but not a fixed GOOGLE_OAUTH_ACCESS_TOKEN', async () => {
    const b = backend({ GOOGLE_APPLICATION_CREDENTIALS: saFile });
    await b.resolve(ref('projects/proj-1/secrets/openai'));
    sm.revokeToken(oauth.issued.at(-1)!.token);
    expect(await resolveWithRetry('gcp-secret-manager', b, ref('projects/proj-1/secrets/openai/versions/1'))).toBe(canary('v1'));
    await failure(staticBackend({ GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.revoked' }).resolve(ref('projects/proj-1/secrets/openai')), {
      reason: 'auth',
      retryable: false,
      contains: ['UNAUTHENTICATED', 'GOOGLE_OAUTH_ACCESS_TOKEN'],
    }, ['ya29.revoked']);
  });

  it('times out a slow endpoint (retryable)', async () => {
    sm.injectFaults({ latencyMs: 400 });
    await failure(staticBackend({}, { timeoutMs: 100 }).resolve(ref('projects/proj-1/secrets/openai')), {
      reason: 'unavailable',
      contains: ['within 100 ms'],
    });
  });

  it('reports empty, non-UTF-8 and corrupted payloads without quoting them', async () => {
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/empty')), { reason: 'empty' });
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/binary')), { reason: 'malformed', contains: ['not UTF-8'] });
    sm.corruptChecksums = true;
    await failure(staticBackend().resolve(ref('projects/proj-1/secrets/openai')), { reason: 'unavailable', contains: ['CRC32C'] });
  });

  it('rejects bad names and a plain-http remote endpoint before sending the token', async () => {
    await failure(staticBackend().resolve(ref('openai')), { reason: 'config', contains: ['projects/PROJECT/secrets/SECRET'] });
    await failure(staticBackend().resolve(ref('projects/p/secrets/s/versions/1:access')), { reason: 'config' });
    await failure(staticBackend({ CVCTL_GCP_SECRETMANAGER_ENDPOINT: 'http://secretmanager.example.com' }).resolve(ref('projects/p/secrets/s')), {
      reason: 'config',
      contains: ['must be https'],
    });
    expect(sm.requests).toHaveLength(0);
  });
});
