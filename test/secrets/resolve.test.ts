import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocatedSecretRef, SecretRef, SourcePos } from '../../src/domain/types';
import { CvctlError } from '../../src/errors';
import { RetryableSecretError } from '../../src/secrets/backends';
import { backoffDelay, createResolver, SecretResolutionError } from '../../src/secrets/resolve';
import { refKey, SecretValue, type SecretBackend } from '../../src/secrets/resolver';

const CANARY = 'sk-CANARY-0d1f6a9c2b7e4f38';
const pos = (file: string, line: number, column = 9): SourcePos => ({ file, line, column });
const envRef = (name: string, p: SourcePos, baseDir = '/repo'): LocatedSecretRef => ({
  ref: { from: 'env', name },
  pos: p,
  baseDir,
});
const vaultRef = (field: string, p: SourcePos): LocatedSecretRef => ({
  ref: { from: 'vault', path: 'ai/keys', field },
  pos: p,
  baseDir: '/repo',
});

/** A controllable fake backend: counts calls and how many are in flight at once. */
function fakeBackend(behaviour: (ref: SecretRef, call: number) => Promise<string>) {
  const stats = { calls: 0, inFlight: 0, maxInFlight: 0, byField: new Map<string, number>() };
  const backend: SecretBackend = {
    source: 'vault',
    async resolve(ref) {
      stats.calls++;
      stats.byField.set(ref.field!, (stats.byField.get(ref.field!) ?? 0) + 1);
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        return new SecretValue(await behaviour(ref, stats.byField.get(ref.field!)!));
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { backend, stats };
}
const tick = (ms = 2) => new Promise((r) => setTimeout(r, ms));

async function resolutionError(p: Promise<unknown>): Promise<SecretResolutionError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SecretResolutionError);
    expect((e as CvctlError).code).toBe('SECRET_UNRESOLVED');
    expect((e as CvctlError).message).not.toContain('CANARY');
    return e as SecretResolutionError;
  }
  throw new Error('expected SecretResolutionError');
}

describe('createResolver', () => {
  it('resolves env and file references, keyed by refKey', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-resolve-'));
    try {
      fs.writeFileSync(path.join(dir, 'key.txt'), 'from-file\n');
      const fileRef: LocatedSecretRef = { ref: { from: 'file', path: 'key.txt' }, pos: pos('a.yaml', 3), baseDir: dir };
      const r = createResolver({ env: { OPENAI_API_KEY: CANARY } });
      const values = await r.resolveAll([envRef('OPENAI_API_KEY', pos('a.yaml', 1)), fileRef]);
      expect(values.get(refKey({ from: 'env', name: 'OPENAI_API_KEY' }, '/repo'))!.reveal()).toBe(CANARY);
      expect(values.get(refKey(fileRef.ref, dir))!.reveal()).toBe('from-file');
      expect(values.size).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resolves nothing for no references', async () => {
    expect((await createResolver({ env: {} }).resolveAll([])).size).toBe(0);
  });

  it('names file:line:col for a single failure, in the documented words', async () => {
    const e = await resolutionError(
      createResolver({ env: {} }).resolveAll([envRef('OPENAI_API_KEY', pos('providers/openai.yaml', 12, 15))]),
    );
    expect(e.message).toBe(
      'environment variable OPENAI_API_KEY is not set (referenced at providers/openai.yaml:12:15)',
    );
    expect(e.failures).toEqual([{ pos: pos('providers/openai.yaml', 12, 15), message: 'environment variable OPENAI_API_KEY is not set' }]);
  });

  it('collects ALL failures, sorted by position, one line each, without values', async () => {
    const refs = [
      envRef('B_KEY', pos('b.yaml', 2)),
      envRef('OK', pos('a.yaml', 1)),
      envRef('A_KEY', pos('a.yaml', 10)),
      envRef('A_KEY2', pos('a.yaml', 9, 3)),
      { ref: { from: 'vault', path: 'ai/key', field: 'value' }, pos: pos('a.yaml', 9, 1), baseDir: '/repo' } as LocatedSecretRef,
    ];
    const e = await resolutionError(createResolver({ env: { OK: CANARY } }).resolveAll(refs));
    expect(e.message).toBe(
      [
        '4 secret references could not be resolved:',
        "  a.yaml:9:1 vault secret 'secret/ai/key' field 'value': VAULT_ADDR is not set (e.g. VAULT_ADDR=https://vault.example.com:8200)",
        '  a.yaml:9:3 environment variable A_KEY2 is not set',
        '  a.yaml:10:9 environment variable A_KEY is not set',
        '  b.yaml:2:9 environment variable B_KEY is not set',
      ].join('\n'),
    );
  });

  it('resolves each distinct reference once, and reports a failing one at every place it is used', async () => {
    const { backend, stats } = fakeBackend(async (ref) => {
      await tick();
      if (ref.field === 'bad') throw new CvctlError('SECRET_UNRESOLVED', 'vault: permission denied on ai/keys');
      return `value-of-${ref.field}`;
    });
    const r = createResolver({ backends: { vault: backend } });
    const good = [vaultRef('apiKey', pos('a.yaml', 1)), vaultRef('apiKey', pos('b.yaml', 7)), vaultRef('apiKey', pos('c.yaml', 2))];
    const values = await r.resolveAll(good);
    expect(stats.calls).toBe(1);
    expect(values.size).toBe(1);

    const e = await resolutionError(r.resolveAll([...good, vaultRef('bad', pos('z.yaml', 4)), vaultRef('bad', pos('y.yaml', 5))]));
    expect(stats.byField.get('bad')).toBe(1);
    expect(e.failures.map((f) => `${f.pos.file}:${f.pos.line}`)).toEqual(['y.yaml:5', 'z.yaml:4']);
  });

  it('treats the same file path under different directories as different references', async () => {
    const calls: string[] = [];
    const file: SecretBackend = {
      source: 'file',
      async resolve(_ref, baseDir) {
        calls.push(baseDir);
        return new SecretValue(baseDir);
      },
    };
    const ref: SecretRef = { from: 'file', path: 'k' };
    const values = await createResolver({ backends: { file } }).resolveAll([
      { ref, pos: pos('x/a.yaml', 1), baseDir: '/x' },
      { ref, pos: pos('y/a.yaml', 1), baseDir: '/y' },
      { ref, pos: pos('y/b.yaml', 1), baseDir: '/y' },
    ]);
    expect(calls.sort()).toEqual(['/x', '/y']);
    expect(values.get(refKey(ref, '/y'))!.reveal()).toBe('/y');
  });

  it.each([1, 3, 8])('keeps at most %i resolutions in flight', async (n) => {
    const { backend, stats } = fakeBackend(async () => {
      await tick(3);
      return 'v';
    });
    const refs = Array.from({ length: 40 }, (_, i) => vaultRef(`f${i}`, pos('a.yaml', i + 1)));
    const values = await createResolver({ backends: { vault: backend }, concurrency: n }).resolveAll(refs);
    expect(values.size).toBe(40);
    expect(stats.calls).toBe(40);
    expect(stats.maxInFlight).toBe(n);
  });

  it('defaults to 8 in flight', async () => {
    const { backend, stats } = fakeBackend(async () => {
      await tick(3);
      return 'v';
    });
    const refs = Array.from({ length: 30 }, (_, i) => vaultRef(`f${i}`, pos('a.yaml', i + 1)));
    await createResolver({ backends: { vault: backend } }).resolveAll(refs);
    expect(stats.maxInFlight).toBe(8);
  });

  it('retries retryable failures with exponential backoff, then succeeds', async () => {
    const { backend, stats } = fakeBackend(async (_ref, call) => {
      if (call < 3) throw new RetryableSecretError('vault: 503 Service Unavailable');
      return CANARY;
    });
    const sleeps: number[] = [];
    const r = createResolver({
      backends: { vault: backend },
      retry: { attempts: 4, baseDelayMs: 100 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
    const values = await r.resolveAll([vaultRef('apiKey', pos('a.yaml', 1))]);
    expect([...values.values()][0]!.reveal()).toBe(CANARY);
    expect(stats.calls).toBe(3);
    expect(sleeps).toEqual([75, 150]); // 100 * 2^i, half fixed + half jittered
  });

  it('gives up after the last attempt, saying how many', async () => {
    const { backend, stats } = fakeBackend(async () => {
      throw Object.assign(new Error('connect ETIMEDOUT'), { retryable: true });
    });
    const r = createResolver({ backends: { vault: backend }, retry: { attempts: 3, baseDelayMs: 1 }, sleep: async () => {} });
    const e = await resolutionError(r.resolveAll([vaultRef('apiKey', pos('a.yaml', 4, 7))]));
    expect(stats.calls).toBe(3);
    expect(e.message).toBe(
      "the 'vault' backend failed: connect ETIMEDOUT (after 3 attempts) (referenced at a.yaml:4:7)",
    );
  });

  it('does not retry other failures', async () => {
    const { backend, stats } = fakeBackend(async () => {
      throw new CvctlError('SECRET_UNRESOLVED', 'vault: secret ai/keys has no field apiKey');
    });
    const sleep = jest.fn(async () => {});
    await resolutionError(createResolver({ backends: { vault: backend }, sleep }).resolveAll([vaultRef('apiKey', pos('a.yaml', 1))]));
    expect(stats.calls).toBe(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('scrubs resolved values out of a misbehaving backend error', async () => {
    const leaky: SecretBackend = {
      source: 'vault',
      async resolve(ref) {
        if (ref.field === 'leaky') throw new Error(`unexpected response body: {"other": "${CANARY}"}`);
        return new SecretValue(CANARY);
      },
    };
    const e = await resolutionError(
      createResolver({ backends: { vault: leaky } }).resolveAll([
        vaultRef('apiKey', pos('a.yaml', 1)),
        vaultRef('leaky', pos('a.yaml', 2)),
      ]),
    );
    expect(e.message).toContain('[secret]');
  });

  it('computes backoff as base * 2^retry with jitter in the upper half', () => {
    expect(backoffDelay(0, 200, () => 0)).toBe(100);
    expect(backoffDelay(0, 200, () => 0.999999)).toBeCloseTo(200, 3);
    expect(backoffDelay(3, 200, () => 0)).toBe(800);
  });
});

describe('one resolver is one run', () => {
  test('a reference resolved by an earlier call is not fetched again', async () => {
    let calls = 0;
    const backend = {
      source: 'env' as const,
      async resolve() {
        calls++;
        return new SecretValue('value-1234');
      },
    };
    const r = createResolver({ backends: { env: backend } });
    const ref = { ref: { from: 'env' as const, name: 'A' }, pos: { file: 'f.yaml', line: 1, column: 1 }, baseDir: '.' };
    const first = await r.resolveAll([ref]);
    const second = await r.resolveAll([ref, { ...ref, pos: { file: 'g.yaml', line: 2, column: 3 } }]);
    expect(calls).toBe(1);
    expect(second.get(refKey(ref.ref, '.'))!.reveal()).toBe(first.get(refKey(ref.ref, '.'))!.reveal());
  });
});
