// The KMS client of an aws-kms:// KEK: the SDK loaded on first use, the client configured from
// the options and the standard AWS places, and every command sent through one counted call
// whose failures become readable CvctlErrors (aws-kms-errors.ts).
//
// Authentication, region and endpoint come from the standard AWS places (default credential
// chain, AWS_REGION / profile, AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL); the region in a key
// ARN wins, because a key only exists in its own region.
import type * as KmsSdk from '@aws-sdk/client-kms';
import { CvctlError } from '../errors';
import { awsMessage, errorName, kmsArnIn, kmsError, type KmsOp, UNUSABLE_STATES } from './aws-kms-errors';
import type { EncryptionContext } from './kek';

type KMSClient = KmsSdk.KMSClient;
type KMSClientConfig = KmsSdk.KMSClientConfig;
let sdk: typeof KmsSdk | undefined;
/** The SDK, loaded on first use: ~0.2 s at start-up that commands without an aws-kms:// KEK never pay. */
export const kms = (): typeof KmsSdk => (sdk ??= require('@aws-sdk/client-kms') as typeof KmsSdk);

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

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
const ANY_KMS_ARN_RE = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(?:key|alias)\//;

/** The client for opts (given, or made here) with its region resolved; no KMS call yet. */
export async function openKmsSession(opts: AwsKmsKekOptions): Promise<KmsSession> {
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
  return new KmsSession(client, region, endpoint, opts.client ? undefined : maxAttempts, ownsClient);
}

/** DescribeKey: the key ARN behind keyId (an alias is resolved), once checked usable for wrapping DEKs. */
export async function describeUsableKey(session: KmsSession, keyId: string): Promise<string> {
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
export class KmsSession {
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

/** Own copy of the SDK's plaintext, whose buffer is then zeroed. */
export function takePlaintext(p: Uint8Array | undefined, op: string): Buffer {
  if (!p) throw new CvctlError('KMS_ERROR', `KMS ${op} returned no plaintext`);
  const out = Buffer.from(p);
  p.fill(0);
  return out;
}


function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
