// aws-kms://ARN: an AWS KMS symmetric key as the KEK. The DEKs are generated, wrapped and
// unwrapped by KMS with the row's encryption context, so a wrapped DEK copied onto another
// row fails to decrypt (KMS binds the context to the ciphertext, like the local KEK's AAD).
// The client and its configuration are in aws-kms-session.ts, the error messages in aws-kms-errors.ts.
import type * as KmsSdk from '@aws-sdk/client-kms';
import { CvctlError } from '../errors';
import { errorName } from './aws-kms-errors';
import { type AwsKmsKekOptions, describeUsableKey, kms, type KmsSession, openKmsSession, takePlaintext } from './aws-kms-session';
import { rewrapViaPlaintext, type EncryptionContext, type Kek, type WrappedKey } from './kek';
import { describeContext } from './local-kek';

export type { AwsKmsKekOptions } from './aws-kms-session';

const DEK_BYTES = 32;
const KEY_ARN_RE = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;

/** Open the KMS key: one DescribeKey to resolve an alias and check that the key can wrap DEKs. */
export async function openAwsKmsKek(opts: AwsKmsKekOptions): Promise<AwsKmsKek> {
  const session = await openKmsSession(opts);
  const kek = new AwsKmsKek(opts.keyId, session);
  if (opts.deferDescribe) return kek;
  try {
    await kek.describe();
    return kek;
  } catch (e) {
    session.destroy();
    throw e;
  }
}

export class AwsKmsKek implements Kek {
  /** The key as configured (key ARN, alias ARN, ...): what messages name until it is described. */
  readonly #keyId: string;
  /** The key ARN, once described. */
  #arn: string | undefined;
  #describing: Promise<string> | undefined;
  readonly #s: KmsSession;

  constructor(keyId: string, session: KmsSession) {
    this.#keyId = keyId;
    this.#s = session;
  }

  /** The key ARN (never an alias: an alias can be re-pointed, the stored id must not move). */
  get id(): string {
    if (this.#arn === undefined) throw new Error(`internal error: KMS key ${this.#keyId} was not described yet`);
    return this.#arn;
  }

  /** DescribeKey once (resolves an alias, checks the key state and spec); a failure is retried next time. */
  async describe(): Promise<string> {
    if (this.#arn !== undefined) return this.#arn;
    this.#describing ??= describeUsableKey(this.#s, this.#keyId).then(
      (arn) => (this.#arn = arn),
      (e: unknown) => {
        this.#describing = undefined;
        throw e;
      },
    );
    return this.#describing;
  }

  get region(): string {
    return this.#s.region;
  }

  /** The key as configured (key ARN, alias ARN, ...). */
  get configuredKeyId(): string {
    return this.#keyId;
  }

  /** The key ARN when known without a KMS call: described already, or configured as a key ARN. */
  knownArn(): string | undefined {
    return this.#arn ?? (KEY_ARN_RE.test(this.#keyId) ? this.#keyId : undefined);
  }

  async generateDataKey(ctx: EncryptionContext): Promise<{ plaintext: Buffer; wrapped: WrappedKey }> {
    await this.describe();
    const res = await this.#s.call(
      'GenerateDataKey',
      this.id,
      () => this.#s.client.send(new (kms().GenerateDataKeyCommand)({ KeyId: this.id, KeySpec: 'AES_256', EncryptionContext: ctx })),
      ctx,
    );
    const plaintext = takePlaintext(res.Plaintext, 'GenerateDataKey');
    if (!res.CiphertextBlob || plaintext.length !== DEK_BYTES) {
      plaintext.fill(0);
      throw new CvctlError('KMS_ERROR', `KMS GenerateDataKey on ${this.id} returned an unexpected response`);
    }
    return { plaintext, wrapped: { wrapped: Buffer.from(res.CiphertextBlob), kekId: this.id } };
  }

  async wrap(plaintext: Buffer, ctx: EncryptionContext): Promise<WrappedKey> {
    await this.describe();
    const res = await this.#s.call(
      'Encrypt',
      this.id,
      () => this.#s.client.send(new (kms().EncryptCommand)({ KeyId: this.id, Plaintext: plaintext, EncryptionContext: ctx })),
      ctx,
    );
    if (!res.CiphertextBlob) throw new CvctlError('KMS_ERROR', `KMS Encrypt on ${this.id} returned no ciphertext`);
    return { wrapped: Buffer.from(res.CiphertextBlob), kekId: this.id };
  }

  /**
   * Only a key this KEK wrapped, as the local KEK does: a data key recorded under another KMS
   * key is refused, not decrypted with that other key (which a stale --kms after a rotation
   * would otherwise do, and then wrap new keys under the old one). Decrypt names this key
   * (an alias not yet described is resolved by KMS itself, no extra call), so KMS refuses a
   * blob of any other key (IncorrectKeyException), and the key KMS used must be the recorded one.
   */
  async unwrap(wrapped: WrappedKey, ctx: EncryptionContext): Promise<Buffer> {
    this.#assertKmsWrapped(wrapped, ctx);
    const known = this.knownArn();
    if (known !== undefined && known !== wrapped.kekId) throw this.#otherKek(wrapped, ctx, known);
    let res: KmsSdk.DecryptCommandOutput;
    try {
      res = await this.#s.call(
        'Decrypt',
        wrapped.kekId,
        () =>
          this.#s.client.send(
            new (kms().DecryptCommand)({ CiphertextBlob: wrapped.wrapped, EncryptionContext: ctx, KeyId: known ?? this.#keyId }),
          ),
        ctx,
      );
    } catch (e) {
      // Named by an alias: is the alias's key another key than the recorded one, or is the row damaged?
      if (known === undefined && e instanceof CvctlError && errorName(e.cause) === 'IncorrectKeyException') {
        const arn = await this.describe().catch(() => undefined);
        if (arn !== undefined && arn !== wrapped.kekId) throw this.#otherKek(wrapped, ctx, arn);
      }
      throw e;
    }
    if (res.KeyId !== undefined && KEY_ARN_RE.test(res.KeyId) && res.KeyId !== wrapped.kekId) {
      takePlaintext(res.Plaintext, 'Decrypt').fill(0);
      throw new CvctlError(
        'CRYPTO_INTEGRITY',
        `KMS decrypted the data key of ${describeContext(ctx)} with key ${res.KeyId}, but the row records KEK ${wrapped.kekId} ` +
          `(the stored KEK id does not match the ciphertext; the wrapped key may have been moved from another row)`,
      );
    }
    return takePlaintext(res.Plaintext, 'Decrypt');
  }

  /**
   * From another KMS key in the same region: ReEncrypt, so the DEK never leaves KMS.
   * From anything else (local KEK, another region): unwrap there, Encrypt here.
   */
  async rewrap(wrapped: WrappedKey, ctx: EncryptionContext, from: Kek): Promise<WrappedKey> {
    await this.describe();
    if (from instanceof AwsKmsKek && from.#s.region === this.#s.region && from.#s.endpoint === this.#s.endpoint) {
      this.#assertKmsWrapped(wrapped, ctx);
      const res = await this.#s.call(
        'ReEncrypt',
        this.id,
        () =>
          this.#s.client.send(
            new (kms().ReEncryptCommand)({
              CiphertextBlob: wrapped.wrapped,
              SourceKeyId: wrapped.kekId,
              SourceEncryptionContext: ctx,
              DestinationKeyId: this.id,
              DestinationEncryptionContext: ctx,
            }),
          ),
        ctx,
      );
      if (!res.CiphertextBlob) throw new CvctlError('KMS_ERROR', `KMS ReEncrypt to ${this.id} returned no ciphertext`);
      return { wrapped: Buffer.from(res.CiphertextBlob), kekId: this.id };
    }
    return rewrapViaPlaintext(this, from, wrapped, ctx);
  }

  callCount(): number {
    return this.#s.calls;
  }

  /** Close the HTTP connections of a client this KEK created (a client passed in is the caller's). */
  destroy(): void {
    this.#s.destroy();
  }

  #otherKek(wrapped: WrappedKey, ctx: EncryptionContext, arn: string): CvctlError {
    const configured = this.#keyId === arn ? arn : `${arn} (${this.#keyId})`;
    return new CvctlError(
      'CRYPTO_INTEGRITY',
      `cannot unwrap the data key for ${describeContext(ctx)}: it was wrapped by KEK ${wrapped.kekId}, ` +
        `but the configured KEK is ${configured} (pass --kms with the KEK that wrapped it)`,
    );
  }

  #assertKmsWrapped(wrapped: WrappedKey, ctx: EncryptionContext): void {
    if (!KEY_ARN_RE.test(wrapped.kekId)) {
      throw new CvctlError(
        'CRYPTO_INTEGRITY',
        `cannot unwrap the data key for ${describeContext(ctx)}: it was wrapped by KEK ${wrapped.kekId}, ` +
          `not by an AWS KMS key (the configured KEK is ${this.#arn ?? this.#keyId}; pass --kms with the KEK that wrapped it)`,
      );
    }
  }
}
