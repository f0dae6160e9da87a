// The test-only stop points (src/testing/stop-at.ts, docs/reliability.md): inert unless
// CVCTL_TEST_STOP_AT names the point reached, then SIGKILL at exactly the n-th time it is
// reached; `+tick` lets the rest of the current turn of the event loop run first.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, ensureBuilt } from '../github/support';
import { stopAt } from '../../src/testing/stop-at';

beforeAll(() => ensureBuilt());

/** A node process that reaches point `x:a` three times, printing after each, and once more a turn later. */
function run(value: string | undefined): { signal: NodeJS.Signals | null; code: number | null; stdout: string; stderr: string } {
  const script = `
    const { stopAt } = require(${JSON.stringify(path.join(ROOT, 'dist', 'testing', 'stop-at.js'))});
    for (let i = 1; i <= 3; i++) { stopAt('x:a'); process.stdout.write('after ' + i + '\\n'); }
    setTimeout(() => { process.stdout.write('next turn\\n'); }, 20);`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  if (value !== undefined) env.CVCTL_TEST_STOP_AT = value;
  const r = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 30_000 });
  return { signal: r.signal, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ALL = 'after 1\nafter 2\nafter 3\nnext turn\n';

test('unset, empty, another point, or a value that does not parse: nothing happens', () => {
  for (const v of [undefined, '', 'x:b', 'x:a#0', 'x:a#', 'x:a#-1', 'x:a+later', 'X:A', 'x:a ', 'x', 'x:a#99999999']) {
    expect({ v, ...run(v) }).toEqual({ v, signal: null, code: 0, stdout: ALL, stderr: '' });
  }
});

test('the n-th time the point is reached, the process SIGKILLs itself there, printing nothing', () => {
  expect(run('x:a')).toEqual({ signal: 'SIGKILL', code: null, stdout: '', stderr: '' });
  expect(run('x:a#2')).toEqual({ signal: 'SIGKILL', code: null, stdout: 'after 1\n', stderr: '' });
  expect(run('x:a#3')).toEqual({ signal: 'SIGKILL', code: null, stdout: 'after 1\nafter 2\n', stderr: '' });
  // Reached only three times: a fourth never comes.
  expect(run('x:a#4')).toEqual({ signal: null, code: 0, stdout: ALL, stderr: '' });
});

test('+tick: what runs in the same turn still runs, the next turn never comes', () => {
  expect(run('x:a#2+tick')).toEqual({ signal: 'SIGKILL', code: null, stdout: 'after 1\nafter 2\nafter 3\n', stderr: '' });
});

test('in this (jest) process, without the variable, the real points return', () => {
  expect(process.env.CVCTL_TEST_STOP_AT).toBeUndefined();
  expect(stopAt('apply:before-commit')).toBeUndefined();
});
