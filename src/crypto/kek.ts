// The key-encryption key (KEK) that wraps each row's data key (DEK). Implementations:
// local://PATH (a 256-bit key file, the embedded default) and, later, aws-kms://ARN.

/**
 * Binds a wrapped DEK to where it belongs. Only immutable, non-secret values:
 * e.g. {table: 'providers', id: '<uuid>', field: 'credentials'}.
 */
export type EncryptionContext = Record<string, string>;

export interface WrappedKey {
  /** The wrapped DEK bytes (opaque to callers). */
  wrapped: Buffer;
  /** Which KEK wrapped it: a stable id (local: `local:<key fingerprint>`, AWS: the key ARN). */
  kekId: string;
}

export interface Kek {
  /** The stable id of this KEK, as stored next to every key it wraps. */
  readonly id: string;
  /** A fresh random 256-bit DEK, plaintext and wrapped. */
  generateDataKey(ctx: EncryptionContext): Promise<{ plaintext: Buffer; wrapped: WrappedKey }>;
  wrap(plaintext: Buffer, ctx: EncryptionContext): Promise<WrappedKey>;
  /** Throws CvctlError('CRYPTO_INTEGRITY') when the context or bytes do not match. */
  unwrap(wrapped: WrappedKey, ctx: EncryptionContext): Promise<Buffer>;
  /** Re-wrap under this KEK a key wrapped by `from` (may be another KEK) without exposing it to callers. */
  rewrap(wrapped: WrappedKey, ctx: EncryptionContext, from: Kek): Promise<WrappedKey>;
  /** How many KMS calls this instance made (for the benchmarks and the call-count tests). */
  callCount(): number;
}

/**
 * Re-wrap across KEKs that cannot do it server-side (local ↔ AWS, AWS in another region):
 * unwrap with `from`, wrap with `to`, and zero the plaintext key whatever happens.
 */
export async function rewrapViaPlaintext(to: Kek, from: Kek, wrapped: WrappedKey, ctx: EncryptionContext): Promise<WrappedKey> {
  const plaintext = await from.unwrap(wrapped, ctx);
  try {
    return await to.wrap(plaintext, ctx);
  } finally {
    plaintext.fill(0);
  }
}
