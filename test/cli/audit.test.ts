// `cvctl history` as an audit log: refused and failed applies are recorded with their reason
// (and never turned into another error), the working tree's dirtiness is recorded, and
// `history --output json` / `--limit` work on the real CLI.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { runCli, type CliResult } from '../support/cli';
import { freshDatabase, hasPostgres, targets, type FreshDatabase } from '../support/db';
import type { RunRecord } from '../../src/state/runs';
import { SCOPE_LOCK_NAMESPACE } from '../../src/state/lock';

const TWO = `version: 1
providers:
  - name: openai-prod
    kind: openai
    labels: {team: platform}
    credentials: {apiKey: {from: env, name: OPENAI_API_KEY}}
  - name: groq-main
    kind: groq
    credentials: {apiKey: {from: env, name: GROQ_API_KEY}}
`;
const ONE = TWO.slice(0, TWO.indexOf('  - name: groq-main'));
const env = { OPENAI_API_KEY: 'sk-test-1234567890abcdef', GROQ_API_KEY: 'gsk_abcdefghijklmnopqrstuvwxyz' };

describe.each(targets)('the audit log on %s', (target) => {
  let fresh: FreshDatabase;
  let work: string;
  const cli = (args: string[], o: { stdinIsTTY?: boolean; answer?: string; env?: Record<string, string> } = {}): Promise<CliResult> =>
    runCli([...(fresh.url ? ['--database-url', fresh.url] : []), ...args], {
      cwd: work,
      env: { ...env, ...o.env },
      stdinIsTTY: o.stdinIsTTY,
      answer: o.answer,
      database: fresh.url ? undefined : fresh.db,
    });
  const history = async (): Promise<RunRecord[]> => {
    const r = await cli(['history', '--output', 'json']);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { runs: RunRecord[] }).runs;
  };
  const write = (text: string): void => fs.writeFileSync(path.join(work, 'p.yaml'), text);

  beforeEach(async () => {
    fresh = await freshDatabase(target);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-audit-'));
    write(TWO);
    expect((await cli(['apply', 'p.yaml', '--auto-approve'])).code).toBe(0);
  });
  afterEach(async () => {
    await fresh.cleanup().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  });

  type Case = [string, () => Promise<CliResult>, 'refused' | 'failed', string, RegExp];
  const cases: Case[] = [
    ['a delete without --allow-delete', () => (write(ONE), cli(['apply', 'p.yaml', '--auto-approve'])), 'refused', 'DELETE_NOT_ALLOWED', /pass --allow-delete/],
    ['answering no', () => (write(ONE.replace('platform', 'ml')), cli(['apply', 'p.yaml'], { stdinIsTTY: true, answer: 'no' })), 'refused', 'ABORTED', /apply cancelled/],
    ['no terminal and no --auto-approve', () => (write(ONE.replace('platform', 'ml') + TWO.slice(ONE.length)), cli(['apply', 'p.yaml'])), 'refused', 'APPROVAL_REQUIRED', /pass --auto-approve/],
    ['invalid files', () => (write('version: 1\nproviders: 5\n'), cli(['apply', 'p.yaml', '--auto-approve'])), 'refused', 'INVALID_CONFIG', /error in the files/],
    [
      'a secret that cannot be read',
      () => (write(TWO.replace('platform', 'ml')), cli(['apply', 'p.yaml', '--auto-approve'], { env: { OPENAI_API_KEY: '' } })),
      'failed',
      'SECRET_UNRESOLVED',
      /OPENAI_API_KEY/,
    ],
    [
      'a stale saved plan',
      async () => {
        write(TWO.replace('platform', 'ml'));
        expect((await cli(['plan', 'p.yaml', '--out', 'plan.json'])).code).toBe(0);
        await fresh.db.query(`update providers set labels = '{"team": "console"}' where name = 'openai-prod'`);
        return cli(['apply', '--plan', 'plan.json', '--auto-approve']);
      },
      'refused',
      'STALE_PLAN',
      /stale/,
    ],
  ];

  test.each(cases)('%s is recorded with its result and code, and the error is unchanged', async (_what, act, result, code, message) => {
    const r = await act();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cvctl: error: /m);
    expect(r.stderr).toMatch(message);
    const [last, applied] = await history();
    expect(last).toMatchObject({ result, errorCode: code, command: expect.stringMatching(/^apply/) });
    // The message the user saw, first line, never a secret value.
    expect(r.stderr).toContain(last.error!.split('\n')[0]);
    expect(JSON.stringify(last)).not.toContain(env.OPENAI_API_KEY);
    expect(applied).toMatchObject({ result: 'applied', errorCode: null, error: null });
    const text = await cli(['history']);
    expect(text.stdout.split('\n')[1]).toContain(`${result}: `);
  });

  (target === 'postgres' && hasPostgres ? test : test.skip)('a lock timeout is recorded as failed', async () => {
    const other = new Client({ connectionString: fresh.url });
    await other.connect();
    try {
      // Another apply of the scope holds its lock (the key src/state/lock.ts takes).
      const { rows } = await fresh.db.query<{ k: number }>(`select hashtext('default')::int as k`);
      await other.query('select pg_advisory_lock($1, $2)', [SCOPE_LOCK_NAMESPACE, rows[0].k]);
      write(TWO.replace('platform', 'ml'));
      const r = await cli(['apply', 'p.yaml', '--auto-approve', '--lock-timeout', '0']);
      expect(r.code).toBe(1);
      const [last] = await history();
      expect(last).toMatchObject({ result: 'failed', errorCode: 'LOCK_TIMEOUT' });
    } finally {
      await other.end();
    }
  });

  test('--limit N lists the newest N; a bad --limit is a usage error', async () => {
    write(TWO.replace('platform', 'ml'));
    expect((await cli(['apply', 'p.yaml', '--auto-approve'])).code).toBe(0);
    expect((await cli(['apply', 'p.yaml', '--auto-approve'])).code).toBe(0);
    const all = await history();
    expect(all.map((r) => r.result)).toEqual(['noop', 'applied', 'applied']);
    const one = JSON.parse((await cli(['history', '--limit', '1', '--output', 'json'])).stdout) as { runs: RunRecord[] };
    expect(one.runs).toEqual([all[0]]);
    for (const bad of ['0', 'abc', '-3', '1.5']) {
      const r = await cli(['history', '--limit', bad]);
      expect([bad, r.code]).toEqual([bad, 1]);
      expect(r.stderr).toMatch(/^cvctl: error: option '--limit <n>' argument .* is invalid/);
    }
  });
});

describe('dirty working trees', () => {
  let fresh: FreshDatabase;
  let work: string;
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: work }).toString().trim();
  beforeEach(async () => {
    fresh = await freshDatabase(targets[0]);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-dirty-'));
    fs.mkdirSync(path.join(work, 'providers'));
    fs.writeFileSync(path.join(work, 'providers', 'p.yaml'), ONE);
    fs.writeFileSync(path.join(work, 'README.md'), 'x\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
  });
  afterEach(async () => {
    await fresh.cleanup().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  });

  test.each([
    ['a clean tree', () => undefined, false],
    ['a change outside the applied paths', () => fs.writeFileSync(path.join(work, 'README.md'), 'y\n'), false],
    ['an uncommitted change under the applied paths', () => fs.writeFileSync(path.join(work, 'providers', 'p.yaml'), ONE.replace('platform', 'ml')), true],
    ['an untracked file under the applied paths', () => fs.writeFileSync(path.join(work, 'providers', 'new.yaml'), `version: 1\nproviders:\n${TWO.slice(ONE.length)}`), true],
  ])('%s: recorded as HEAD, with the dirty flag', async (_what, change, dirty) => {
    change();
    const args = [...(fresh.url ? ['--database-url', fresh.url] : [])];
    const o = { cwd: work, env, database: fresh.url ? undefined : fresh.db };
    expect((await runCli([...args, 'apply', 'providers', '--auto-approve'], o)).code).toBe(0);
    const runs = (JSON.parse((await runCli([...args, 'history', '--output', 'json'], o)).stdout) as { runs: RunRecord[] }).runs;
    expect(runs[0]).toMatchObject({ result: 'applied', gitCommit: git('rev-parse', 'HEAD'), dirty });
  });
});
