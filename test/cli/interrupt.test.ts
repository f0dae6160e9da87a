// SIGINT / SIGTERM during `cvctl apply`: one line that tells the truth about what was written,
// exit 130. The compiled CLI runs in a child process; CVCTL_TEST_PAUSE_AT stops it at a named
// point (it says so on stderr), the test signals it there: no sleeps, no timing.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuilt } from '../github/support';
import { freshDatabase, hasPostgres, targets, type DbTarget } from '../support/db';
import { openDatabase } from '../../src/state/connect';
import { INTERRUPTED_AFTER_COMMIT, INTERRUPTED_NOTHING_WRITTEN } from '../../src/cli/interrupt';

const FILES = `version: 1
providers:
  - name: openai-prod
    kind: openai
    credentials: {apiKey: {from: env, name: OPENAI_API_KEY}}
    models:
      custom:
        - {id: gpt-4o, kind: chat}
`;

interface Exit {
  code: number | null;
  stderr: string;
}

/** Runs `cvctl apply`, sends `signal` once it says it paused at `point`; resolves on exit. */
function applyInterrupted(cwd: string, args: string[], point: string, signal: NodeJS.Signals): Promise<Exit> {
  const child = spawn(process.execPath, [ensureBuilt(), ...args, 'apply', '.', '--auto-approve', '--no-color'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, OPENAI_API_KEY: 'sk-test-1234567890abcdef', CVCTL_TEST_PAUSE_AT: point },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (!sent && stderr.includes(`cvctl-test: paused at ${point}`)) {
      sent = true;
      child.kill(signal);
    }
  });
  child.stdout.resume();
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

async function providerCount(target: DbTarget, url: string | undefined, dir: string): Promise<number> {
  const db = await openDatabase(url ? { databaseUrl: url } : { embeddedDir: path.join(dir, '.cvctl', 'db') });
  try {
    const r = await db.query<{ n: number }>('select count(*)::int as n from providers');
    return r.rows[0].n;
  } finally {
    await db.close();
  }
}

type Case = [DbTarget, 'before-commit' | 'after-commit', NodeJS.Signals, string, number];
const cases: Case[] = (
  [
    ['postgres', 'before-commit', 'SIGINT', INTERRUPTED_NOTHING_WRITTEN, 0],
    ['postgres', 'before-commit', 'SIGTERM', INTERRUPTED_NOTHING_WRITTEN, 0],
    ['postgres', 'after-commit', 'SIGINT', INTERRUPTED_AFTER_COMMIT, 1],
    ['pglite', 'before-commit', 'SIGINT', INTERRUPTED_NOTHING_WRITTEN, 0],
  ] as Case[]
).filter(([t]) => targets.includes(t) && (t !== 'postgres' || hasPostgres));

test.each(cases)('on %s, interrupted at %s by %s: "%s", exit 130, %d providers in the database', async (target, point, signal, line, providers) => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-interrupt-'));
  const fresh = await freshDatabase(target);
  try {
    fs.writeFileSync(path.join(work, 'p.yaml'), FILES);
    if (!fresh.url) {
      // The embedded database in its default place, as a user's checkout has it.
      await fresh.db.close();
      fs.cpSync(fresh.dir!, path.join(work, '.cvctl', 'db'), { recursive: true });
    }
    const r = await applyInterrupted(work, fresh.url ? ['--database-url', fresh.url] : [], point, signal);
    expect(r.code).toBe(130);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('cvctl') && !l.includes('embedded database') && !l.startsWith('cvctl-test'));
    expect(lines).toEqual([line]);
    // What the line says is what the database holds (the next session sees it).
    expect(await providerCount(target, fresh.url, work)).toBe(providers);
  } finally {
    await fresh.cleanup().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  }
});
