import type { SecretRef } from '../../../src/domain/types';
import { AwsSsmBackend } from '../../../src/secrets/sources/aws-ssm';
import { TEST_AWS_CREDENTIALS } from '../../support/secret-emulators/aws-json';
import type { EmulatorHandle } from '../../support/secret-emulators/http-emulator';
import { SsmEmulator } from '../../support/secret-emulators/ssm';
import { canary, deadUrl, failure, resolveWithRetry } from './helpers';

const emu = new SsmEmulator();
let handle: EmulatorHandle;
const backends: AwsSsmBackend[] = [];

function backend(env: NodeJS.ProcessEnv = {}, timeoutMs?: number): AwsSsmBackend {
  const b = new AwsSsmBackend({
    env: {
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL_SSM: handle.url,
      AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
      ...env,
    },
    timeoutMs,
  });
  backends.push(b);
  return b;
}
const ref = (name: string, extra: Partial<SecretRef> = {}): SecretRef => ({ from: 'aws-ssm', name, ...extra });
const KEY = canary('ssm');

beforeAll(async () => {
  handle = await emu.start();
  emu.putParameter('/prod/openai', KEY, { region: 'eu-west-1' });
  emu.putParameter('/prod/openai', canary('us'), { region: 'us-east-1' });
  emu.putParameter('/prod/plain', canary('plain'), { region: 'eu-west-1', type: 'String' });
  emu.putParameter('/prod/versioned', canary('v1'), { region: 'eu-west-1', labels: ['live'] });
  emu.putParameter('/prod/versioned', canary('v2'), { region: 'eu-west-1' });
  emu.putParameter('/prod/blank', '   ', { region: 'eu-west-1' });
  emu.putParameter('/prod/denied', canary('denied'), { region: 'eu-west-1' });
  emu.deny('/prod/denied');
  emu.putParameter('/prod/kms-denied', canary('kms'), { region: 'eu-west-1' });
  emu.denyKms('/prod/kms-denied');
});
afterAll(async () => {
  for (const b of backends) b.destroy();
  await handle.close();
});
beforeEach(() => {
  emu.injectFaults({});
  emu.resetStats();
});

describe('aws-ssm backend', () => {
  it('reads a SecureString decrypted (WithDecryption) with a SigV4-signed GetParameter', async () => {
    expect((await backend().resolve(ref('/prod/openai'))).reveal()).toBe(KEY);
    expect(emu.stats()).toEqual({ GetParameter: 1 });
    const body = JSON.parse(emu.requests[0]!.body.toString('utf8'));
    expect(body).toEqual({ Name: '/prod/openai', WithDecryption: true });
  });

  it('reads String parameters, version and label selectors, and ARNs', async () => {
    const b = backend();
    expect((await b.resolve(ref('/prod/plain'))).reveal()).toBe(canary('plain'));
    expect((await b.resolve(ref('/prod/versioned'))).reveal()).toBe(canary('v2'));
    expect((await b.resolve(ref('/prod/versioned:1'))).reveal()).toBe(canary('v1'));
    expect((await b.resolve(ref('/prod/versioned:live'))).reveal()).toBe(canary('v1'));
    expect((await b.resolve(ref('arn:aws:ssm:eu-west-1:123456789012:parameter/prod/openai'))).reveal()).toBe(KEY);
  });

  it("uses the reference's region, one client per region", async () => {
    const b = backend();
    expect((await b.resolve(ref('/prod/openai', { region: 'us-east-1' }))).reveal()).toBe(canary('us'));
    expect((await b.resolve(ref('/prod/openai'))).reveal()).toBe(KEY);
    expect(b.clientCount).toBe(2);
    expect(emu.regionsSeen.slice(-2)).toEqual(['us-east-1', 'eu-west-1']);
  });

  it('honours AWS_ENDPOINT_URL_SSM over AWS_ENDPOINT_URL', async () => {
    expect((await backend({ AWS_ENDPOINT_URL: await deadUrl() }).resolve(ref('/prod/openai'))).reveal()).toBe(KEY);
    expect((await backend({ AWS_ENDPOINT_URL_SSM: undefined, AWS_ENDPOINT_URL: handle.url }).resolve(ref('/prod/openai'))).reveal()).toBe(KEY);
  });

  it('reports a missing parameter or version as not found', async () => {
    await failure(backend().resolve(ref('/prod/nope')), {
      reason: 'not-found',
      contains: ["aws-ssm parameter '/prod/nope' (region eu-west-1) was not found"],
    });
    await failure(backend().resolve(ref('/prod/versioned:9')), { reason: 'not-found', contains: ["'/prod/versioned:9'"] });
  });

  it('reports access denied (ssm:GetParameter, and KMS decryption) without retrying', async () => {
    const e = await failure(backend().resolve(ref('/prod/denied')), { reason: 'access-denied', contains: ['ssm:GetParameter'] });
    expect(e.message).toContain('not authorized'); // the service's own explanation is kept
    await failure(backend().resolve(ref('/prod/kms-denied')), { reason: 'access-denied', contains: ['kms:Decrypt'] });
  });

  it('marks throttling and 5xx retryable; the resolver retries to success', async () => {
    emu.injectFaults({ throttle: 1 });
    await failure(backend().resolve(ref('/prod/openai')), { reason: 'unavailable', contains: ['throttled'] });
    emu.injectFaults({ serverErrors: 1 });
    await failure(backend().resolve(ref('/prod/openai')), { reason: 'unavailable', contains: ['InternalServerError'] });

    emu.resetStats();
    emu.injectFaults({ throttle: 2 });
    expect(await resolveWithRetry('aws-ssm', backend(), ref('/prod/openai'))).toBe(KEY);
    expect(emu.stats()).toEqual({ GetParameter: 3 });
  });

  it('gives up after the retry budget with a message naming the reference', async () => {
    emu.injectFaults({ throttle: 5 });
    let message = '';
    await resolveWithRetry('aws-ssm', backend(), ref('/prod/openai')).catch((e: Error) => (message = e.message));
    expect(message).toContain("aws-ssm parameter '/prod/openai'");
    expect(message).toContain('after 3 attempts');
    expect(message).not.toContain(KEY);
  });

  it('times out a slow endpoint as retryable', async () => {
    emu.injectFaults({ latencyMs: 400 });
    await failure(backend({}, 100).resolve(ref('/prod/openai')), { reason: 'unavailable', contains: ['no answer within 100 ms'] });
  });

  it('reports an empty (whitespace) value and a missing name', async () => {
    await failure(backend().resolve(ref('/prod/blank')), { reason: 'empty', contains: ['is empty'] });
    await failure(backend().resolve({ from: 'aws-ssm' }), { reason: 'config', contains: ["needs 'name'"] });
  });
});
