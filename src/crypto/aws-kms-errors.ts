// AWS KMS SDK errors as CvctlErrors that say what is wrong and what to do: the mapping of
// exception names, throttling, timeouts and network failures, kept apart from the calls.
import { CvctlError } from '../errors';
import type { EncryptionContext } from './kek';
import { describeContext } from './local-kek';

export type KmsOp = 'DescribeKey' | 'GenerateDataKey' | 'Encrypt' | 'Decrypt' | 'ReEncrypt';

const NETWORK_CODES = /\b(?:ECONNREFUSED|ECONNRESET|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/;
// States in which DescribeKey succeeds but no cryptographic operation does.
export const UNUSABLE_STATES: Record<string, string> = {
  Disabled: 'enable it (aws kms enable-key) or point --kms at another key',
  PendingDeletion: 'cancel the deletion (aws kms cancel-key-deletion) if the key is still needed',
  PendingImport: 'import its key material first',
  Unavailable: 'its custom key store is disconnected; reconnect it',
};

export interface FailureInfo {
  op: KmsOp;
  key: string;
  ctx?: EncryptionContext;
  state?: string;
  /** Where the call went: for "not found in region" and "unavailable at" messages. */
  session: { region: string; endpoint: string | undefined; maxAttempts: number | undefined };
}

/** A KMS SDK error as a CvctlError whose message says what is wrong and what to do. */
export function kmsError(e: unknown, f: FailureInfo): CvctlError {
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

export function errorName(e: unknown): string {
  const n = (e as { name?: unknown } | null)?.name;
  return typeof n === 'string' ? n : 'Error';
}

export function awsMessage(e: unknown): string {
  const m = (e as { message?: unknown } | null)?.message;
  // The SDK fills an empty service message with the error name; that adds nothing.
  return typeof m === 'string' && m !== errorName(e) && m !== 'UnknownError' ? m : '';
}

function metadata(e: unknown): { attempts?: number; httpStatusCode?: number } {
  const md = (e as { $metadata?: unknown } | null)?.$metadata;
  return typeof md === 'object' && md !== null ? (md as { attempts?: number; httpStatusCode?: number }) : {};
}

export function kmsArnIn(text: string): string | undefined {
  return /arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(?:key|alias)\/[A-Za-z0-9/_-]+/.exec(text)?.[0];
}
