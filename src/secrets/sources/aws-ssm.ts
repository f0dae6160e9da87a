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
import { awsClientConfig, awsError, awsRegion, ClientPerRegion, type AwsBackendOptions } from './aws-common';
import { checkedValue, DEFAULT_TIMEOUT_MS, SourceError } from './common';

type SSMClient = SsmSdk.SSMClient;
let sdk: typeof SsmSdk | undefined;
/** Loaded on first use: start-up costs nothing for repositories that do not use this source. */
const ssm = (): typeof SsmSdk => (sdk ??= require('@aws-sdk/client-ssm') as typeof SsmSdk);

const SOURCE = 'aws-ssm';
export const SSM_ENDPOINT_VARS = ['AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL'];

/** `aws-ssm parameter '/prod/openai' (region eu-west-1)` */
export function ssmLabel(ref: SecretRef, region: string | undefined): string {
  return `${SOURCE} parameter '${String(ref.name ?? '')}'${region ? ` (region ${region})` : ''}`;
}

export class AwsSsmBackend implements SecretBackend {
  readonly source = 'aws-ssm' as const;
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeoutMs: number;
  readonly #clients: ClientPerRegion<SSMClient>;

  constructor(opts: AwsBackendOptions = {}) {
    this.#env = opts.env ?? process.env;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#clients = new ClientPerRegion((region) => new (ssm().SSMClient)(awsClientConfig(opts, this.#env, region, SSM_ENDPOINT_VARS)));
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const region = awsRegion(this.#env, ref.region);
    const label = ssmLabel(ref, region);
    if (typeof ref.name !== 'string' || ref.name.trim() === '') {
      throw new SourceError('config', `an ${SOURCE} secret reference needs 'name'`);
    }

    const signal = AbortSignal.timeout(this.#timeoutMs);
    let value: string | undefined;
    try {
      const out = await this.#clients.get(region).send(new (ssm().GetParameterCommand)({ Name: ref.name, WithDecryption: true }), {
        abortSignal: signal,
      });
      value = out.Parameter?.Value;
    } catch (e) {
      throw awsError(e, {
        label,
        action: 'ssm:GetParameter (and kms:Decrypt for a SecureString)',
        // ParameterVersionNotFound: `name:7` where version 7 does not exist.
        notFound: ['ParameterNotFound', 'ParameterVersionNotFound'],
        signal,
        timeoutMs: this.#timeoutMs,
      });
    }
    if (typeof value !== 'string') throw new SourceError('empty', `${label}: the service returned no value`);
    return checkedValue(label, value);
  }

  destroy(): void {
    this.#clients.destroy();
  }
}
