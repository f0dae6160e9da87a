// TEST EMULATOR — not AWS. Key store of the KMS emulator (test/support/kms-emulator.ts):
// keys, aliases, key states and the emulator's own ciphertext format. Never used by src/.
//
// Ciphertext blob (the emulator's format, opaque to clients exactly like the real one):
//   0x01 || key-id length (1 byte) || key id (utf8 uuid) || iv (12) || GCM tag (16) || ct
// AAD = key id || 0x00 || canonical JSON of the encryption context, so a blob decrypts only
// with the context it was made with (as in real KMS) and cannot be re-labelled to another key.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';

export const BLOB_VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The states the real service reports in KeyMetadata.KeyState (the subset tests need). */
export type EmulatedKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'Unavailable';

/** A service error, rendered on the wire as `{"__type": type, "message": message}`. */
export class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface EmulatedKey {
  keyId: string; // uuid
  arn: string;
  state: EmulatedKeyState;
  keySpec: string; // SYMMETRIC_DEFAULT, or e.g. RSA_2048 to test spec checks (no crypto then)
  keyUsage: string; // ENCRYPT_DECRYPT | SIGN_VERIFY | ...
  description: string;
  createdAt: Date;
  deletionDate?: Date;
  material: Buffer; // the per-key 256-bit master key; never leaves the emulator
}

/** Canonical bytes of a context: sorted keys, built by hand (JSON.stringify puts integer-like keys first). */
export function canonicalJson(ctx: Record<string, string>): Buffer {
  const body = Object.keys(ctx)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(ctx[k])}`)
    .join(',');
  return Buffer.from(`{${body}}`, 'utf8');
}

export class KeyStore {
  readonly keys = new Map<string, EmulatedKey>(); // by uuid
  readonly aliases = new Map<string, string>(); // 'alias/name' -> uuid

  constructor(
    readonly region: string,
    readonly account: string,
  ) {}

  createKey(opts: { description?: string; keySpec?: string; keyUsage?: string } = {}): EmulatedKey {
    const keyId = randomUUID();
    const key: EmulatedKey = {
      keyId,
      arn: `arn:aws:kms:${this.region}:${this.account}:key/${keyId}`,
      state: 'Enabled',
      keySpec: opts.keySpec ?? 'SYMMETRIC_DEFAULT',
      keyUsage: opts.keyUsage ?? 'ENCRYPT_DECRYPT',
      description: opts.description ?? '',
      createdAt: new Date(),
      material: randomBytes(32),
    };
    this.keys.set(keyId, key);
    return key;
  }

  createAlias(aliasName: string, targetKeyId: string): void {
    if (!/^alias\/[A-Za-z0-9/_-]{1,250}$/.test(aliasName) || aliasName.startsWith('alias/aws/')) {
      throw new KmsFault('InvalidAliasNameException', `Alias must start with the prefix "alias/" and must not begin with "alias/aws/".`);
    }
    if (this.aliases.has(aliasName)) {
      throw new KmsFault('AlreadyExistsException', `An alias with the name ${this.aliasArn(aliasName)} already exists`);
    }
    if (typeof targetKeyId === 'string' && targetKeyId.includes('alias/')) {
      throw new KmsFault('ValidationException', 'TargetKeyId must be a key ID or key ARN, not an alias');
    }
    const key = this.resolve(targetKeyId);
    this.aliases.set(aliasName, key.keyId);
  }

  aliasArn(aliasName: string): string {
    return `arn:aws:kms:${this.region}:${this.account}:${aliasName}`;
  }

  /**
   * Resolve any of the four forms the real service accepts: key id, key ARN, alias name,
   * alias ARN. An ARN of another region or account is simply not found, as in KMS.
   */
  resolve(ref: unknown): EmulatedKey {
    if (typeof ref !== 'string' || ref === '') {
      throw new KmsFault(
        'ValidationException',
        "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
      );
    }
    let local = ref;
    const arn = /^arn:aws:kms:([^:]+):(\d{12}):((?:key|alias)\/.+)$/.exec(ref);
    if (arn) {
      if (arn[1] !== this.region || arn[2] !== this.account) throw notFound(ref);
      local = arn[3] as string;
    } else if (ref.startsWith('arn:')) {
      throw new KmsFault('NotFoundException', `Invalid arn ${ref}`);
    }
    let keyId: string | undefined;
    if (local.startsWith('alias/')) keyId = this.aliases.get(local);
    else keyId = local.startsWith('key/') ? local.slice(4) : local;
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (!key) throw notFound(ref);
    return key;
  }

  /** The checks the real service makes before any cryptographic use of a key. */
  assertUsable(key: EmulatedKey): void {
    switch (key.state) {
      case 'Enabled':
        break;
      case 'Disabled':
        throw new KmsFault('DisabledException', `${key.arn} is disabled.`);
      case 'PendingDeletion':
        throw new KmsFault('KMSInvalidStateException', `${key.arn} is pending deletion.`);
      case 'PendingImport':
        throw new KmsFault('KMSInvalidStateException', `${key.arn} is pending import.`);
      case 'Unavailable':
        throw new KmsFault('KMSInvalidStateException', `${key.arn} is unavailable.`);
    }
    if (key.keySpec !== 'SYMMETRIC_DEFAULT' || key.keyUsage !== 'ENCRYPT_DECRYPT') {
      throw new KmsFault('InvalidKeyUsageException', `${key.arn} key usage is ${key.keyUsage} which is not valid for this operation.`);
    }
  }

  encrypt(key: EmulatedKey, plaintext: Buffer, ctx: Record<string, string>): Buffer {
    const id = Buffer.from(key.keyId, 'utf8');
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', key.material, iv, { authTagLength: TAG_BYTES });
    c.setAAD(aad(id, ctx));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from([BLOB_VERSION, id.length]), id, iv, c.getAuthTag(), ct]);
  }

  /** Which key a blob names; malformed blobs are InvalidCiphertextException, like KMS. */
  keyOfBlob(blob: Buffer): EmulatedKey {
    const parsed = parseBlob(blob);
    const key = this.keys.get(parsed.keyId);
    if (!key) throw invalidCiphertext();
    return key;
  }

  decrypt(key: EmulatedKey, blob: Buffer, ctx: Record<string, string>): Buffer {
    const p = parseBlob(blob);
    try {
      const d = createDecipheriv('aes-256-gcm', key.material, p.iv, { authTagLength: TAG_BYTES });
      d.setAAD(aad(Buffer.from(p.keyId, 'utf8'), ctx));
      d.setAuthTag(p.tag);
      return Buffer.concat([d.update(p.ct), d.final()]);
    } catch {
      // The real service says nothing more specific: context mismatch and tampering look alike.
      throw invalidCiphertext();
    }
  }
}

function aad(id: Buffer, ctx: Record<string, string>): Buffer {
  return Buffer.concat([id, Buffer.from([0]), canonicalJson(ctx)]);
}

function parseBlob(blob: Buffer): { keyId: string; iv: Buffer; tag: Buffer; ct: Buffer } {
  if (blob.length < 2 || blob[0] !== BLOB_VERSION) throw invalidCiphertext();
  const idLen = blob[1] as number;
  const ivAt = 2 + idLen;
  const ctAt = ivAt + IV_BYTES + TAG_BYTES;
  if (blob.length <= ctAt) throw invalidCiphertext();
  return {
    keyId: blob.subarray(2, ivAt).toString('utf8'),
    iv: blob.subarray(ivAt, ivAt + IV_BYTES),
    tag: blob.subarray(ivAt + IV_BYTES, ctAt),
    ct: blob.subarray(ctAt),
  };
}

function notFound(ref: string): KmsFault {
  return new KmsFault('NotFoundException', `Key '${ref}' does not exist`);
}

function invalidCiphertext(): KmsFault {
  // The real service returns an empty message here.
  return new KmsFault('InvalidCiphertextException', '');
}
