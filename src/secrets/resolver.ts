// Secret references are resolved at the edge; values flow only into the encryptor and the
// fingerprint, never into plans, diagnostics, logs or errors.
import type { LocatedSecretRef, SecretRef } from '../domain/types';
import type { SecretSource } from '../domain/kinds';

/** A resolved secret. toString/toJSON are overridden so it cannot leak by accident. */
export class SecretValue {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[secret]';
  }
  toJSON(): string {
    return '[secret]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[secret]';
  }
}

export interface SecretBackend {
  readonly source: SecretSource;
  /** Throws CvctlError('SECRET_UNRESOLVED') with a message that never contains the value. */
  resolve(ref: SecretRef, baseDir: string): Promise<SecretValue>;
}

export interface SecretResolver {
  /** Resolve many refs: each distinct reference once, bounded concurrency; errors carry ref.pos. */
  resolveAll(refs: LocatedSecretRef[]): Promise<Map<string, SecretValue>>;
}

/** The key under which resolveAll returns a reference's value (canonical JSON of the ref + baseDir). */
export function refKey(ref: SecretRef, baseDir: string): string {
  const sorted = Object.keys(ref)
    .sort()
    .map((k) => [k, (ref as unknown as Record<string, unknown>)[k]]);
  return JSON.stringify([sorted, ref.from === 'file' ? baseDir : '']);
}
