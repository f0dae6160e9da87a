// Which KEK can unwrap a row's data key, and the target's preflight check.
//
// Rows are normally all on the source KEK (--kms). After an interrupted rotation to another
// KMS key they may be on several keys: a KMS key is reachable by its ARN alone, so those are
// opened on demand. A local KEK is only reachable through its key file, so a row on a local
// KEK other than --kms is an error that names the row.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CvctlError, isCvctlError } from '../../errors';
import type { EncryptionContext, Kek } from '../../crypto/kek';

const KMS_KEY_ARN_RE = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;

export const PREFLIGHT_CONTEXT: EncryptionContext = Object.freeze({
  purpose: 'cvctl-kek-rotate-preflight',
}) as EncryptionContext;

export function isKmsKeyArn(id: string): boolean {
  return KMS_KEY_ARN_RE.test(id);
}

/**
 * KMS calls one rewrap makes, for the rate cap: ReEncrypt between two KMS keys of a region,
 * Decrypt + Encrypt across regions, one call on the KMS side of a local/KMS pair, none locally.
 */
export function kmsCallsPerRewrap(from: Kek, to: Kek): number {
  const f = KMS_KEY_ARN_RE.exec(from.id)?.[1];
  const t = KMS_KEY_ARN_RE.exec(to.id)?.[1];
  if (f !== undefined && t !== undefined) return f === t ? 1 : 2;
  return (f !== undefined ? 1 : 0) + (t !== undefined ? 1 : 0);
}

/** Where a wrapped key lives, for messages: `providers/<id> ('name')` or `cvctl_keys/fingerprint`. */
export type Owner = string;

export class SourceKeks {
  readonly #source: Kek;
  readonly #target: Kek;
  readonly #open?: (id: string) => Promise<Kek>;
  readonly #opened = new Map<string, Promise<Kek>>();
  /** KEKs opened here (not the caller's source and target), for call counts and cleanup. */
  readonly extra: Kek[] = [];

  constructor(source: Kek, target: Kek, openKekById?: (id: string) => Promise<Kek>) {
    this.#source = source;
    this.#target = target;
    this.#open = openKekById;
  }

  /** The KEK that unwraps a key stored with `kekId`; throws naming `owner` when there is none. */
  async forKey(kekId: string | null, owner: Owner): Promise<Kek> {
    if (kekId === this.#source.id) return this.#source;
    if (kekId === this.#target.id) return this.#target;
    if (kekId === null || kekId === '') {
      throw new CvctlError('CRYPTO_INTEGRITY', `${owner} has a wrapped data key but no KEK id: it cannot be re-wrapped`);
    }
    if (isKmsKeyArn(kekId) && this.#open) {
      let p = this.#opened.get(kekId);
      if (!p) {
        p = this.#open(kekId).then((k) => {
          this.extra.push(k);
          return k;
        });
        this.#opened.set(kekId, p);
      }
      try {
        return await p;
      } catch (e) {
        throw prefixed(e, `cannot open KMS key ${kekId}, which wraps the data key of ${owner}`);
      }
    }
    throw new CvctlError(
      'KMS_ERROR',
      `${owner}: its data key is wrapped by KEK ${kekId}, which is neither the source KEK (--kms, ${this.#source.id}) ` +
        `nor an AWS KMS key; rerun with --kms pointing at the key that wrapped it`,
    );
  }
}

/**
 * Before any row is touched: the target must wrap and unwrap a throwaway key. Catches a key
 * without kms:Encrypt or kms:Decrypt permission, or a local key file that is not what it
 * seems, which opening alone (DescribeKey, reading the file) does not.
 */
export async function preflight(target: Kek): Promise<void> {
  const probe = randomBytes(32);
  try {
    const wrapped = await target.wrap(probe, PREFLIGHT_CONTEXT);
    if (wrapped.kekId !== target.id) {
      throw new CvctlError('KMS_ERROR', `the target KEK wrapped under id ${wrapped.kekId}, not its own id ${target.id}`);
    }
    const back = await target.unwrap(wrapped, PREFLIGHT_CONTEXT);
    try {
      if (back.length !== probe.length || !timingSafeEqual(back, probe)) {
        throw new CvctlError('CRYPTO_INTEGRITY', 'the target KEK did not give back the key it wrapped');
      }
    } finally {
      back.fill(0);
    }
  } catch (e) {
    throw prefixed(e, `preflight check of the target KEK ${target.id} failed (nothing was written)`);
  } finally {
    probe.fill(0);
  }
}

/** The same error with context in front; the code (and so the exit code) is kept. */
export function prefixed(e: unknown, what: string): CvctlError {
  if (isCvctlError(e)) return new CvctlError(e.code, `${what}: ${e.message}`, { cause: e });
  return new CvctlError('KMS_ERROR', `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}
