// The command-line surface itself: help, version, usage errors, colour, approval on a terminal.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { main } from '../../src/cli/main';
import { freshDatabase } from '../support/db';

const FILES = `version: 1
providers:
  - name: openai-prod
    kind: openai
    credentials: {apiKey: {from: env, name: OPENAI_API_KEY}}
`;

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-cli-'));
  fs.writeFileSync(path.join(work, 'p.yaml'), FILES);
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const COMMANDS = [['validate'], ['plan'], ['apply'], ['show'], ['catalog', 'list'], ['db', 'migrate'], ['history'], ['kek', 'rotate']];

test.each(COMMANDS)('%s has --help', async (...cmd) => {
  const r = await runCli([...cmd, '--help'], { cwd: work });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Usage: cvctl ${cmd.join(' ')}`);
});

test('--version prints the package version', async () => {
  const r = await runCli(['--version'], { cwd: work });
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
  expect(r.stdout.trim()).toBe(pkg.version);
  expect(r.code).toBe(0);
});

test('an unknown command or flag is a usage error: exit 1', async () => {
  expect((await runCli(['frobnicate'], { cwd: work })).code).toBe(1);
  const r = await runCli(['plan', '--frobnicate'], { cwd: work });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("unknown option '--frobnicate'");
  expect((await runCli(['validate', '--output', 'yaml'], { cwd: work })).stderr).toContain('Allowed choices are text, json');
});

test('colour only on a terminal, and never with NO_COLOR or --no-color', async () => {
  const run = async (env: Record<string, string>, args: string[] = []) => {
    let out = '';
    await main(['node', 'cvctl', ...args, 'validate', 'p.yaml', 'missing.yaml'], {
      cwd: work,
      env,
      io: { stdout: (s) => (out += s), stderr: () => undefined, stdinIsTTY: false, stdoutIsTTY: true, prompt: async () => '' },
    });
    return out;
  };
  expect(await run({})).toContain('\u001b[');
  expect(await run({ NO_COLOR: '1' })).not.toContain('\u001b[');
  expect(await run({}, ['--no-color'])).not.toContain('\u001b[');
  expect((await runCli(['validate', 'p.yaml', 'missing.yaml'], { cwd: work })).stdout).not.toContain('\u001b[');
});

describe('approval', () => {
  const env = { OPENAI_API_KEY: 'sk-test-1234567890abcdef' };
  beforeEach(async () => {
    // The embedded database in its default place, copied from a migrated template (no initdb).
    const fresh = await freshDatabase('pglite');
    await fresh.db.close();
    fs.cpSync(fresh.dir!, path.join(work, '.cvctl', 'db'), { recursive: true });
    await fresh.cleanup().catch(() => undefined);
  });
  test('on a terminal, anything but "yes" cancels and writes nothing', async () => {
    const r = await runCli(['apply', 'p.yaml'], { cwd: work, env, stdinIsTTY: true, answer: 'y' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apply cancelled. Nothing was written');
    const again = await runCli(['plan', 'p.yaml', '--detailed-exitcode'], { cwd: work, env });
    expect(again.code).toBe(2);
  });
  test('on a terminal, "yes" applies', async () => {
    const r = await runCli(['apply', 'p.yaml'], { cwd: work, env, stdinIsTTY: true, answer: 'yes' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete: 1 created');
    expect((await runCli(['plan', 'p.yaml', '--detailed-exitcode'], { cwd: work, env })).code).toBe(0);
  });
  test('without a terminal, --auto-approve is required', async () => {
    const r = await runCli(['apply', 'p.yaml'], { cwd: work, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pass --auto-approve');
  });
});
