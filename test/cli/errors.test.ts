// Fixed error messages (issue 12 item 4): every error starts with `cvctl: error:`, a bad
// database URL says which forms are accepted, whole-path problems have no position, -q keeps
// only results and errors, and a no-op apply says so once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { freshDatabase, hasPostgres } from '../support/db';

const FILES = `version: 1
providers:
  - name: openai-prod
    kind: openai
    credentials: {apiKey: {from: env, name: OPENAI_API_KEY}}
`;
const env = { OPENAI_API_KEY: 'sk-test-1234567890abcdef' };

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-errors-'));
  fs.writeFileSync(path.join(work, 'p.yaml'), FILES);
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

test.each([
  [['frobnicate'], "unknown command 'frobnicate'"],
  [['plan', '--frobnicate'], "unknown option '--frobnicate'"],
  [['validate', '--output', 'yaml'], 'Allowed choices are text, json'],
  [['apply', '--lock-timeout'], "option '--lock-timeout <seconds>' argument missing"],
  [['history', '--limit', 'x'], "option '--limit <n>' argument 'x' is invalid"],
])('a usage error (%j) starts with cvctl: error:', async (args, message) => {
  const r = await runCli(args, { cwd: work });
  expect(r.code).toBe(1);
  const first = r.stderr.split('\n')[0];
  expect(first.startsWith('cvctl: error: ')).toBe(true);
  expect(first).toContain(message);
});

describe('a path that does not exist, a file too large: no position', () => {
  test.each([
    ['path-not-found', ['missing.yaml'], {}, 'missing.yaml error path-not-found no such file or directory: missing.yaml'],
    ['file-too-large', ['p.yaml'], { CVCTL_MAX_FILE_BYTES: '10' }, 'p.yaml error file-too-large file is 122 bytes, over the 10-byte limit'],
  ])('%s', async (code, paths, extraEnv, line) => {
    // The file cap is read from the process environment (src/config/source-file.ts).
    const saved = process.env.CVCTL_MAX_FILE_BYTES;
    Object.assign(process.env, extraEnv);
    try {
      await check(code, paths, line);
    } finally {
      if (saved === undefined) delete process.env.CVCTL_MAX_FILE_BYTES;
      else process.env.CVCTL_MAX_FILE_BYTES = saved;
    }
  });

  async function check(code: string, paths: string[], line: string): Promise<void> {
    const extraEnv = {};
    const text = await runCli(['validate', ...paths], { cwd: work, env: extraEnv });
    expect(text.code).toBe(1);
    expect(text.stdout.split('\n')[0]).toContain(line);
    expect(text.stdout).not.toMatch(/:0:0/);
    const json = await runCli(['validate', '--output', 'json', ...paths], { cwd: work, env: extraEnv });
    const d = (JSON.parse(json.stdout) as { diagnostics: Record<string, unknown>[] }).diagnostics.find((x) => x.code === code);
    // The contract's keys are all there; a whole-path problem has no line or column.
    expect(d).toEqual({ severity: 'error', code, message: expect.any(String), file: paths[0], line: null, column: null });
  }
});

test.each([
  ['not a url', 'it is neither a postgres:// URL nor keyword=value settings'],
  ['mysql://root:hunter2@db/x', 'mysql:// is not a PostgreSQL URL'],
  ['host=db port=five', "'port' is not a number"],
  ["host=db password='open", "the quoted value of 'password' is not closed"],
  ['host=db colour=blue', "unsupported keyword 'colour'"],
])('--database-url %j: says it is invalid and shows the accepted forms, never the value', async (url, why) => {
  const r = await runCli(['history', '--database-url', url], { cwd: work });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^cvctl: error: the database URL \(--database-url or DATABASE_URL\) is not valid: /);
  expect(r.stderr).toContain(why);
  expect(r.stderr).toContain('postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE');
  expect(r.stderr).toContain('host=HOST port=5432 dbname=DATABASE user=USER');
  expect(r.stderr).not.toContain('hunter2');
  expect(r.stderr).not.toContain('open');
  // Refused before any connection: no embedded database was created either.
  expect(fs.existsSync(path.join(work, '.cvctl'))).toBe(false);
});

(hasPostgres ? test : test.skip)('libpq keyword/value settings connect like the URL', async () => {
  const fresh = await freshDatabase('postgres');
  try {
    const u = new URL(fresh.url!);
    const kv = `host=${u.hostname} port=${u.port || 5432} dbname='${u.pathname.slice(1)}' user=${decodeURIComponent(u.username) || 'postgres'}`;
    const r = await runCli(['history', '--database-url', kv], { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('No runs recorded.\n');
    expect(r.code).toBe(0);
  } finally {
    await fresh.cleanup();
  }
});

describe('-q and the no-op apply', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  beforeEach(async () => {
    fresh = await freshDatabase(hasPostgres ? 'postgres' : 'pglite');
  });
  afterEach(async () => {
    await fresh.cleanup().catch(() => undefined);
  });
  const cli = (args: string[]) =>
    runCli([...(fresh.url ? ['--database-url', fresh.url] : []), ...args], { cwd: work, env, database: fresh.url ? undefined : fresh.db });

  test('-q: db migrate prints nothing on success; apply prints its result but not the plan', async () => {
    const migrate = await cli(['-q', 'db', 'migrate']);
    expect([migrate.code, migrate.stdout, migrate.stderr]).toEqual([0, '', '']);
    expect((await cli(['db', 'migrate'])).stdout).toMatch(/^The schema is up to date/);
    const quiet = await cli(['-q', 'apply', 'p.yaml', '--auto-approve']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('Apply complete: 1 created, 0 updated, 0 disabled, 0 enabled, 0 deleted.\n');
    // Errors stay.
    const bad = await cli(['-q', 'apply', 'missing.yaml', '--auto-approve']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('cvctl: error: ');
  });

  test('plan prints a missing path without a position too', async () => {
    const r = await cli(['plan', 'missing.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing.yaml error path-not-found');
    expect(r.stderr).not.toContain(':0:0');
  });

  test('a missing local key file: the message is true for the apply that printed it', async () => {
    expect((await cli(['apply', 'p.yaml', '--auto-approve'])).code).toBe(0);
    fs.rmSync(path.join(work, '.cvctl', 'kek'));
    const r = await cli(['apply', 'p.yaml', '--auto-approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cvctl: error: local KEK key file .*kek does not exist; .*restore the file/m);
    expect(r.stderr).not.toContain('created by');
    expect(fs.existsSync(path.join(work, '.cvctl', 'kek'))).toBe(false);
  });

  test('a no-op apply prints one line', async () => {
    expect((await cli(['apply', 'p.yaml', '--auto-approve'])).code).toBe(0);
    const again = await cli(['apply', 'p.yaml', '--auto-approve']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('Nothing to do: the database already matches the files.\n');
    expect(`${again.stdout}${again.stderr}`.match(/nothing to do|no changes/gi)).toHaveLength(1);
  });
});
