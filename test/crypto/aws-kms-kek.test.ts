// The AWS KMS KEK against the wire-level KMS emulator: the real @aws-sdk/client-kms signs,
// serializes, retries and times out exactly as it would against AWS.
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type AwsKmsKekOptions, AwsKmsKek, openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import type { Kek } from '../../src/crypto/kek';
import { openLocalKek } from '../../src/crypto/local-kek';
import { CvctlError } from '../../src/errors';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';

const REGION = 'eu-west-1';
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'test' };
const CTX = { table: 'providers', id: '6f1c2a4e-0000-4000-8000-000000000001', field: 'credentials' };
const OTHER_ROW = { ...CTX, id: '6f1c2a4e-0000-4000-8000-000000000002' };

let emu: KmsEmulator;
let keyArn: string;
let aliasArn: string;
const opened: Kek[] = [];
let tmp: string;

beforeAll(async () => {
  emu = await startKmsEmulator({ region: REGION });
  const k = emu.createKey({ description: 'cvctl test KEK' });
  keyArn = k.arn;
  aliasArn = emu.createAlias('alias/cvctl-test', k.keyId);
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cvctl-kms-'));
});

afterEach(() => {
  emu.clearFaults();
  emu.allowAccess();
  for (const k of opened.splice(0)) if (k instanceof AwsKmsKek) k.destroy();
});

afterAll(async () => {
  await emu.close();
  await fsp.rm(tmp, { recursive: true, force: true });
});

async function open(keyId: string, extra: Partial<AwsKmsKekOptions> = {}): Promise<Kek> {
  const kek = await openAwsKmsKek({ keyId, endpoint: emu.url, credentials: CREDS, maxAttempts: 3, ...extra });
  opened.push(kek);
  return kek;
}

/** The CvctlError a promise rejects with (fails the test if it resolves or throws something else). */
async function failure(p: Promise<unknown>): Promise<CvctlError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof CvctlError)) throw new Error(`expected a CvctlError, got ${e === undefined ? 'success' : String(e)}`);
  return e;
}

function freshKey(): { keyId: string; arn: string } {
  return emu.createKey();
}

describe('open', () => {
  test('an alias ARN is resolved once; the key ARN is the id', async () => {
    emu.resetStats();
    const kek = await open(aliasArn);
    expect(kek.id).toBe(keyArn);
    expect(kek.id).not.toContain('alias/');
    expect(emu.stats().calls).toEqual({ DescribeKey: 1 });
    const { wrapped } = await kek.generateDataKey(CTX);
    expect(wrapped.kekId).toBe(keyArn);
  });

  test('a bare alias name takes the region from opts', async () => {
    const kek = await open('alias/cvctl-test', { region: REGION });
    expect(kek.id).toBe(keyArn);
  });

  test('keys and aliases created over the wire (CreateKey, CreateAlias)', async () => {
    const client = new KMSClient({ region: REGION, endpoint: emu.url, credentials: CREDS });
    try {
      const created = await client.send(new CreateKeyCommand({ Description: 'wire' }));
      const arn = created.KeyMetadata?.Arn as string;
      expect(arn).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f-]{36}$/);
      await client.send(new CreateAliasCommand({ AliasName: 'alias/wire', TargetKeyId: arn }));
      const kek = await openAwsKmsKek({ keyId: `arn:aws:kms:${REGION}:111122223333:alias/wire`, client });
      expect(kek.id).toBe(arn);
    } finally {
      client.destroy();
    }
  });

  test('a passed-in client for another region is refused', async () => {
    const client = new KMSClient({ region: 'us-east-1', endpoint: emu.url, credentials: CREDS });
    try {
      const e = await failure(openAwsKmsKek({ keyId: keyArn, client }));
      expect(e.code).toBe('KMS_ERROR');
      expect(e.message).toContain('is in region eu-west-1, but the KMS client is for region us-east-1');
    } finally {
      client.destroy();
    }
  });

  test('the endpoint comes from AWS_ENDPOINT_URL_KMS', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_KMS;
    process.env.AWS_ENDPOINT_URL_KMS = emu.url;
    try {
      const kek = await openAwsKmsKek({ keyId: keyArn, credentials: CREDS });
      opened.push(kek);
      expect(kek.id).toBe(keyArn);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_KMS;
      else process.env.AWS_ENDPOINT_URL_KMS = saved;
    }
  });

  test('no region anywhere (bare alias, no AWS_REGION) is a clear KMS_ERROR', async () => {
    const names = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];
    const saved = names.map((n) => process.env[n]);
    for (const n of names) delete process.env[n];
    process.env.AWS_CONFIG_FILE = path.join(tmp, 'no-config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(tmp, 'no-credentials');
    try {
      const e = await failure(openAwsKmsKek({ keyId: 'alias/cvctl-test', endpoint: emu.url, credentials: CREDS }));
      expect(e.code).toBe('KMS_ERROR');
      expect(e.message).toBe('no AWS region for KMS key alias/cvctl-test: use a key ARN (it names the region) or set AWS_REGION');
    } finally {
      names.forEach((n, i) => (saved[i] === undefined ? delete process.env[n] : (process.env[n] = saved[i])));
    }
  });

  test('not found names the key and the region', async () => {
    const missing = `arn:aws:kms:${REGION}:111122223333:key/00000000-0000-4000-8000-000000000000`;
    const e = await failure(open(missing));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toBe(`KMS key ${missing} not found in region ${REGION} (wrong region or account?)`);
  });

  test('a non-encryption key is refused', async () => {
    const k = emu.createKey({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    const e = await failure(open(k.arn));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain('must be a symmetric encryption key');
    expect(e.message).toContain('RSA_2048 / SIGN_VERIFY');
  });
});

describe('round trips', () => {
  test('generateDataKey then unwrap gives back the DEK', async () => {
    const kek = await open(keyArn);
    const { plaintext, wrapped } = await kek.generateDataKey(CTX);
    expect(plaintext).toHaveLength(32);
    expect(wrapped.wrapped.includes(plaintext)).toBe(false);
    expect(await kek.unwrap(wrapped, CTX)).toEqual(plaintext);
  });

  test('wrap then unwrap gives back the DEK', async () => {
    const kek = await open(aliasArn);
    const dek = Buffer.alloc(32, 7);
    const wrapped = await kek.wrap(dek, CTX);
    expect(wrapped.kekId).toBe(keyArn);
    expect(await kek.unwrap(wrapped, CTX)).toEqual(dek);
  });
});

describe('integrity', () => {
  test('another encryption context (the wrapped key moved to another row) is CRYPTO_INTEGRITY', async () => {
    const kek = await open(keyArn);
    const { wrapped } = await kek.generateDataKey(CTX);
    const e = await failure(kek.unwrap(wrapped, OTHER_ROW));
    expect(e.code).toBe('CRYPTO_INTEGRITY');
    expect(e.message).toContain(`KMS refused to decrypt the data key of providers/${OTHER_ROW.id}: invalid ciphertext`);
    expect(e.message).toContain('the encryption context does not match');
  });

  test('a blob of another key labelled with this key is refused by KMS (IncorrectKeyException)', async () => {
    const kek = await open(keyArn);
    const other = await open(freshKey().arn);
    const { wrapped } = await other.generateDataKey(CTX);
    const e = await failure(kek.unwrap({ wrapped: wrapped.wrapped, kekId: keyArn }, CTX));
    expect(e.code).toBe('CRYPTO_INTEGRITY');
    expect(e.message).toContain(`it was not wrapped by KMS key ${keyArn}`);
  });

  test('a key recorded under another KMS key is refused, as the local KEK does (KEK pinning)', async () => {
    const other = await open(freshKey().arn);
    const { wrapped } = await other.generateDataKey(CTX);
    // Configured by key ARN: refused before any KMS call (KMS would happily decrypt it with the other key).
    const kek = await open(keyArn);
    const before = emu.stats().total;
    const e = await failure(kek.unwrap(wrapped, CTX));
    expect(e.code).toBe('CRYPTO_INTEGRITY');
    expect(e.message).toContain(`it was wrapped by KEK ${other.id}, but the configured KEK is ${keyArn}`);
    expect(emu.stats().total).toBe(before);
    // Configured by an alias, not described yet: the Decrypt names the alias, KMS refuses, and the
    // alias is then described to name the key it points to.
    const byAlias = await open(aliasArn, { deferDescribe: true });
    const e2 = await failure(byAlias.unwrap(wrapped, CTX));
    expect(e2.code).toBe('CRYPTO_INTEGRITY');
    expect(e2.message).toContain(`it was wrapped by KEK ${other.id}, but the configured KEK is ${keyArn} (${aliasArn})`);
    // The alias of the very key that wrapped it is that key: one Decrypt, no DescribeKey.
    const own = await kek.generateDataKey(CTX);
    const fresh = await open(aliasArn, { deferDescribe: true });
    emu.resetStats();
    expect((await fresh.unwrap(own.wrapped, CTX)).equals(own.plaintext)).toBe(true);
    expect(emu.stats().calls).toEqual({ Decrypt: 1 });
  });

  test('a key wrapped by a local KEK is refused without calling KMS', async () => {
    const kek = await open(keyArn);
    const before = emu.stats().total;
    const e = await failure(kek.unwrap({ wrapped: Buffer.alloc(61), kekId: 'local:0123456789abcdef' }, CTX));
    expect(e.code).toBe('CRYPTO_INTEGRITY');
    expect(e.message).toContain('wrapped by KEK local:0123456789abcdef, not by an AWS KMS key');
    expect(emu.stats().total).toBe(before);
  });
});

describe('key states and access', () => {
  test('a disabled key: named on open, and on unwrap after it was disabled', async () => {
    const k = freshKey();
    const kek = await open(k.arn);
    const { wrapped } = await kek.generateDataKey(CTX);
    emu.setKeyState(k.keyId, 'Disabled');
    const onOpen = await failure(open(k.arn));
    expect(onOpen.code).toBe('KMS_ERROR');
    expect(onOpen.message).toContain(`KMS key ${k.arn} is in state Disabled, not Enabled`);
    const onUnwrap = await failure(kek.unwrap(wrapped, CTX));
    expect(onUnwrap.code).toBe('KMS_ERROR');
    expect(onUnwrap.message).toContain(`KMS key ${k.arn} is disabled (KeyState Disabled), so kms:Decrypt failed`);
  });

  test('a key pending deletion: named on open and on use', async () => {
    const k = freshKey();
    const kek = await open(k.arn);
    emu.setKeyState(k.keyId, 'PendingDeletion');
    const onOpen = await failure(open(k.arn));
    expect(onOpen.message).toContain('is in state PendingDeletion, not Enabled: cancel the deletion');
    const onUse = await failure(kek.generateDataKey(CTX));
    expect(onUse.code).toBe('KMS_ERROR');
    expect(onUse.message).toContain(`KMS key ${k.arn} is in state PendingDeletion, in which kms:GenerateDataKey is not allowed`);
    expect(onUse.message).toContain('cancel the deletion (aws kms cancel-key-deletion)');
  });

  test('a key pending import is refused on open', async () => {
    const k = freshKey();
    emu.setKeyState(k.keyId, 'PendingImport');
    expect((await failure(open(k.arn))).message).toContain('is in state PendingImport');
  });

  test('access denied names the operation that failed', async () => {
    const kek = await open(keyArn);
    const { wrapped } = await kek.generateDataKey(CTX);
    emu.denyAccess('Decrypt');
    const e = await failure(kek.unwrap(wrapped, CTX));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain(`access denied to KMS key ${keyArn}: the caller needs kms:Decrypt on it`);
    emu.allowAccess();
    emu.denyAccess('DescribeKey');
    expect((await failure(open(aliasArn))).message).toContain(`access denied to KMS key ${keyArn}: the caller needs kms:DescribeKey on it`);
  });
});

describe('faults and retries', () => {
  test('throttled twice, then the SDK retry succeeds', async () => {
    const kek = await open(keyArn);
    const calls = kek.callCount();
    emu.resetStats();
    emu.injectFaults({ throttle: 2, ops: ['GenerateDataKey'] });
    const { plaintext } = await kek.generateDataKey(CTX);
    expect(plaintext).toHaveLength(32);
    expect(emu.stats().calls.GenerateDataKey).toBe(3); // 2 throttled + 1
    expect(kek.callCount() - calls).toBe(1); // commands, not attempts
  });

  test('throttled on every attempt: KMS_ERROR saying how often', async () => {
    const kek = await open(keyArn, { maxAttempts: 2 });
    emu.injectFaults({ throttle: 100, ops: ['Encrypt'] });
    const e = await failure(kek.wrap(Buffer.alloc(32, 1), CTX));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain('KMS throttled the request 2 times (kms:Encrypt on');
  });

  test('persistent 500s: unavailable after maxAttempts', async () => {
    const kek = await open(keyArn, { maxAttempts: 3 });
    emu.resetStats();
    emu.injectFaults({ serverErrors: 100, ops: ['GenerateDataKey'] });
    const e = await failure(kek.generateDataKey(CTX));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toMatch(/^KMS is unavailable \(KMSInternalException: An internal error has occurred\.; 3 attempts, at http:\/\/127\.0\.0\.1:\d+\)$/);
    expect(emu.stats().calls.GenerateDataKey).toBe(3);
  });

  test('a hanging KMS hits the request timeout', async () => {
    const kek = await open(keyArn, { maxAttempts: 2, requestTimeoutMs: 200, connectionTimeoutMs: 200 });
    emu.injectFaults({ hangMs: 5_000, ops: ['Encrypt'] });
    // No stopwatch: had the timeout not fired, the call would have succeeded after the 5 s hang.
    const e = await failure(kek.wrap(Buffer.alloc(32, 2), CTX));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain('KMS is unavailable (request timed out after 200 ms');
    expect(e.message).toContain('2 attempts');
  });

  test('small latency is tolerated', async () => {
    const kek = await open(keyArn, { requestTimeoutMs: 2_000 });
    emu.injectFaults({ latencyMs: 50 });
    const { plaintext, wrapped } = await kek.generateDataKey(CTX);
    expect(await kek.unwrap(wrapped, CTX)).toEqual(plaintext);
  });

  test('nothing listening: unavailable, not a stack trace', async () => {
    const e = await failure(
      openAwsKmsKek({ keyId: keyArn, endpoint: 'http://127.0.0.1:9', credentials: CREDS, maxAttempts: 1 }),
    );
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain('KMS is unavailable (network error ECONNREFUSED');
  });
});

describe('rewrap', () => {
  test('AWS to AWS uses ReEncrypt: the DEK never leaves KMS', async () => {
    const from = await open(keyArn);
    const to = await open(freshKey().arn);
    const { plaintext, wrapped } = await from.generateDataKey(CTX);
    emu.resetStats();
    const rewrapped = await to.rewrap(wrapped, CTX, from);
    expect(emu.stats().calls).toEqual({ ReEncrypt: 1 });
    expect(rewrapped.kekId).toBe(to.id);
    expect(await to.unwrap(rewrapped, CTX)).toEqual(plaintext);
    expect((await failure(to.unwrap(rewrapped, OTHER_ROW))).code).toBe('CRYPTO_INTEGRITY');
  });

  test('ReEncrypt denied names both permissions', async () => {
    const from = await open(keyArn);
    const to = await open(freshKey().arn);
    const { wrapped } = await from.generateDataKey(CTX);
    emu.denyAccess('ReEncrypt');
    const e = await failure(to.rewrap(wrapped, CTX, from));
    expect(e.message).toContain('the caller needs kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key');
  });

  test('local to AWS: unwrap locally, Encrypt in KMS; and back', async () => {
    const local = await openLocalKek(path.join(tmp, 'kek'), { create: true });
    const aws = await open(aliasArn);
    const { plaintext, wrapped } = await local.generateDataKey(CTX);
    emu.resetStats();
    const toAws = await aws.rewrap(wrapped, CTX, local);
    expect(emu.stats().calls).toEqual({ Encrypt: 1 });
    expect(toAws.kekId).toBe(keyArn);
    expect(await aws.unwrap(toAws, CTX)).toEqual(plaintext);
    const back = await local.rewrap(toAws, CTX, aws);
    expect(back.kekId).toBe(local.id);
    expect(await local.unwrap(back, CTX)).toEqual(plaintext);
  });
});

describe('bookkeeping and the emulator', () => {
  test('callCount matches the calls KMS saw', async () => {
    emu.resetStats();
    const a = await open(aliasArn);
    const b = await open(freshKey().arn);
    const { wrapped } = await a.generateDataKey(CTX);
    await a.unwrap(wrapped, CTX);
    await a.wrap(Buffer.alloc(32, 3), CTX);
    await b.rewrap(wrapped, CTX, a);
    await failure(a.unwrap(wrapped, OTHER_ROW));
    expect(a.callCount()).toBe(5); // DescribeKey, GenerateDataKey, Decrypt, Encrypt, Decrypt
    expect(b.callCount()).toBe(2); // DescribeKey, ReEncrypt
    expect(a.callCount() + b.callCount()).toBe(emu.stats().total);
  });

  test('the emulator rejects unsigned and half-signed requests like KMS', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(emu.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.DescribeKey', ...headers },
        body: JSON.stringify({ KeyId: keyArn }),
      });
    const unsigned = await post({});
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    const half = await post({ Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/kms/aws4_request' });
    expect(half.status).toBe(400);
    expect(((await half.json()) as { __type: string }).__type).toBe('IncompleteSignatureException');
  });

  test('a request signed for another region is rejected', async () => {
    const k = emu.createKey();
    const e = await failure(openAwsKmsKek({ keyId: k.keyId, region: 'us-west-2', endpoint: emu.url, credentials: CREDS }));
    expect(e.message).toContain("KMS rejected the AWS credentials for kms:DescribeKey (InvalidSignatureException: Credential should be scoped to a valid region, not 'us-west-2'.)");
  });
});
