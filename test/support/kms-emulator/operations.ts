// TEST EMULATOR — not AWS. The KMS operations of the emulator (test/support/kms-emulator.ts),
// with the request and response shapes of the real AWS JSON 1.1 API. Never used by src/.
import { randomBytes } from 'node:crypto';
import { type EmulatedKey, KeyStore, KmsFault } from './keystore';

type Json = Record<string, unknown>;

export interface OpContext {
  store: KeyStore;
  /** Throws AccessDeniedException when the test denied `kms:<action>`. */
  authorize(action: string, key: EmulatedKey): void;
}

export type Operation = (c: OpContext, body: Json) => Json;

export const OPERATIONS: Record<string, Operation> = {
  CreateKey(c, body) {
    const keySpec = optString(body, 'KeySpec') ?? optString(body, 'CustomerMasterKeySpec');
    const key = c.store.createKey({
      description: optString(body, 'Description'),
      keySpec,
      keyUsage: optString(body, 'KeyUsage') ?? (keySpec?.startsWith('ECC') ? 'SIGN_VERIFY' : undefined),
    });
    return { KeyMetadata: keyMetadata(c.store, key) };
  },

  CreateAlias(c, body) {
    c.store.createAlias(requireString(body, 'AliasName'), requireString(body, 'TargetKeyId'));
    return {};
  },

  // DescribeKey works whatever the key state: that is how callers learn the state.
  DescribeKey(c, body) {
    const key = c.store.resolve(body.KeyId);
    c.authorize('DescribeKey', key);
    return { KeyMetadata: keyMetadata(c.store, key) };
  },

  GenerateDataKey(c, body) {
    const key = c.store.resolve(body.KeyId);
    c.authorize('GenerateDataKey', key);
    const spec = optString(body, 'KeySpec');
    const n = body.NumberOfBytes;
    if ((spec === undefined) === (n === undefined || n === null)) {
      throw new KmsFault('ValidationException', 'Please specify either number of bytes or key spec.');
    }
    let bytes: number;
    if (spec === 'AES_256') bytes = 32;
    else if (spec === 'AES_128') bytes = 16;
    else if (spec !== undefined) throw new KmsFault('ValidationException', `Invalid KeySpec ${spec}`);
    else if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1024) bytes = n;
    else throw new KmsFault('ValidationException', 'NumberOfBytes must be between 1 and 1024');
    const ctx = contextArg(body, 'EncryptionContext');
    c.store.assertUsable(key);
    const plaintext = randomBytes(bytes);
    const blob = c.store.encrypt(key, plaintext, ctx);
    return { CiphertextBlob: b64(blob), Plaintext: b64(plaintext), KeyId: key.arn };
  },

  Encrypt(c, body) {
    const key = c.store.resolve(body.KeyId);
    c.authorize('Encrypt', key);
    const plaintext = blobArg(body, 'Plaintext');
    if (plaintext.length < 1 || plaintext.length > 4096) {
      throw new KmsFault('ValidationException', 'Plaintext must be between 1 and 4096 bytes');
    }
    const ctx = contextArg(body, 'EncryptionContext');
    c.store.assertUsable(key);
    return { CiphertextBlob: b64(c.store.encrypt(key, plaintext, ctx)), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },

  Decrypt(c, body) {
    const blob = blobArg(body, 'CiphertextBlob');
    const ctx = contextArg(body, 'EncryptionContext');
    const key = c.store.keyOfBlob(blob);
    checkExpectedKey(c.store, body.KeyId, key);
    c.authorize('Decrypt', key);
    c.store.assertUsable(key);
    const plaintext = c.store.decrypt(key, blob, ctx);
    return { KeyId: key.arn, Plaintext: b64(plaintext), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },

  // Decrypt and encrypt inside the service: the plaintext never reaches the caller.
  ReEncrypt(c, body) {
    const blob = blobArg(body, 'CiphertextBlob');
    const srcCtx = contextArg(body, 'SourceEncryptionContext');
    const dstCtx = contextArg(body, 'DestinationEncryptionContext');
    const dst = c.store.resolve(body.DestinationKeyId);
    const src = c.store.keyOfBlob(blob);
    checkExpectedKey(c.store, body.SourceKeyId, src);
    c.authorize('ReEncryptFrom', src);
    c.authorize('ReEncryptTo', dst);
    c.store.assertUsable(src);
    c.store.assertUsable(dst);
    const plaintext = c.store.decrypt(src, blob, srcCtx);
    try {
      return {
        CiphertextBlob: b64(c.store.encrypt(dst, plaintext, dstCtx)),
        SourceKeyId: src.arn,
        KeyId: dst.arn,
        SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    } finally {
      plaintext.fill(0);
    }
  },
};

function keyMetadata(store: KeyStore, key: EmulatedKey): Json {
  return {
    AWSAccountId: store.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.createdAt.getTime() / 1000, // JSON 1.1 timestamps are epoch seconds
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    ...(key.deletionDate ? { DeletionDate: key.deletionDate.getTime() / 1000 } : {}),
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    EncryptionAlgorithms: key.keySpec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : [],
    MultiRegion: false,
  };
}

/** A KeyId given on Decrypt / SourceKeyId on ReEncrypt must be the key that encrypted. */
function checkExpectedKey(store: KeyStore, ref: unknown, actual: EmulatedKey): void {
  if (ref === undefined || ref === null) return;
  const expected = store.resolve(ref);
  if (expected.keyId !== actual.keyId) {
    throw new KmsFault(
      'IncorrectKeyException',
      'The key ID in the request does not identify a KMS key that can perform this operation.',
    );
  }
}

function b64(b: Buffer): string {
  return b.toString('base64');
}

function blobArg(body: Json, name: string): Buffer {
  const v = body[name];
  if (v === undefined || v === null) {
    throw new KmsFault('ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) {
    throw new KmsFault('SerializationException', `Value for ${name} is not a valid base64 blob`);
  }
  return Buffer.from(v, 'base64');
}

/** Absent and empty contexts are the same context in KMS. */
function contextArg(body: Json, name: string): Record<string, string> {
  const v = body[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new KmsFault('SerializationException', `${name} must be a map`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Json)) {
    if (typeof val !== 'string') throw new KmsFault('SerializationException', `${name} values must be strings`);
    out[k] = val;
  }
  return out;
}

function optString(body: Json, name: string): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new KmsFault('SerializationException', `${name} must be a string`);
  return v;
}

function requireString(body: Json, name: string): string {
  const v = optString(body, name);
  if (v === undefined) {
    throw new KmsFault('ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return v;
}
