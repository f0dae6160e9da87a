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
import { AwsBackend, awsError, loadOnFirstUse, type AwsClientConfig } from './aws-common';
import { checkedValue, pickJsonKey, SourceError, utf8 } from './common';

const sm = loadOnFirstUse(() => require('@aws-sdk/client-secrets-manager') as typeof SecretsManagerSdk);

export class AwsSecretsManagerBackend extends AwsBackend<SecretsManagerSdk.SecretsManagerClient> implements SecretBackend {
  readonly source = 'aws-secrets-manager' as const;

  /** `aws-secrets-manager secret 'prod/openai' (region eu-west-1, stage AWSPREVIOUS)` */
  protected label(ref: SecretRef, region: string | undefined): string {
    const extras: string[] = [];
    if (region) extras.push(`region ${region}`);
    if (ref.versionStage) extras.push(`stage ${ref.versionStage}`);
    return `${this.source} secret '${String(ref.secretId ?? '')}'${extras.length ? ` (${extras.join(', ')})` : ''}`;
  }

  protected readonly endpointVars = ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL'];
  protected newClient = (config: AwsClientConfig): SecretsManagerSdk.SecretsManagerClient => new (sm().SecretsManagerClient)(config);

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const { region, label, id } = this.target(ref, 'secretId');
    if (ref.jsonKey !== undefined && (typeof ref.jsonKey !== 'string' || ref.jsonKey === '')) {
      throw new SourceError('config', `${label}: 'jsonKey' must be a non-empty string`);
    }

    const command = new (sm().GetSecretValueCommand)({
      SecretId: id,
      ...(ref.versionStage ? { VersionStage: ref.versionStage } : {}),
    });
    const out: { SecretString?: string; SecretBinary?: Uint8Array } = await this.call(
      region,
      (client, abortSignal) => client.send(command, { abortSignal }),
      (e, signal) => secretsManagerError(e, label, signal, this.timeoutMs),
    );

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
