// What the two AWS backends share: client configuration from the environment, one client
// per region, and turning SDK errors into SourceErrors.
//
// Credentials come from the AWS default credential chain, as for every AWS tool. When the
// backend is given an env (tests, or a caller with its own environment) that holds static
// keys, those are passed explicitly, since the SDK's chain only ever reads process.env; with
// process.env itself that is exactly what the chain's first link would do anyway.
//
// Endpoints: the SDK (>= 3.4xx) honours AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL itself,
// but only from process.env, so they are read here from the backend's env and set explicitly.
//
// Retries: the SDK's own retry is off (maxAttempts 1). The resolver retries anything marked
// retryable with backoff; two nested retry loops would multiply the calls (3 x 3) under
// throttling, exactly when the service asks for fewer.
import type { SecretRef } from '../../domain/types';
import { CvctlError } from '../../errors';
import { DEFAULT_TIMEOUT_MS, errCode, nonEmptyEnv, serverText, SourceError } from './common';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsBackendOptions {
  env?: NodeJS.ProcessEnv;
  /** Deadline of each call, in ms (default 10 s). */
  timeoutMs?: number;
  /** Overrides the default credential chain (tests). */
  credentials?: AwsCredentials;
}

/** The constructor arguments shared by SecretsManagerClient and SSMClient. */
export interface AwsClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentials;
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
}

/** A module loaded on first use: start-up costs nothing for repositories that do not use this source. */
export function loadOnFirstUse<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

/** The region of a reference: its own, else AWS_REGION / AWS_DEFAULT_REGION, else the SDK's (config file). */
export function awsRegion(env: NodeJS.ProcessEnv, refRegion: string | undefined): string | undefined {
  if (typeof refRegion === 'string' && refRegion.trim() !== '') return refRegion.trim();
  return nonEmptyEnv(env, 'AWS_REGION', 'AWS_DEFAULT_REGION');
}

export function awsClientConfig(
  opts: AwsBackendOptions,
  env: NodeJS.ProcessEnv,
  region: string | undefined,
  endpointVars: string[],
): AwsClientConfig {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const endpoint = nonEmptyEnv(env, ...endpointVars);
  const accessKeyId = nonEmptyEnv(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = nonEmptyEnv(env, 'AWS_SECRET_ACCESS_KEY');
  const sessionToken = nonEmptyEnv(env, 'AWS_SESSION_TOKEN');
  const credentials =
    opts.credentials ?? (accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken } : undefined);
  const config: AwsClientConfig = {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
  };
  if (region) config.region = region;
  if (endpoint) config.endpoint = endpoint;
  if (credentials) config.credentials = credentials;
  return config;
}

/** One client per region, created on first use and reused (keeps connections and credentials warm). */
export class ClientPerRegion<C extends { destroy(): void }> {
  readonly #clients = new Map<string, C>();
  constructor(private readonly make: (region: string | undefined) => C) {}
  get(region: string | undefined): C {
    const key = region ?? '';
    let c = this.#clients.get(key);
    if (!c) {
      c = this.make(region);
      this.#clients.set(key, c);
    }
    return c;
  }
  get size(): number {
    return this.#clients.size;
  }
  destroy(): void {
    for (const c of this.#clients.values()) c.destroy();
    this.#clients.clear();
  }
}

/**
 * What each AWS backend holds: its environment, the deadline of a call and one SDK client per
 * region; and how it calls: one command under the deadline, a failure mapped by the backend.
 */
export abstract class AwsBackend<C extends { destroy(): void }> {
  abstract readonly source: string;
  protected readonly env: NodeJS.ProcessEnv;
  protected readonly timeoutMs: number;
  readonly #clients: ClientPerRegion<C>;

  /** AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL: read from the backend's env, not the SDK's. */
  protected abstract readonly endpointVars: string[];
  /** The service's SDK client; called on a region's first use (after the subclass's fields are set). */
  protected abstract newClient(config: AwsClientConfig): C;

  constructor(opts: AwsBackendOptions = {}) {
    this.env = opts.env ?? process.env;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#clients = new ClientPerRegion((region) => this.newClient(awsClientConfig(opts, this.env, region, this.endpointVars)));
  }

  /** How many SDK clients exist (one per region used). */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** How messages name a reference, e.g. `aws-ssm parameter '/prod/openai' (region eu-west-1)`. */
  protected abstract label(ref: SecretRef, region: string | undefined): string;

  /** A reference's region and label, once the member naming the secret (`idKey`) is checked present. */
  protected target(ref: SecretRef, idKey: 'secretId' | 'name'): { region: string | undefined; label: string; id: string } {
    const region = awsRegion(this.env, ref.region);
    const label = this.label(ref, region);
    const id = ref[idKey];
    if (typeof id !== 'string' || id.trim() === '') {
      throw new SourceError('config', `an ${this.source} secret reference needs '${idKey}'`);
    }
    return { region, label, id };
  }

  protected async call<T>(
    region: string | undefined,
    send: (client: C, abortSignal: AbortSignal) => Promise<T>,
    fail: (e: unknown, signal: AbortSignal) => SourceError,
  ): Promise<T> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await send(this.#clients.get(region), signal);
    } catch (e) {
      throw fail(e, signal);
    }
  }

  /** Closes the SDK clients' sockets (tests; a CLI run just exits). */
  destroy(): void {
    this.#clients.destroy();
  }
}

const THROTTLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
]);
const SERVER_NAMES = new Set(['InternalServiceError', 'InternalServerError', 'InternalFailure', 'ServiceUnavailable']);
const AUTH_NAMES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
]);

export interface AwsErrorContext {
  label: string;
  /** IAM action needed, named in access-denied messages. */
  action: string;
  /** Error names meaning "does not exist" for this service. */
  notFound: string[];
  signal: AbortSignal;
  timeoutMs: number;
}

/** An SDK (or network) error as a SourceError. Server messages are kept (bounded): they never hold values. */
export function awsError(e: unknown, ctx: AwsErrorContext): SourceError {
  if (e instanceof CvctlError) return e instanceof SourceError ? e : new SourceError('config', e.message);
  const err = (typeof e === 'object' && e !== null ? e : {}) as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  const name = typeof err.name === 'string' ? err.name : 'Error';
  const msg = serverText(err.message);
  const status = err.$metadata?.httpStatusCode;
  const { label } = ctx;
  const detail = msg ? `: ${msg}` : '';

  if (ctx.signal.aborted || name === 'TimeoutError' || errCode(e) === 'ETIMEDOUT') {
    return new SourceError('unavailable', `${label}: no answer within ${ctx.timeoutMs} ms`);
  }
  if (ctx.notFound.includes(name)) return new SourceError('not-found', `${label} was not found`);
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new SourceError('access-denied', `${label}: access denied (needs ${ctx.action})${detail}`);
  }
  if (name === 'DecryptionFailure' || name === 'KMSAccessDeniedException' || name === 'InvalidKeyId') {
    return new SourceError('access-denied', `${label}: cannot be decrypted with its KMS key (needs kms:Decrypt)${detail}`);
  }
  if (AUTH_NAMES.has(name)) {
    return new SourceError('auth', `${label}: AWS rejected the credentials (${name})${detail}`);
  }
  if (name === 'CredentialsProviderError') {
    return new SourceError(
      'auth',
      `${label}: no AWS credentials found (default chain: environment, shared config/SSO, web identity, container, instance metadata)${detail}`,
    );
  }
  if (/region is missing/i.test(msg)) {
    return new SourceError('config', `${label}: no AWS region: set 'region' in the reference, or AWS_REGION`);
  }
  if (THROTTLE_NAMES.has(name) || status === 429) {
    return new SourceError('unavailable', `${label}: throttled by AWS (${name})`);
  }
  if (SERVER_NAMES.has(name) || (status !== undefined && status >= 500)) {
    return new SourceError('unavailable', `${label}: AWS service error (${name}${status ? `, HTTP ${status}` : ''})`);
  }
  if (status === undefined) {
    // No HTTP response at all: a connection-level failure (refused, reset, DNS).
    const code = errCode(e);
    const permanent = code === 'ENOTFOUND';
    return new SourceError(permanent ? 'config' : 'unavailable', `${label}: cannot reach AWS (${code ?? name})${detail}`, {
      retryable: !permanent,
    });
  }
  return new SourceError('config', `${label}: ${name}${detail}`, { retryable: err.$retryable !== undefined && err.$retryable !== false });
}
