// `from: aws-secrets-manager`: GetSecretValue on AWS Secrets Manager.
//
//   secretId      name or ARN of the secret
//   versionStage  optional (AWSCURRENT when absent, as the service defaults)
//   jsonKey       optional: the secret is a JSON object; take this string field
//   region        optional: else AWS_REGION / AWS_DEFAULT_REGION / the shared config
//
// Env: AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL,
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and the rest of the SDK's
// default credential chain (AWS_PROFILE, web identity, container/instance metadata).
import type * as SecretsManagerSdk from '@aws-sdk/client-secrets-manager';
import type { SecretRef } from '../../domain/types';
import type { SecretBackend, SecretValue } from '../resolver';
import { awsClientConfig, awsError, awsRegion, ClientPerRegion, type AwsBackendOptions } from './aws-common';
import { checkedValue, DEFAULT_TIMEOUT_MS, pickJsonKey, SourceError, utf8 } from './common';

type SecretsManagerClient = SecretsManagerSdk.SecretsManagerClient;
let sdk: typeof SecretsManagerSdk | undefined;
/** Loaded on first use: start-up costs nothing for repositories that do not use this source. */
const sm = (): typeof SecretsManagerSdk => (sdk ??= require('@aws-sdk/client-secrets-manager') as typeof SecretsManagerSdk);

const SOURCE = 'aws-secrets-manager';
export const SECRETS_MANAGER_ENDPOINT_VARS = ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL'];

/** `aws-secrets-manager secret 'prod/openai' (region eu-west-1, stage AWSPREVIOUS)` */
export function secretsManagerLabel(ref: SecretRef, region: string | undefined): string {
  const extras: string[] = [];
  if (region) extras.push(`region ${region}`);
  if (ref.versionStage) extras.push(`stage ${ref.versionStage}`);
  return `${SOURCE} secret '${String(ref.secretId ?? '')}'${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

export class AwsSecretsManagerBackend implements SecretBackend {
  readonly source = 'aws-secrets-manager' as const;
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeoutMs: number;
  readonly #clients: ClientPerRegion<SecretsManagerClient>;

  constructor(opts: AwsBackendOptions = {}) {
    this.#env = opts.env ?? process.env;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#clients = new ClientPerRegion(
      (region) => new (sm().SecretsManagerClient)(awsClientConfig(opts, this.#env, region, SECRETS_MANAGER_ENDPOINT_VARS)),
    );
  }

  /** How many SDK clients exist (one per region used). */
  get clientCount(): number {
    return this.#clients.size;
  }

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const region = awsRegion(this.#env, ref.region);
    const label = secretsManagerLabel(ref, region);
    if (typeof ref.secretId !== 'string' || ref.secretId.trim() === '') {
      throw new SourceError('config', `an ${SOURCE} secret reference needs 'secretId'`);
    }
    if (ref.jsonKey !== undefined && (typeof ref.jsonKey !== 'string' || ref.jsonKey === '')) {
      throw new SourceError('config', `${label}: 'jsonKey' must be a non-empty string`);
    }

    const signal = AbortSignal.timeout(this.#timeoutMs);
    let out: { SecretString?: string; SecretBinary?: Uint8Array };
    try {
      out = await this.#clients.get(region).send(
        new (sm().GetSecretValueCommand)({
          SecretId: ref.secretId,
          ...(ref.versionStage ? { VersionStage: ref.versionStage } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (e) {
      throw secretsManagerError(e, label, signal, this.#timeoutMs);
    }

    let text: string;
    if (typeof out.SecretString === 'string') {
      text = out.SecretString;
    } else if (out.SecretBinary instanceof Uint8Array) {
      // The SDK has already base64-decoded the wire form; the bytes must be UTF-8 text.
      text = utf8(label, out.SecretBinary, 'SecretBinary');
    } else {
      throw new SourceError('empty', `${label} has neither SecretString nor SecretBinary`);
    }
    if (ref.jsonKey !== undefined) return pickJsonKey(label, text, ref.jsonKey);
    return checkedValue(label, text);
  }

  /** Closes the SDK clients' sockets (tests; a CLI run just exits). */
  destroy(): void {
    this.#clients.destroy();
  }
}

function secretsManagerError(e: unknown, label: string, signal: AbortSignal, timeoutMs: number): SourceError {
  const name = (e as { name?: unknown } | null)?.name;
  const msg = String((e as { message?: unknown } | null)?.message ?? '');
  // InvalidRequestException covers both "scheduled for deletion" and other misuse; the
  // deletion case is common enough (a rotated-out secret) to deserve its own message.
  if (name === 'InvalidRequestException' && /deletion|deleted/i.test(msg)) {
    return new SourceError('disabled', `${label} is scheduled for deletion (restore it with RestoreSecret)`);
  }
  return awsError(e, {
    label,
    action: 'secretsmanager:GetSecretValue',
    notFound: ['ResourceNotFoundException'],
    signal,
    timeoutMs,
  });
}
