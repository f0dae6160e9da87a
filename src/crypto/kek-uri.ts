// `--kms URI` / CVCTL_KMS_KEY: which KEK wraps the data keys. Parsing is strict so that a
// typo fails before anything is encrypted under a KEK the user did not mean.
import * as path from 'node:path';
import { assertNever } from '../domain/kinds';
import { CvctlError } from '../errors';
import type { Kek } from './kek';
import { openLocalKek } from './local-kek';
import { openAwsKmsKek } from './aws-kms-kek';

/** The contract's default: a key file under ./.cvctl/, relative to the working directory. */
export const DEFAULT_KEK_URI = 'local://.cvctl/kek';

export type KekUri =
  | { scheme: 'local'; path: string }
  /** keyId: the key ARN or alias ARN as written (or a bare key id / alias/NAME, region null). */
  | { scheme: 'aws-kms'; keyId: string; region: string | null };

const EXPECTED = 'expected aws-kms://<key ARN or alias ARN> or local://<path>';

// arn:PARTITION:kms:REGION:ACCOUNT:key/ID | alias/NAME
const KMS_ARN_RE =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):kms:([a-z]{2}(?:-[a-z]+)+-\d+):(\d{12}):(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/;
// Without an ARN the region comes from the AWS default chain (AWS_REGION, profile).
const KMS_BARE_RE = /^(?:(?:mrk-)?[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|alias\/[A-Za-z0-9/_-]+)$/;

export function parseKekUri(uri: string): KekUri {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/s.exec(uri);
  if (!m) throw new CvctlError('USAGE', `invalid KMS URI '${uri}': ${EXPECTED}`);
  const [, scheme, rest] = m as unknown as [string, string, string];
  switch (scheme) {
    case 'local': {
      if (rest === '') throw new CvctlError('USAGE', `invalid KMS URI '${uri}': local:// needs a key file path`);
      if (rest.includes('\0')) throw new CvctlError('USAGE', `invalid KMS URI '${uri}': the path contains a NUL byte`);
      return { scheme: 'local', path: rest };
    }
    case 'aws-kms': {
      const arn = KMS_ARN_RE.exec(rest);
      if (arn) return { scheme: 'aws-kms', keyId: rest, region: arn[2] as string };
      if (KMS_BARE_RE.test(rest)) return { scheme: 'aws-kms', keyId: rest, region: null };
      throw new CvctlError(
        'USAGE',
        `invalid KMS URI '${uri}': expected aws-kms://arn:aws:kms:REGION:ACCOUNT:key/ID or aws-kms://arn:aws:kms:REGION:ACCOUNT:alias/NAME`,
      );
    }
    default:
      throw new CvctlError('USAGE', `unsupported KMS URI scheme '${scheme}://' in '${uri}': ${EXPECTED}`);
  }
}

/**
 * Open the KEK a URI names. `create` lets a local key file be generated on first use
 * (commands that write); read-only commands pass false so a typo'd path is an error,
 * not a fresh key that cannot decrypt anything.
 */
export interface OpenKekOptions {
  create: boolean;
  cwd?: string;
  /** KMS endpoint override (emulators, VPC endpoints); default AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL. */
  endpoint?: string;
}

export async function openKek(uri: string, opts: OpenKekOptions): Promise<Kek> {
  const parsed = parseKekUri(uri);
  switch (parsed.scheme) {
    case 'local':
      return openLocalKek(path.resolve(opts.cwd ?? process.cwd(), parsed.path), { create: opts.create });
    case 'aws-kms':
      return openAwsKmsKek({ keyId: parsed.keyId, region: parsed.region, endpoint: opts.endpoint });
    default:
      return assertNever(parsed, 'KMS URI scheme');
  }
}
