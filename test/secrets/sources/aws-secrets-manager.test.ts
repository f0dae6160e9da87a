import type { SecretRef } from '../../../src/domain/types';
import { AwsSecretsManagerBackend } from '../../../src/secrets/sources/aws-secrets-manager';
import { TEST_AWS_CREDENTIALS } from '../../support/secret-emulators/aws-json';
import type { EmulatorHandle } from '../../support/secret-emulators/http-emulator';
import { SecretsManagerEmulator } from '../../support/secret-emulators/secrets-manager';
import { canary, deadUrl, failure, resolveWithRetry } from './helpers';

const emu = new SecretsManagerEmulator();
let handle: EmulatorHandle;
const backends: AwsSecretsManagerBackend[] = [];

function backend(env: NodeJS.ProcessEnv = {}, timeoutMs?: number): AwsSecretsManagerBackend {
  const b = new AwsSecretsManagerBackend({
    env: {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: handle.url,
      AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
      ...env,
    },
    timeoutMs,
  });
  backends.push(b);
  return b;
}
const ref = (secretId: string, extra: Partial<SecretRef> = {}): SecretRef => ({ from: 'aws-secrets-manager', secretId, ...extra });

const OPENAI = canary('openai');
const JSON_SECRET = JSON.stringify({ apiKey: canary('json-key'), port: 5432, nested: { x: canary('nested') } });

beforeAll(async () => {
  handle = await emu.start();
  emu.putSecret('prod/openai', OPENAI, { region: 'eu-west-1' });
  emu.putSecret('prod/openai', canary('us'), { region: 'us-east-1' });
  emu.putSecret('prod/json', JSON_SECRET, { region: 'eu-west-1' });
  emu.putSecret('prod/not-json', canary('plain'), { region: 'eu-west-1' });
  emu.putSecret('prod/array', JSON.stringify([canary('arr')]), { region: 'eu-west-1' });
  emu.putSecret('prod/binary', { binary: Buffer.from(canary('bin')) }, { region: 'eu-west-1' });
  emu.putSecret('prod/bad-binary', { binary: Buffer.from([0xff, 0xfe, 0x41]) }, { region: 'eu-west-1' });
  emu.putSecret('prod/empty', '', { region: 'eu-west-1' });
  emu.putSecret('prod/blank', '  \n', { region: 'eu-west-1' });
  emu.putSecret('prod/rotated', canary('old'), { region: 'eu-west-1' });
  emu.putSecret('prod/rotated', canary('new'), { region: 'eu-west-1' });
  emu.putSecret('prod/denied', canary('denied'), { region: 'eu-west-1' });
  emu.deny('prod/denied');
  emu.putSecret('prod/deleted', canary('deleted'), { region: 'eu-west-1' });
  emu.deleteSecret('prod/deleted', 'eu-west-1');
});
afterAll(async () => {
  for (const b of backends) b.destroy();
  await handle.close();
});
beforeEach(() => {
  emu.injectFaults({});
  emu.resetStats();
});

describe('aws-secrets-manager backend', () => {
  it('reads a SecretString with a SigV4-signed GetSecretValue, region from AWS_REGION', async () => {
    const v = await backend().resolve(ref('prod/openai'));
    expect(v.reveal()).toBe(OPENAI);
    expect(String(v)).toBe('[secret]');
    expect(emu.stats()).toEqual({ GetSecretValue: 1 });
    expect(emu.regionsSeen.at(-1)).toBe('eu-west-1');
  });

  it("uses the reference's region over AWS_REGION, with one client per region, reused", async () => {
    const b = backend();
    expect((await b.resolve(ref('prod/openai', { region: 'us-east-1' }))).reveal()).toBe(canary('us'));
    expect((await b.resolve(ref('prod/openai'))).reveal()).toBe(OPENAI);
    await b.resolve(ref('prod/openai', { region: 'us-east-1' }));
    expect(b.clientCount).toBe(2);
    expect(emu.regionsSeen.slice(-3)).toEqual(['us-east-1', 'eu-west-1', 'us-east-1']);
  });

  it('falls back to AWS_DEFAULT_REGION, and accepts an ARN as secretId', async () => {
    const arn = emu.putSecret('prod/by-arn', canary('arn'), { region: 'ap-south-1' });
    const b = backend({ AWS_REGION: '', AWS_DEFAULT_REGION: 'ap-south-1' });
    expect((await b.resolve(ref(arn))).reveal()).toBe(canary('arn'));
  });

  it('reads a version stage, a jsonKey field, and SecretBinary as UTF-8', async () => {
    const b = backend();
    expect((await b.resolve(ref('prod/rotated'))).reveal()).toBe(canary('new'));
    expect((await b.resolve(ref('prod/rotated', { versionStage: 'AWSPREVIOUS' }))).reveal()).toBe(canary('old'));
    expect((await b.resolve(ref('prod/json', { jsonKey: 'apiKey' }))).reveal()).toBe(canary('json-key'));
    expect((await b.resolve(ref('prod/binary'))).reveal()).toBe(canary('bin'));
  });

  it('prefers AWS_ENDPOINT_URL_SECRETS_MANAGER over AWS_ENDPOINT_URL, and uses AWS_ENDPOINT_URL alone', async () => {
    const dead = await deadUrl();
    expect((await backend({ AWS_ENDPOINT_URL: dead }).resolve(ref('prod/openai'))).reveal()).toBe(OPENAI);
    const generic = backend({ AWS_ENDPOINT_URL_SECRETS_MANAGER: '', AWS_ENDPOINT_URL: handle.url });
    expect((await generic.resolve(ref('prod/openai'))).reveal()).toBe(OPENAI);
  });

  it('reports a missing secret or stage as not found', async () => {
    await failure(backend().resolve(ref('prod/nope')), {
      reason: 'not-found',
      contains: ["aws-secrets-manager secret 'prod/nope' (region eu-west-1) was not found"],
    });
    await failure(backend().resolve(ref('prod/openai', { versionStage: 'AWSPENDING' })), {
      reason: 'not-found',
      contains: ['stage AWSPENDING'],
    });
  });

  it('reports access denied with the IAM action, not retryable', async () => {
    await failure(backend().resolve(ref('prod/denied')), {
      reason: 'access-denied',
      contains: ["secret 'prod/denied'", 'secretsmanager:GetSecretValue'],
    });
  });

  it('reports a secret scheduled for deletion', async () => {
    await failure(backend().resolve(ref('prod/deleted')), { reason: 'disabled', contains: ['scheduled for deletion'] });
  });

  it('marks throttling and 5xx retryable, and the resolver retries them to success', async () => {
    emu.injectFaults({ throttle: 1 });
    await failure(backend().resolve(ref('prod/openai')), { reason: 'unavailable', contains: ['throttled', 'ThrottlingException'] });
    emu.injectFaults({ serverErrors: 1 });
    await failure(backend().resolve(ref('prod/openai')), { reason: 'unavailable', contains: ['HTTP 500'] });

    emu.resetStats();
    emu.injectFaults({ throttle: 1, serverErrors: 1 });
    expect(await resolveWithRetry('aws-secrets-manager', backend(), ref('prod/openai'))).toBe(OPENAI);
    // No SDK-level retries on top of the resolver's: exactly 3 calls.
    expect(emu.stats()).toEqual({ GetSecretValue: 3 });
  });

  it('times out a slow endpoint (retryable) and reports a refused connection as retryable', async () => {
    emu.injectFaults({ latencyMs: 400 });
    await failure(backend({}, 100).resolve(ref('prod/openai')), { reason: 'unavailable', contains: ['100 ms'] });
    emu.injectFaults({});
    await failure(backend({ AWS_ENDPOINT_URL_SECRETS_MANAGER: await deadUrl() }).resolve(ref('prod/openai')), {
      reason: 'unavailable',
      contains: ['cannot reach AWS'],
    });
  });

  it('rejects bad credentials as an auth failure', async () => {
    await failure(backend({ AWS_SECRET_ACCESS_KEY: 'wrong-secret-key' }).resolve(ref('prod/openai')), {
      reason: 'auth',
      contains: ['InvalidSignatureException'],
    }, ['wrong-secret-key']);
    await failure(backend({ AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000' }).resolve(ref('prod/openai')), {
      reason: 'auth',
      contains: ['UnrecognizedClientException'],
    });
  });

  it('never quotes the value when it is malformed or empty', async () => {
    const b = backend();
    await failure(b.resolve(ref('prod/not-json', { jsonKey: 'apiKey' })), {
      reason: 'malformed',
      contains: ["jsonKey 'apiKey' is set but the secret is not JSON"],
    });
    await failure(b.resolve(ref('prod/json', { jsonKey: 'missing' })), { reason: 'malformed', contains: ["no key 'missing'", '3 keys'] });
    await failure(b.resolve(ref('prod/json', { jsonKey: 'port' })), { reason: 'malformed', contains: ["'port' is a number, not a string"] });
    await failure(b.resolve(ref('prod/json', { jsonKey: 'nested' })), { reason: 'malformed', contains: ['is an object'] });
    await failure(b.resolve(ref('prod/array', { jsonKey: 'apiKey' })), { reason: 'malformed', contains: ['JSON an array'] });
    await failure(b.resolve(ref('prod/bad-binary')), { reason: 'malformed', contains: ['SecretBinary is not UTF-8'] });
    await failure(b.resolve(ref('prod/empty')), { reason: 'empty', contains: ["'prod/empty' (region eu-west-1) is empty"] });
    await failure(b.resolve(ref('prod/blank')), { reason: 'empty' });
  });

  it('rejects a reference without secretId', async () => {
    await failure(backend().resolve({ from: 'aws-secrets-manager' }), { reason: 'config', contains: ["needs 'secretId'"] });
  });
});
