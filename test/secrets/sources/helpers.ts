// Shared by the secret-source tests: canary values, failure assertions that also check no
// canary leaked into the message, and a retry driver using the real resolver.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SecretSource } from '../../../src/domain/kinds';
import type { SecretRef } from '../../../src/domain/types';
import { CvctlError } from '../../../src/errors';
import { isRetryable } from '../../../src/secrets/backends';
import { createResolver } from '../../../src/secrets/resolve';
import type { SecretBackend } from '../../../src/secrets/resolver';
import { SourceError, type SourceErrorReason } from '../../../src/secrets/sources/common';

/**
 * Every value a test stores in an emulator embeds CANARY, so one substring check per error
 * message proves no value (or fragment of one) leaked. JSON canaries use distinctive keys
 * and values so a quoted fragment would be caught too.
 */
export const CANARY = 'CANARY-7f3a9c1e';
export const canary = (tag: string) => `sk-${CANARY}-${tag}`;

export interface Expected {
  reason: SourceErrorReason;
  retryable?: boolean;
  /** Substrings the message must contain. */
  contains?: string[];
}

/** Awaits a rejection and checks it is a SourceError of the expected kind, leaking nothing. */
export async function failure(p: Promise<unknown>, want: Expected, extraSecrets: string[] = []): Promise<SourceError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error(`expected a ${want.reason} failure, got a value`);
  expect(err).toBeInstanceOf(SourceError);
  const e = err as SourceError;
  expect(e).toBeInstanceOf(CvctlError);
  expect(e.code).toBe('SECRET_UNRESOLVED');
  expectNoLeak(e.message, extraSecrets);
  expect({ reason: e.reason, message: e.message }).toEqual({ reason: want.reason, message: e.message });
  expect(isRetryable(e)).toBe(want.retryable ?? want.reason === 'unavailable');
  for (const s of want.contains ?? []) expect(e.message).toContain(s);
  return e;
}

export function expectNoLeak(message: string, extraSecrets: string[] = []): void {
  expect(message).not.toContain(CANARY);
  for (const s of extraSecrets) expect(message).not.toContain(s);
}

/**
 * Resolves one reference through the real resolver (src/secrets/resolve.ts) with its retry
 * policy and no sleeping: proves the backend's error is one the resolver retries.
 */
export async function resolveWithRetry(source: SecretSource, backend: SecretBackend, ref: SecretRef, attempts = 3): Promise<string> {
  const resolver = createResolver({
    backends: { [source]: backend },
    env: {},
    retry: { attempts, baseDelayMs: 1 },
    sleep: async () => undefined,
  });
  const out = await resolver.resolveAll([{ ref, pos: { file: 'providers.yaml', line: 7, column: 9 }, baseDir: '/repo' }]);
  const [value] = [...out.values()];
  return value!.reveal();
}

/** A 127.0.0.1 URL nothing listens on (connection refused). */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}
