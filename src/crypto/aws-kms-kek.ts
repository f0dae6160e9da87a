// aws-kms://ARN: an AWS KMS symmetric key as the KEK. The DEKs are generated, wrapped and
// unwrapped by KMS with the row's encryption context, so a wrapped DEK copied onto another
// row fails to decrypt (KMS binds the context to the ciphertext, like the local KEK's AAD).
//
// Authentication, region and endpoint come from the standard AWS places (default credential
// chain, AWS_REGION / profile, AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL); the region in a key
// ARN wins, because a key only exists in its own region.
import type * as KmsSdk from '@aws-sdk/client-kms';
import { CvctlError } from '../errors';
import { rewrapViaPlaintext, type EncryptionContext, type Kek, type WrappedKey } from './kek';
import { describeContext } from './local-kek';

type KMSClient = KmsSdk.KMSClient;
type KMSClientConfig = KmsSdk.KMSClientConfig;
let sdk: typeof KmsSdk | undefined;
/** The SDK, loaded on first use: ~0.2 s at start-up that commands without an aws-kms:// KEK never pay. */
const kms = (): typeof KmsSdk => (sdk ??= require('@aws-sdk/client-kms') as typeof KmsSdk);

export interface AwsKmsKekOptions {
  /** Key ARN or alias ARN (or a bare key id / alias/NAME, with the region from the environment). */
  keyId: string;
  region?: string | null;
  /** Endpoint override; default: env AWS_ENDPOINT_URL_KMS, then AWS_ENDPOINT_URL, then AWS's own. */
  endpoint?: string;
  /** A ready client (its own region, retries and timeouts are used as they are). */
  client?: KMSClient;
  /** Attempts per KMS call, retries included (SDK standard retry mode). Default 5. */
  maxAttempts?: number;
  /** Explicit credentials; default: the AWS default credential chain. */
  credentials?: KMSClientConfig['credentials'];
  /** Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Default 5 000 ms. */
  connectionTimeoutMs?: number;
  /**
   * Skip the DescribeKey at open; it runs before the first wrap instead. For callers that may
   * only unwrap (a plan's fingerprint-key unwrap), which then costs one KMS call, not two:
   * an unwrap names its key by the stored key ARN and needs no alias resolution.
   */
  deferDescribe?: boolean;
}

type KmsOp = 'DescribeKey' | 'GenerateDataKey' | 'Encrypt' | 'Decrypt' | 'ReEncrypt';

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
const DEK_BYTES = 32;
const KEY_ARN_RE = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;
const NETWORK_CODES = /\b(?:ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/;
const ANY_KMS_ARN_RE = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(?:key|alias)\//;
// States in which DescribeKey succeeds but no cryptographic operation does.
const UNUSABLE_STATES: Record<string, string> = {
  Disabled: 'enable it (aws kms enable-key) or point --kms at another key',
  PendingDeletion: 'cancel the deletion (aws kms cancel-key-deletion) if the key is still needed',
  PendingImport: 'import its key material first',
  Unavailable: 'its custom key store is disconnected; reconnect it',
};

/** Open the KMS key: one DescribeKey to resolve an alias and check that the key can wrap DEKs. */
export async function openAwsKmsKek(opts: AwsKmsKekOptions): Promise<AwsKmsKek> {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new CvctlError('USAGE', `KMS maxAttempts must be a positive integer, not ${String(opts.maxAttempts)}`);
  }
  const arnRegion = ANY_KMS_ARN_RE.exec(opts.keyId)?.[1];
  const endpoint = nonEmpty(opts.endpoint) ?? nonEmpty(process.env.AWS_ENDPOINT_URL_KMS) ?? nonEmpty(process.env.AWS_ENDPOINT_URL);
  let client = opts.client;
  const ownsClient = client === undefined;
  if (!client) {
    const config: KMSClientConfig = {
      maxAttempts,
      retryMode: 'standard', // throttling and 5xx, with backoff
      requestHandler: {
        requestTimeout: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        connectionTimeout: opts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
        // Without it the SDK only logs a warning when requestTimeout passes and keeps waiting.
        throwOnRequestTimeout: true,
      },
    };
    // Set only when known: an explicit undefined must not shadow the SDK's default chains.
    const region = arnRegion ?? nonEmpty(opts.region ?? undefined);
    if (region) config.region = region;
    if (endpoint) config.endpoint = endpoint;
    if (opts.credentials) config.credentials = opts.credentials;
    client = new (kms().KMSClient)(config);
  }
  let region: string;
  try {
    region = await client.config.region();
  } catch (e) {
    if (ownsClient) client.destroy();
    const why = `no AWS region for KMS key ${opts.keyId}: use a key ARN (it names the region) or set AWS_REGION`;
    throw new CvctlError('KMS_ERROR', why, { cause: e });
  }
  if (arnRegion && region !== arnRegion) {
    throw new CvctlError('KMS_ERROR', `KMS key ${opts.keyId} is in region ${arnRegion}, but the KMS client is for region ${region}`);
  }
  const session = new KmsSession(client, region, endpoint, opts.client ? undefined : maxAttempts, ownsClient);
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

/** DescribeKey: the key ARN behind keyId (an alias is resolved), once checked usable for wrapping DEKs. */
async function describeUsableKey(session: KmsSession, keyId: string): Promise<string> {
  const { KeyMetadata: md } = await session.call('DescribeKey', keyId, () =>
    session.client.send(new (kms().DescribeKeyCommand)({ KeyId: keyId })),
  );
  if (!md?.Arn) throw new CvctlError('KMS_ERROR', `KMS DescribeKey returned no key ARN for ${keyId}`);
  const state = md.KeyState ?? 'unknown';
  if (state !== 'Enabled') {
    const hint = UNUSABLE_STATES[state];
    throw new CvctlError('KMS_ERROR', `KMS key ${md.Arn} is in state ${state}, not Enabled${hint ? `: ${hint}` : ''}`);
  }
  const spec = md.KeySpec ?? md.CustomerMasterKeySpec;
  if (spec !== 'SYMMETRIC_DEFAULT' || md.KeyUsage !== 'ENCRYPT_DECRYPT') {
    throw new CvctlError(
      'KMS_ERROR',
      `KMS key ${md.Arn} cannot wrap data keys: it must be a symmetric encryption key ` +
        `(KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT), not ${spec ?? 'unknown'} / ${md.KeyUsage ?? 'unknown'}`,
    );
  }
  return md.Arn;
}

/** The client plus what error messages need; shared so open's DescribeKey is counted too. */
class KmsSession {
  calls = 0;
  constructor(
    readonly client: KMSClient,
    readonly region: string,
    readonly endpoint: string | undefined,
    readonly maxAttempts: number | undefined,
    readonly ownsClient: boolean,
  ) {}

  /** One KMS command: counted (retries are the SDK's and not counted), errors made readable. */
  async call<T>(op: KmsOp, key: string, send: () => Promise<T>, ctx?: EncryptionContext): Promise<T> {
    this.calls++;
    try {
      return await send();
    } catch (e) {
      if (e instanceof CvctlError) throw e;
      // The failing key as KMS names it (for ReEncrypt it may be the source key).
      const failing = kmsArnIn(awsMessage(e)) ?? key;
      const state = errorName(e) === 'KMSInvalidStateException' ? await this.#stateOf(failing) : undefined;
      throw kmsError(e, { op, key: failing, ctx, state, session: this });
    }
  }

  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  /** KMSInvalidStateException does not say which state; one DescribeKey does. Best effort. */
  async #stateOf(key: string): Promise<string | undefined> {
    this.calls++;
    try {
      return (await this.client.send(new (kms().DescribeKeyCommand)({ KeyId: key }))).KeyMetadata?.KeyState;
    } catch {
      return undefined;
    }
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

/** Own copy of the SDK's plaintext, whose buffer is then zeroed. */
function takePlaintext(p: Uint8Array | undefined, op: string): Buffer {
  if (!p) throw new CvctlError('KMS_ERROR', `KMS ${op} returned no plaintext`);
  const out = Buffer.from(p);
  p.fill(0);
  return out;
}

interface FailureInfo {
  op: KmsOp;
  key: string;
  ctx?: EncryptionContext;
  state?: string;
  session: KmsSession;
}

/** A KMS SDK error as a CvctlError whose message says what is wrong and what to do. */
function kmsError(e: unknown, f: FailureInfo): CvctlError {
  const name = errorName(e);
  const msg = awsMessage(e);
  const attempts = metadata(e).attempts ?? f.session.maxAttempts ?? 1;
  const where = f.ctx ? describeContext(f.ctx) : f.key;
  const aws = msg ? ` (${msg})` : '';
  const fail = (text: string) => new CvctlError('KMS_ERROR', text, { cause: e });
  switch (name) {
    case 'AccessDeniedException': {
      const needs =
        f.op === 'ReEncrypt'
          ? 'kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key'
          : `kms:${f.op} on it`;
      return fail(`access denied to KMS key ${f.key}: the caller needs ${needs}${aws}`);
    }
    case 'DisabledException':
      return fail(`KMS key ${f.key} is disabled (KeyState Disabled), so kms:${f.op} failed: ${UNUSABLE_STATES.Disabled}`);
    case 'KMSInvalidStateException': {
      const hint = f.state ? UNUSABLE_STATES[f.state] : undefined;
      // With the state known, the AWS message ("<arn> is pending deletion.") only repeats it.
      const detail = f.state ? (hint ? `: ${hint}` : '') : aws;
      return fail(`KMS key ${f.key} is in state ${f.state ?? 'unknown'}, in which kms:${f.op} is not allowed${detail}`);
    }
    case 'NotFoundException':
      return fail(`KMS key ${f.key} not found in region ${f.session.region} (wrong region or account?)`);
    case 'InvalidCiphertextException':
      return new CvctlError(
        'CRYPTO_INTEGRITY',
        `KMS refused to decrypt the data key of ${where}: invalid ciphertext — usually the encryption context does not match ` +
          `(the wrapped key was moved to another row) or it was wrapped by another key`,
        { cause: e },
      );
    case 'IncorrectKeyException':
      return new CvctlError(
        'CRYPTO_INTEGRITY',
        `KMS refused to decrypt the data key of ${where}: it was not wrapped by KMS key ${f.key} ` +
          `(the stored KEK id does not match the ciphertext; the wrapped key may have been moved from another row)`,
        { cause: e },
      );
    case 'InvalidKeyUsageException':
      return fail(`KMS key ${f.key} cannot be used for kms:${f.op}: it must be a symmetric ENCRYPT_DECRYPT key${aws}`);
    case 'CredentialsProviderError':
      return fail(
        `no AWS credentials for KMS: configure the standard AWS credential chain ` +
          `(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, web identity or an instance role)${aws}`,
      );
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'IncompleteSignatureException':
    case 'MissingAuthenticationTokenException':
    case 'ExpiredTokenException':
      return fail(`KMS rejected the AWS credentials for kms:${f.op} (${name}${msg ? `: ${msg}` : ''})`);
  }
  if (isThrottling(e, name)) {
    return fail(`KMS throttled the request ${attempts} times (kms:${f.op} on ${f.key}); retry later or raise the KMS request quota`);
  }
  const unavailable = unavailability(e, name, msg);
  if (unavailable) {
    const at = f.session.endpoint ?? `region ${f.session.region}`;
    return fail(`KMS is unavailable (${unavailable}; ${attempts} attempt${attempts === 1 ? '' : 's'}, at ${at})`);
  }
  return fail(`KMS kms:${f.op} on ${f.key} failed: ${name}${msg ? `: ${msg}` : ''}`);
}

function isThrottling(e: unknown, name: string): boolean {
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || metadata(e).httpStatusCode === 429) return true;
  return (e as { $retryable?: { throttling?: boolean } } | null)?.$retryable?.throttling === true;
}

/** Why the service could not be reached or answered 5xx, or undefined for other errors. */
function unavailability(e: unknown, name: string, msg: string): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  const status = metadata(e).httpStatusCode;
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const ms = /(\d+) ?ms/.exec(msg)?.[1];
    return /connection/i.test(msg) ? `no connection${ms ? ` within ${ms} ms` : ''}` : `request timed out${ms ? ` after ${ms} ms` : ''}`;
  }
  // The code, or else the message: an error from another realm (e.g. under a test runner's
  // VM) reaches us wrapped by the SDK as "AWS SDK error wrapper for Error: connect ECONNREFUSED …".
  const net = NETWORK_CODES.exec(typeof code === 'string' ? code : '') ?? NETWORK_CODES.exec(msg);
  if (net) return `network error ${net[0]}${msg ? `: ${msg.replace(/^AWS SDK error wrapper for /, '')}` : ''}`;
  if (name === 'KMSInternalException' || name === 'DependencyTimeoutException' || name === 'KeyUnavailableException') {
    return `${name}${msg ? `: ${msg}` : ''}`;
  }
  if (typeof status === 'number' && status >= 500) return `HTTP ${status} ${name}${msg ? `: ${msg}` : ''}`;
  return undefined;
}

function errorName(e: unknown): string {
  const n = (e as { name?: unknown } | null)?.name;
  return typeof n === 'string' ? n : 'Error';
}

function awsMessage(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  // The SDK fills an empty service message with the error name; that adds nothing.
  return typeof m === 'string' && m !== errorName(e) && m !== 'UnknownError' ? m : '';
}

function metadata(e: unknown): { attempts?: number; httpStatusCode?: number } {
  const md = (e as { $metadata?: unknown } | null)?.$metadata;
  return typeof md === 'object' && md !== null ? (md as { attempts?: number; httpStatusCode?: number }) : {};
}

function kmsArnIn(text: string): string | undefined {
  return /arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[A-Za-z0-9/_-]+/.exec(text)?.[0];
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
