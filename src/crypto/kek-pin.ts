// KEK pinning: the KEK a command is given (--kms / CVCTL_KMS_KEY) must be the one the
// database's keys are recorded under in cvctl_keys. Without it, an AWS KMS key named by a
// stale --kms after `kek rotate` C -> D was accepted (KMS decrypts a blob with whichever key
// wrapped it), and apply then wrapped new data keys under C again: rows on mixed keys, lost
// when C is deleted. Every command that unwraps or wraps goes through the fingerprint key
// (plan, apply, drift) or checks here itself (kek rotate), so this is where it is refused.
import { CvctlError, isCvctlError } from '../errors';
import type { Queryable } from '../state/database';
import { fingerprintKeyRotatedAt } from '../state/keys';
import { countRowsOnKek } from '../state/rotation';
import { AwsKmsKek } from './aws-kms-kek';
import type { EncryptionContext, Kek, WrappedKey } from './kek';
import { LocalKek } from './local-kek';

/** The configured KEK's id when it is known without a KMS call (undefined: an AWS alias not described yet). */
export function knownKekId(kek: Kek): string | undefined {
  return kek instanceof AwsKmsKek ? kek.knownArn() : kek.id;
}

/**
 * Unwrap a key recorded in cvctl_keys with the configured KEK, refusing any other KEK with
 * a message naming both and the rotation that moved the database. An AWS alias is compared
 * without an extra DescribeKey: the Decrypt names the alias, KMS refuses a blob of another
 * key, and only then is the alias described to tell a stale --kms from a damaged row.
 */
export async function unwrapPinned(q: Queryable, kek: Kek, wrapped: WrappedKey, ctx: EncryptionContext): Promise<Buffer> {
  const known = knownKekId(kek);
  if (known !== undefined && known !== wrapped.kekId) throw await kekMismatch(q, kek, known, wrapped.kekId);
  try {
    return await kek.unwrap(wrapped, ctx);
  } catch (e) {
    if (known === undefined && kek instanceof AwsKmsKek && isCvctlError(e) && e.code === 'CRYPTO_INTEGRITY') {
      const arn = await kek.describe().catch(() => undefined);
      if (arn !== undefined && arn !== wrapped.kekId) throw await kekMismatch(q, kek, arn, wrapped.kekId);
    }
    throw e;
  }
}

/**
 * `kek rotate --kms SOURCE --to TARGET`: the database's keys must be on the source (a new
 * rotation, or one interrupted before its end) or already on the target (a finished one,
 * run again). Anything else is a stale or wrong --kms.
 */
export async function assertRotationSource(q: Queryable, source: Kek, target: Kek, recorded: string | null): Promise<void> {
  if (recorded === null || recorded === source.id || recorded === target.id) return;
  throw await kekMismatch(q, source, source.id, recorded, 'the source KEK (--kms)');
}

/** The one-line refusal: the recorded KEK, the rotation that put it there, the configured KEK, what to pass instead. */
export async function kekMismatch(
  q: Queryable,
  kek: Kek,
  configuredId: string,
  recorded: string,
  what = 'the configured KEK (--kms / CVCTL_KMS_KEY)',
): Promise<CvctlError> {
  const since = await fingerprintKeyRotatedAt(q);
  const moved = since ? ` (moved there by \`cvctl kek rotate\` at ${since})` : ' (no `cvctl kek rotate` is recorded since its creation)';
  const onConfigured = await countRowsOnKek(q, configuredId);
  const stray =
    onConfigured > 0
      ? `; ${onConfigured} provider row(s) are on ${configuredId} (written with it since): ` +
        `\`cvctl kek rotate --kms ${configuredUri(kek)} --to ${uriOf(recorded)}\` moves them`
      : '';
  return new CvctlError(
    'CRYPTO_INTEGRITY',
    `this database's keys (cvctl_keys) are wrapped by KEK ${recorded}${moved}, but ${what} is ${describeKek(kek, configuredId)}: ` +
      `pass --kms ${uriOf(recorded)}${recorded.startsWith('arn:') ? '' : ` (PATH: the key file of ${recorded})`}${stray} (nothing was written)`,
  );
}

/** The configured key as the user wrote it and as it resolves (an alias ARN and its key ARN are the same key). */
function describeKek(kek: Kek, id: string): string {
  if (kek instanceof AwsKmsKek && kek.configuredKeyId !== id) return `${id} (${kek.configuredKeyId})`;
  if (kek instanceof LocalKek && kek.path !== '<memory>') return `${id} (local://${kek.path})`;
  return id;
}

function configuredUri(kek: Kek): string {
  if (kek instanceof AwsKmsKek) return `aws-kms://${kek.configuredKeyId}`;
  if (kek instanceof LocalKek) return `local://${kek.path}`;
  return kek.id;
}

/** What to pass to --kms for a recorded id: a KMS key ARN is its own URI; a local key is known by its fingerprint only. */
function uriOf(id: string): string {
  if (id.startsWith('arn:')) return `aws-kms://${id}`;
  return 'local://PATH';
}
