import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SECRET_SOURCES } from '../../src/domain/kinds';
import { CvctlError } from '../../src/errors';
import {
  defaultBackend,
  EnvSecretBackend,
  FileSecretBackend,
  isRetryable,
  MAX_SECRET_FILE_BYTES,
  RetryableSecretError,
} from '../../src/secrets/backends';

const CANARY = 'sk-CANARY-5e8ff9bf55ba3508199d22e984129be6';

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CvctlError);
    expect((e as CvctlError).code).toBe('SECRET_UNRESOLVED');
    expect((e as CvctlError).message).not.toContain('CANARY');
    return (e as CvctlError).message;
  }
  throw new Error('expected SECRET_UNRESOLVED');
}

describe('env backend', () => {
  const env = { OPENAI_API_KEY: CANARY, EMPTY: '' };
  const b = new EnvSecretBackend(env);

  it('reads the variable', async () => {
    expect((await b.resolve({ from: 'env', name: 'OPENAI_API_KEY' })).reveal()).toBe(CANARY);
  });
  it('fails when unset or empty', async () => {
    expect(await failure(b.resolve({ from: 'env', name: 'MISSING' }))).toBe('environment variable MISSING is not set');
    expect(await failure(b.resolve({ from: 'env', name: 'EMPTY' }))).toBe('environment variable EMPTY is set but empty');
    expect(await failure(b.resolve({ from: 'env' }))).toContain("needs 'name'");
  });
  it('reads the environment at resolve time', async () => {
    const live: NodeJS.ProcessEnv = {};
    const lb = new EnvSecretBackend(live);
    live.LATER = 'v';
    expect((await lb.resolve({ from: 'env', name: 'LATER' })).reveal()).toBe('v');
  });
});

describe('file backend', () => {
  let dir: string;
  const b = new FileSecretBackend();
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-secret-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  };
  const read = (p: string) => b.resolve({ from: 'file', path: p }, dir);

  it('reads relative to the YAML file directory, trimming exactly one trailing newline', async () => {
    write('secrets/a', CANARY + '\n');
    write('b', CANARY + '\r\n');
    write('c', CANARY);
    write('d', CANARY + '\n\n');
    write('e', '  spaced  \n');
    expect((await read('secrets/a')).reveal()).toBe(CANARY);
    expect((await read('./b')).reveal()).toBe(CANARY);
    expect((await read('c')).reveal()).toBe(CANARY);
    expect((await read('d')).reveal()).toBe(CANARY + '\n');
    expect((await read('e')).reveal()).toBe('  spaced  ');
    expect((await b.resolve({ from: 'file', path: 'a' }, path.join(dir, 'secrets'))).reveal()).toBe(CANARY);
    expect((await b.resolve({ from: 'file', path: path.join(dir, 'c') }, '/nonexistent')).reveal()).toBe(CANARY);
  });

  it('fails on missing, empty, directory, oversized and non-UTF-8 files', async () => {
    expect(await failure(read('nope'))).toMatch(/^secret file nope \(.*nope\) does not exist$/);
    write('empty', '');
    expect(await failure(read('empty'))).toContain('is empty');
    write('newline-only', '\n');
    expect(await failure(read('newline-only'))).toContain('is empty');
    fs.mkdirSync(path.join(dir, 'adir'));
    expect(await failure(read('adir'))).toContain('is a directory');
    write('big', Buffer.alloc(MAX_SECRET_FILE_BYTES + 1, 0x61));
    expect(await failure(read('big'))).toContain('larger than 1 MiB');
    write('exact', Buffer.alloc(MAX_SECRET_FILE_BYTES, 0x61));
    expect((await read('exact')).reveal()).toHaveLength(MAX_SECRET_FILE_BYTES);
    write('binary', Buffer.from([0x43, 0x41, 0xff, 0xfe]));
    expect(await failure(read('binary'))).toContain('not UTF-8');
    write('plain', 'x');
    expect(await failure(read('plain/child'))).toContain('does not exist');
    expect(await failure(b.resolve({ from: 'file' }, dir))).toContain("needs 'path'");
  });

  (process.getuid?.() === 0 || process.platform === 'win32' ? it.skip : it)('fails on an unreadable file', async () => {
    write('locked', CANARY);
    fs.chmodSync(path.join(dir, 'locked'), 0o000);
    expect(await failure(read('locked'))).toContain('permission denied');
  });
});

describe('registry', () => {
  it('has a backend for every source', () => {
    for (const source of SECRET_SOURCES) expect(defaultBackend(source, {}).source).toBe(source);
  });

  it('vault without VAULT_ADDR fails clearly, without touching the network', async () => {
    const msg = await failure(defaultBackend('vault', {}).resolve({ from: 'vault', path: 'ai/openai', field: 'key' }, '.'));
    expect(msg).toContain('VAULT_ADDR');
  });

  it('marks retryable errors', () => {
    const e = new RetryableSecretError('throttled');
    expect(e).toBeInstanceOf(CvctlError);
    expect(e.code).toBe('SECRET_UNRESOLVED');
    expect(isRetryable(e)).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { retryable: true }))).toBe(true);
    expect(isRetryable(new CvctlError('SECRET_UNRESOLVED', 'x'))).toBe(false);
    expect(isRetryable(null)).toBe(false);
  });
});
