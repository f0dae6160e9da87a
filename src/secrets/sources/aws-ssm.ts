// `from: aws-ssm`: GetParameter (WithDecryption) on AWS Systems Manager Parameter Store.
//
//   name    the parameter name or ARN; SSM's own selectors work too: `/prod/key:3` (version),
//           `/prod/key:live` (label)
//   region  optional: else AWS_REGION / AWS_DEFAULT_REGION / the shared config
//
// Env: AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL,
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and the rest of the SDK's
// default credential chain.
//
// SecureString parameters are decrypted by the service with their KMS key (the caller
// needs kms:Decrypt on it); String and StringList parameters are returned as stored. A
// credential in a plain String parameter is readable by anyone with ssm:GetParameter, but
// refusing it here would break working setups, so it is accepted.
import type * as SsmSdk from '@aws-sdk/client-ssm';
import type { SecretRef } from '../../domain/types';
import type { SecretBackend, SecretValue } from '../resolver';
import { AwsBackend, awsError, loadOnFirstUse, type AwsClientConfig } from './aws-common';
import { checkedValue, SourceError } from './common';

const ssm = loadOnFirstUse(() => require('@aws-sdk/client-ssm') as typeof SsmSdk);

export class AwsSsmBackend extends AwsBackend<SsmSdk.SSMClient> implements SecretBackend {
  readonly source = 'aws-ssm' as const;
  protected readonly endpointVars = ['AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL'];
  protected newClient = (config: AwsClientConfig): SsmSdk.SSMClient => new (ssm().SSMClient)(config);

  /** `aws-ssm parameter '/prod/openai' (region eu-west-1)` */
  protected label(ref: SecretRef, region: string | undefined): string {
    return `${this.source} parameter '${String(ref.name ?? '')}'${region ? ` (region ${region})` : ''}`;
  }

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const { region, label, id } = this.target(ref, 'name');

    const command = new (ssm().GetParameterCommand)({ Name: id, WithDecryption: true });
    const out = await this.call(
      region,
      (client, abortSignal) => client.send(command, { abortSignal }),
      (e, signal) =>
        awsError(e, {
          label,
          action: 'ssm:GetParameter (and kms:Decrypt for a SecureString)',
          // ParameterVersionNotFound: `name:7` where version 7 does not exist.
          notFound: ['ParameterNotFound', 'ParameterVersionNotFound'],
          signal,
          timeoutMs: this.timeoutMs,
        }),
    );
    const value = out.Parameter?.Value;
    if (typeof value !== 'string') throw new SourceError('empty', `${label}: the service returned no value`);
    return checkedValue(label, value);
  }
}
