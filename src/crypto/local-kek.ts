// local://PATH: a 256-bit key file used as the KEK. The embedded default, for laptops and
// CI; production deployments are expected to use aws-kms://.
//
// Wrapped key format (version 1), 61 bytes for a 32-byte DEK:
//   0x01 || iv (12 bytes) || GCM tag (16 bytes) || ciphertext
// AAD = canonicalContext(ctx), so a wrapped DEK only unwraps for the row and field it was
// made for (a wrapped DEK copied onto another row fails the GCM check).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CvctlError } from '../errors';
import { ensureCvctlDir } from '../cvctl-dir';
import { rewrapViaPlaintext, type EncryptionContext, type Kek, type WrappedKey } from './kek';

export const LOCAL_WRAP_VERSION = 0x01;
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/**
 * Canonical bytes of an encryption context: JSON object with keys sorted by code unit.
 * Built by hand because JSON.stringify orders integer-like keys first, whatever we sort.
 */
export function canonicalContext(ctx: EncryptionContext): Buffer {
  const keys = Object.keys(ctx).sort();
  const body = keys
    .map((k) => {
      const v = ctx[k];
      if (typeof v !== 'string') throw new TypeError(`encryption context value for '${k}' must be a string`);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    })
    .join(',');
  return Buffer.from(`{${body}}`, 'utf8');
}

/** `providers/<id>` for messages: where the wrapped key belongs, never key material. */
export function describeContext(ctx: EncryptionContext): string {
  const where = ctx.id ?? ctx.name;
  if (ctx.table && where) return `${ctx.table}/${where}`;
  return Object.keys(ctx)
    .sort()
    .map((k) => `${k}=${ctx[k]}`)
    .join(',');
}

export function localKekId(key: Buffer): string {
  // Derived from the key, not the path: moving the file keeps the id, so rows stay readable.
  return 'local:' + createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export class LocalKek implements Kek {
  readonly id: string;
  /** Absolute path of the key file, or a label for in-memory keys (tests). */
  readonly path: string;
  readonly #key: Buffer;
  #calls = 0;

  private constructor(key: Buffer, where: string) {
    if (key.length !== KEY_BYTES) throw new TypeError('a local KEK must be exactly 32 bytes');
    this.#key = Buffer.from(key); // own copy: the caller zeroes theirs
    this.id = localKekId(this.#key);
    this.path = where;
  }

  /** A KEK from raw key bytes, without a file (tests, and keys handed over by other code). */
  static fromKey(key: Buffer, where = '<memory>'): LocalKek {
    return new LocalKek(key, where);
  }

  async generateDataKey(ctx: EncryptionContext): Promise<{ plaintext: Buffer; wrapped: WrappedKey }> {
    this.#calls++;
    const plaintext = randomBytes(KEY_BYTES);
    return { plaintext, wrapped: this.#wrap(plaintext, ctx) };
  }

  async wrap(plaintext: Buffer, ctx: EncryptionContext): Promise<WrappedKey> {
    this.#calls++;
    return this.#wrap(plaintext, ctx);
  }

  async unwrap(wrapped: WrappedKey, ctx: EncryptionContext): Promise<Buffer> {
    this.#calls++;
    const where = describeContext(ctx);
    if (wrapped.kekId !== this.id) {
      throw new CvctlError(
        'CRYPTO_INTEGRITY',
        `cannot unwrap the data key for ${where}: it was wrapped by KEK ${wrapped.kekId}, but the configured KEK is ${this.id} ` +
          `(pass --kms with the KEK that wrapped it)`,
      );
    }
    const bytes = Buffer.isBuffer(wrapped.wrapped) ? wrapped.wrapped : Buffer.from(wrapped.wrapped as Uint8Array);
    if (bytes.length < HEADER_BYTES + 1 || bytes[0] !== LOCAL_WRAP_VERSION) {
      throw new CvctlError(
        'CRYPTO_INTEGRITY',
        `cannot unwrap the data key for ${where}: unrecognised wrapped key format ` +
          `(${bytes.length} bytes, version byte ${bytes.length > 0 ? bytes[0] : 'none'})`,
      );
    }
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(1 + IV_BYTES, HEADER_BYTES);
    const ct = bytes.subarray(HEADER_BYTES);
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      d.setAAD(canonicalContext(ctx));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(ct), d.final()]);
    } catch (e) {
      throw new CvctlError(
        'CRYPTO_INTEGRITY',
        `cannot unwrap the data key for ${where}: integrity check failed (wrong key, or the wrapped key was moved from another row)`,
        { cause: e },
      );
    }
  }

  async rewrap(wrapped: WrappedKey, ctx: EncryptionContext, from: Kek): Promise<WrappedKey> {
    return rewrapViaPlaintext(this, from, wrapped, ctx);
  }

  callCount(): number {
    return this.#calls;
  }

  #wrap(plaintext: Buffer, ctx: EncryptionContext): WrappedKey {
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    c.setAAD(canonicalContext(ctx));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    const tag = c.getAuthTag();
    return { wrapped: Buffer.concat([Buffer.from([LOCAL_WRAP_VERSION]), iv, tag, ct]), kekId: this.id };
  }
}

/**
 * Open the key file at `keyPath`, creating it (0600) when absent and `opts.create`.
 * Two processes creating at once end up with the same key: see createKeyFile.
 */
export async function openLocalKek(keyPath: string, opts: { create: boolean }): Promise<LocalKek> {
  const abs = path.resolve(keyPath);
  let key = await readKeyFile(abs);
  if (key === null) {
    if (!opts.create) {
      throw new CvctlError(
        'KMS_ERROR',
        // Only commands that read existing encrypted data open a key without creating it (plan
        // and drift for stored credentials, kek rotate for its source): a new key could not
        // decrypt that data, so the message says how to find the old one, not how to make one.
        `local KEK key file ${abs} does not exist; it is needed to read the keys and credentials the database stores under it ` +
          '(a new key could not decrypt them): restore the file, or point --kms (env CVCTL_KMS_KEY) at the key they were written with',
      );
    }
    key = await createKeyFile(abs);
  }
  try {
    return LocalKek.fromKey(key, abs);
  } finally {
    key.fill(0);
  }
}

/** The key bytes, or null when the file does not exist. */
async function readKeyFile(abs: string): Promise<Buffer | null> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(abs, fsc.O_RDONLY);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null;
    throw new CvctlError('KMS_ERROR', `cannot read local KEK key file ${abs}: ${errnoCode(e) ?? String(e)}`, {
      cause: e,
    });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new CvctlError('KMS_ERROR', `local KEK key file ${abs} is not a regular file`);
    // Like ssh with private keys: a key others can read is no key. Windows has no mode bits.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new CvctlError(
        'KMS_ERROR',
        `local KEK key file ${abs} is accessible by group or others (mode ${mode}); run \`chmod 600 ${abs}\``,
      );
    }
    if (st.size > 1024) throw new CvctlError('KMS_ERROR', badKeyMessage(abs));
    const raw = await handle.readFile();
    try {
      const key = parseKeyBytes(raw);
      if (key === null) throw new CvctlError('KMS_ERROR', badKeyMessage(abs));
      return key;
    } finally {
      raw.fill(0);
    }
  } finally {
    await handle.close();
  }
}

function badKeyMessage(abs: string): string {
  return `local KEK key file ${abs} must hold exactly 32 bytes (raw), 64 hex characters, or base64 of 32 bytes`;
}

/** Raw 32 bytes, or 64 hex chars, or base64(32 bytes), surrounding whitespace allowed for text. */
export function parseKeyBytes(raw: Buffer): Buffer | null {
  if (raw.length === KEY_BYTES) return Buffer.from(raw);
  if (raw.length > 128) return null;
  const text = raw.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(text) || /^[A-Za-z0-9_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  return null;
}

/**
 * Create the key file atomically: the key is written and fsynced under a temporary name,
 * then hard-linked to the final name. link(2) fails with EEXIST if the name exists, so
 * exactly one racer wins and the others read the winner's complete file.
 */
async function createKeyFile(abs: string): Promise<Buffer> {
  const dir = path.dirname(abs);
  try {
    ensureCvctlDir(dir, 0o700);
  } catch (e) {
    throw new CvctlError('KMS_ERROR', `cannot create directory ${dir} for the local KEK: ${errnoCode(e) ?? String(e)}`, {
      cause: e,
    });
  }
  const key = randomBytes(KEY_BYTES);
  const tmp = path.join(dir, `.${path.basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let won = false;
  try {
    await writeNewFile(tmp, key);
    try {
      await fsp.link(tmp, abs);
      won = true;
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'EEXIST') won = false;
      // Filesystems without hard links: O_EXCL create of the final name. A loser may then
      // briefly see a short file, which readAfterLostRace waits out.
      else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        won = await createExclusive(abs, key);
      } else throw e;
    }
  } catch (e) {
    key.fill(0);
    if (e instanceof CvctlError) throw e;
    throw new CvctlError('KMS_ERROR', `cannot create local KEK key file ${abs}: ${errnoCode(e) ?? String(e)}`, {
      cause: e,
    });
  } finally {
    await fsp.unlink(tmp).catch(() => undefined);
  }
  if (won) {
    await fsyncDir(dir);
    return key;
  }
  key.fill(0);
  return readAfterLostRace(abs);
}

/** Create `file` (owner-only; EEXIST if it exists), write `key` and sync it to disk. */
async function writeNewFile(file: string, key: Buffer): Promise<void> {
  const h = await fsp.open(file, 'wx', 0o600);
  try {
    await h.writeFile(key);
    await h.sync();
  } finally {
    await h.close();
  }
}

async function createExclusive(abs: string, key: Buffer): Promise<boolean> {
  try {
    await writeNewFile(abs, key);
    return true;
  } catch (e) {
    if (errnoCode(e) === 'EEXIST') return false;
    throw e;
  }
}

async function readAfterLostRace(abs: string): Promise<Buffer> {
  for (let i = 0; ; i++) {
    try {
      const key = await readKeyFile(abs);
      if (key !== null) return key;
    } catch (e) {
      if (i >= 20) throw e;
    }
    if (i >= 20) throw new CvctlError('KMS_ERROR', `local KEK key file ${abs} disappeared while being created`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the new name durable; not possible on every platform, hence best effort.
  try {
    const h = await fsp.open(dir, fsc.O_RDONLY);
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* best effort */
  }
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}
