// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// AWS Secrets Manager, GetSecretValue only, over AWS JSON 1.1 (X-Amz-Target:
// secretsmanager.GetSecretValue) with SigV4 checked. Secrets live per region (the region
// the request was signed for), with versions and staging labels (AWSCURRENT/AWSPREVIOUS),
// SecretString or SecretBinary, "scheduled for deletion", and per-secret access denial.
import { randomBytes, randomUUID } from 'node:crypto';
import { AwsFault, AwsJsonEmulator, TEST_ACCOUNT, TEST_PRINCIPAL, type CallContext } from './aws-json';

export const DEFAULT_EMULATOR_REGION = 'us-east-1';

interface SmVersion {
  versionId: string;
  string?: string;
  binary?: Buffer;
  stages: Set<string>;
  created: Date;
}

interface SmSecret {
  name: string;
  arn: string;
  region: string;
  versions: SmVersion[];
  deletedAt?: Date;
}

export type SmValue = string | { binary: Buffer };

export class SecretsManagerEmulator extends AwsJsonEmulator {
  readonly #secrets = new Map<string, SmSecret>(); // `${region} ${name}`
  readonly #denied = new Set<string>(); // names or ARNs

  constructor() {
    super('secretsmanager', 'secretsmanager', 'ThrottlingException', 'InternalServiceError');
  }

  /**
   * Stores a new version, labelled AWSCURRENT (the previous current one becomes
   * AWSPREVIOUS), as PutSecretValue does. Extra stages may be given.
   */
  putSecret(name: string, value: SmValue, opts: { region?: string; stages?: string[] } = {}): string {
    const region = opts.region ?? DEFAULT_EMULATOR_REGION;
    const key = `${region} ${name}`;
    let secret = this.#secrets.get(key);
    if (!secret) {
      // Real ARNs end in a random 6-character suffix.
      const suffix = randomBytes(3).toString('hex');
      secret = { name, region, arn: `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT}:secret:${name}-${suffix}`, versions: [] };
      this.#secrets.set(key, secret);
    }
    const stages = new Set(opts.stages ?? ['AWSCURRENT']);
    for (const v of secret.versions) {
      if (stages.has('AWSCURRENT') && v.stages.has('AWSCURRENT')) {
        v.stages.delete('AWSCURRENT');
        for (const o of secret.versions) o.stages.delete('AWSPREVIOUS');
        v.stages.add('AWSPREVIOUS');
      }
      for (const s of stages) if (s !== 'AWSCURRENT') v.stages.delete(s);
    }
    const version: SmVersion = { versionId: randomUUID(), stages, created: new Date() };
    if (typeof value === 'string') version.string = value;
    else version.binary = value.binary;
    secret.versions.push(version);
    return secret.arn;
  }

  /** DeleteSecret with a recovery window: reads fail with InvalidRequestException. */
  deleteSecret(name: string, region = DEFAULT_EMULATOR_REGION): void {
    const s = this.#secrets.get(`${region} ${name}`);
    if (!s) throw new Error(`emulator: no secret ${name} in ${region}`);
    s.deletedAt = new Date();
  }

  /** The caller's policy does not allow GetSecretValue on this secret (name or ARN). */
  deny(nameOrArn: string): void {
    this.#denied.add(nameOrArn);
  }

  protected call(op: string, input: Record<string, unknown>, ctx: CallContext): unknown {
    if (op !== 'GetSecretValue') throw new AwsFault('UnknownOperationException', `emulator: ${op} is not implemented`);
    const id = input.SecretId;
    if (typeof id !== 'string' || id.length < 1 || id.length > 2048) {
      throw new AwsFault('ValidationException', "1 validation error detected: Value at 'secretId' failed to satisfy constraint");
    }
    const secret = this.#find(id, ctx.region);
    if (this.#denied.has(id) || (secret && (this.#denied.has(secret.name) || this.#denied.has(secret.arn)))) {
      throw new AwsFault(
        'AccessDeniedException',
        `User: ${TEST_PRINCIPAL} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${id} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
      );
    }
    if (!secret) throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (secret.deletedAt) {
      throw new AwsFault(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      );
    }
    const versionId = typeof input.VersionId === 'string' ? input.VersionId : undefined;
    const stage = typeof input.VersionStage === 'string' ? input.VersionStage : versionId ? undefined : 'AWSCURRENT';
    const version = secret.versions.find(
      (v) => (versionId === undefined || v.versionId === versionId) && (stage === undefined || v.stages.has(stage)),
    );
    if (!version) {
      throw new AwsFault(
        'ResourceNotFoundException',
        stage
          ? `Secrets Manager can't find the specified secret value for staging label: ${stage}`
          : `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
      );
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      ...(version.string !== undefined ? { SecretString: version.string } : {}),
      ...(version.binary !== undefined ? { SecretBinary: version.binary.toString('base64') } : {}),
      VersionStages: [...version.stages],
      CreatedDate: version.created.getTime() / 1000,
    };
  }

  #find(id: string, region: string): SmSecret | undefined {
    if (id.startsWith('arn:')) {
      // An ARN names its region itself; a request signed for another region cannot see it.
      for (const s of this.#secrets.values()) if (s.arn === id && s.region === region) return s;
      return undefined;
    }
    return this.#secrets.get(`${region} ${id}`);
  }
}
