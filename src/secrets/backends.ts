// Secret backends: `env` and `file` here; cloud/Vault backends live in ./sources and plug in below.
// Every error a backend throws says which reference failed and why, and never the value
// (a backend that failed to read a value cannot quote it, but partial reads could).
import { constants as fsc, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { SecretSource } from '../domain/kinds';
import { assertNever } from '../domain/kinds';
import type { SecretRef } from '../domain/types';
import { CvctlError } from '../errors';
import { SecretValue, type SecretBackend } from './resolver';
import { AwsSecretsManagerBackend } from './sources/aws-secrets-manager';
import { AwsSsmBackend } from './sources/aws-ssm';
import { VaultBackend } from './sources/vault';
import { GcpSecretManagerBackend } from './sources/gcp-secret-manager';
import { AzureKeyVaultBackend } from './sources/azure-key-vault';

/**
 * A failure worth retrying (throttling, timeouts, 5xx from a secret store). The resolver
 * retries these with backoff; anything else fails at once. Backends that cannot subclass
 * may instead set `retryable = true` on the error they throw.
 */
export class RetryableSecretError extends CvctlError {
  readonly retryable = true;
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('SECRET_UNRESOLVED', message, opts);
    this.name = 'RetryableSecretError';
  }
}

export function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { retryable?: unknown }).retryable === true;
}

function unresolved(message: string): CvctlError {
  return new CvctlError('SECRET_UNRESOLVED', message);
}

/** `from: env`. Reads `env` at resolve time (not a snapshot), unset and empty both fail. */
export class EnvSecretBackend implements SecretBackend {
  readonly source = 'env' as const;
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async resolve(ref: SecretRef): Promise<SecretValue> {
    const name = ref.name;
    if (typeof name !== 'string' || name === '') throw unresolved("an env secret reference needs 'name'");
    const value = this.env[name];
    if (value === undefined) throw unresolved(`environment variable ${name} is not set`);
    if (value === '') throw unresolved(`environment variable ${name} is set but empty`);
    return new SecretValue(value);
  }
}

/** Larger than any credential (a service-account JSON is ~2.5 KiB): catches wrong paths. */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;

/** `from: file`: path relative to the YAML file's directory; one trailing newline trimmed. */
export class FileSecretBackend implements SecretBackend {
  readonly source = 'file' as const;

  async resolve(ref: SecretRef, baseDir: string): Promise<SecretValue> {
    const rel = ref.path;
    if (typeof rel !== 'string' || rel === '') throw unresolved("a file secret reference needs 'path'");
    const abs = path.resolve(baseDir, rel);
    const what = rel === abs ? `secret file ${rel}` : `secret file ${rel} (${abs})`;

    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(abs, fsc.O_RDONLY);
    } catch (e) {
      throw unresolved(`${what} ${describeOpenError(e)}`);
    }
    let raw: Buffer;
    try {
      // fstat on the open handle: the checks apply to the file we actually read.
      const st = await handle.stat();
      if (st.isDirectory()) throw unresolved(`${what} is a directory`);
      if (!st.isFile()) throw unresolved(`${what} is not a regular file`);
      if (st.size > MAX_SECRET_FILE_BYTES) throw unresolved(`${what} is larger than 1 MiB`);
      raw = await readAtMost(handle, MAX_SECRET_FILE_BYTES + 1);
    } catch (e) {
      if (e instanceof CvctlError) throw e;
      throw unresolved(`${what} cannot be read (${errnoCode(e) ?? 'unknown error'})`);
    } finally {
      await handle.close().catch(() => undefined);
    }
    try {
      if (raw.length > MAX_SECRET_FILE_BYTES) throw unresolved(`${what} is larger than 1 MiB`);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        throw unresolved(`${what} is not UTF-8 text`);
      }
      // Exactly one trailing newline, as editors and `echo` add: a value that really ends
      // in a newline can still be written with two.
      if (text.endsWith('\r\n')) text = text.slice(0, -2);
      else if (text.endsWith('\n')) text = text.slice(0, -1);
      if (text === '') throw unresolved(`${what} is empty`);
      return new SecretValue(text);
    } finally {
      raw.fill(0);
    }
  }
}

async function readAtMost(handle: fsp.FileHandle, limit: number): Promise<Buffer> {
  // A file can grow between fstat and read: never read more than the limit.
  const buf = Buffer.alloc(limit);
  let n = 0;
  while (n < limit) {
    const { bytesRead } = await handle.read(buf, n, limit - n, n);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  const out = Buffer.from(buf.subarray(0, n));
  buf.fill(0);
  return out;
}

function describeOpenError(e: unknown): string {
  switch (errnoCode(e)) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'does not exist (a parent is not a directory)';
    case 'ELOOP':
      return 'cannot be read (too many symbolic links)';
    default:
      return `cannot be read (${errnoCode(e) ?? 'unknown error'})`;
  }
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}

/**
 * The backend for every source (the switch is exhaustive over SecretSource, so a new source
 * cannot be forgotten). Cloud clients are created lazily, on first use.
 */
export function defaultBackend(source: SecretSource, env: NodeJS.ProcessEnv = process.env): SecretBackend {
  switch (source) {
    case 'env':
      return new EnvSecretBackend(env);
    case 'file':
      return new FileSecretBackend();
    case 'aws-secrets-manager':
      return new AwsSecretsManagerBackend({ env });
    case 'aws-ssm':
      return new AwsSsmBackend({ env });
    case 'vault':
      return new VaultBackend({ env });
    case 'gcp-secret-manager':
      return new GcpSecretManagerBackend({ env });
    case 'azure-key-vault':
      return new AzureKeyVaultBackend({ env });
    default:
      return assertNever(source, 'secret source');
  }
}
