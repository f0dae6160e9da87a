// TEST EMULATOR — not the real service. Wire-level emulator for tests; never used by src/.
//
// AWS Systems Manager Parameter Store, GetParameter only, over AWS JSON 1.1 (X-Amz-Target:
// AmazonSSM.GetParameter) with SigV4 checked. Parameters live per region, with versions
// (`name:3` selectors), labels (`name:live`), the three types, and SecureString values that
// come back as (fake) ciphertext unless WithDecryption is true, as the real service does.
import { createHash } from 'node:crypto';
import { AwsFault, AwsJsonEmulator, TEST_ACCOUNT, TEST_PRINCIPAL, type CallContext } from './aws-json';
import { DEFAULT_EMULATOR_REGION } from './secrets-manager';

export type ParameterType = 'String' | 'StringList' | 'SecureString';

interface ParamVersion {
  version: number;
  value: string;
  type: ParameterType;
  labels: Set<string>;
  modified: Date;
}

export class SsmEmulator extends AwsJsonEmulator {
  readonly #params = new Map<string, ParamVersion[]>(); // `${region} ${name}`
  readonly #denied = new Set<string>();
  /** Names whose KMS key the caller may not use: decryption fails. */
  readonly #kmsDenied = new Set<string>();

  constructor() {
    super('AmazonSSM', 'ssm', 'ThrottlingException', 'InternalServerError');
  }

  /** PutParameter (Overwrite): a new version; returns its number. */
  putParameter(name: string, value: string, opts: { type?: ParameterType; region?: string; labels?: string[] } = {}): number {
    const key = `${opts.region ?? DEFAULT_EMULATOR_REGION} ${name}`;
    const versions = this.#params.get(key) ?? [];
    const labels = new Set(opts.labels ?? []);
    for (const v of versions) for (const l of labels) v.labels.delete(l); // a label moves
    const version = versions.length + 1;
    versions.push({ version, value, type: opts.type ?? 'SecureString', labels, modified: new Date() });
    this.#params.set(key, versions);
    return version;
  }

  deny(name: string): void {
    this.#denied.add(name);
  }

  denyKms(name: string): void {
    this.#kmsDenied.add(name);
  }

  protected call(op: string, input: Record<string, unknown>, ctx: CallContext): unknown {
    if (op !== 'GetParameter') throw new AwsFault('UnknownOperationException', `emulator: ${op} is not implemented`);
    const raw = input.Name;
    if (typeof raw !== 'string' || raw.length < 1 || raw.length > 2048) {
      throw new AwsFault('ValidationException', "1 validation error detected: Value at 'name' failed to satisfy constraint");
    }
    // ARN form: arn:aws:ssm:REGION:ACCOUNT:parameter/NAME (the leading slash of NAME is dropped).
    const arn = /^arn:aws:ssm:([^:]+):\d{12}:parameter(\/.*)$/.exec(raw);
    const nameAndSelector = arn ? arn[2]! : raw;
    const region = arn ? arn[1]! : ctx.region;
    const sel = /^(.*?)(?::([^:/]+))?$/.exec(nameAndSelector)!;
    const name = sel[1]!;
    const selector = sel[2];

    if (this.#denied.has(name)) {
      throw new AwsFault(
        'AccessDeniedException',
        `User: ${TEST_PRINCIPAL} is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${region}:${TEST_ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name} because no identity-based policy allows the ssm:GetParameter action`,
      );
    }
    const versions = region === ctx.region ? this.#params.get(`${region} ${name}`) : undefined;
    if (!versions || versions.length === 0) throw new AwsFault('ParameterNotFound', '');
    let chosen: ParamVersion | undefined;
    if (selector === undefined) chosen = versions[versions.length - 1];
    else if (/^\d+$/.test(selector)) chosen = versions.find((v) => v.version === Number(selector));
    else chosen = versions.find((v) => v.labels.has(selector));
    if (!chosen) {
      throw new AwsFault(
        'ParameterVersionNotFound',
        `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
      );
    }

    let value = chosen.value;
    if (chosen.type === 'SecureString') {
      if (input.WithDecryption === true) {
        if (this.#kmsDenied.has(name)) {
          throw new AwsFault('AccessDeniedException', `User: ${TEST_PRINCIPAL} is not authorized to perform: kms:Decrypt on the parameter's key`);
        }
      } else {
        // Undecrypted SecureStrings come back as opaque KMS ciphertext (base64).
        value = Buffer.concat([Buffer.from('AQICAH'), createHash('sha256').update(value).digest()]).toString('base64');
      }
    }
    return {
      Parameter: {
        Name: name,
        Type: chosen.type,
        Value: value,
        Version: chosen.version,
        ...(selector !== undefined ? { Selector: `:${selector}` } : {}),
        LastModifiedDate: chosen.modified.getTime() / 1000,
        ARN: `arn:aws:ssm:${region}:${TEST_ACCOUNT}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
        DataType: 'text',
      },
    };
  }
}
