// Run the real CLI in-process (same argv parsing, same exit codes) with captured streams.
import { main } from '../../src/cli/main';
import type { Database } from '../../src/state/database';

/** The same handle, with close() a no-op: the test owns it across several commands. */
function keepOpen(db: Database): Database {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'close') return async () => undefined;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  stdinIsTTY?: boolean;
  answer?: string;
  now?: Date;
  /** Use this open database instead of opening one (its close() is left to the caller). */
  database?: Database;
}

export async function runCli(args: string[], o: CliOptions): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'cvctl', ...args], {
    cwd: o.cwd,
    env: { PATH: process.env.PATH, ...(o.env ?? {}) },
    now: () => o.now ?? new Date('2026-11-24T12:00:00.000Z'),
    openDatabase: o.database ? async () => keepOpen(o.database!) : undefined,
    io: {
      stdout: (s) => {
        stdout += s;
      },
      stderr: (s) => {
        stderr += s;
      },
      stdinIsTTY: o.stdinIsTTY ?? false,
      stdoutIsTTY: false,
      prompt: async () => o.answer ?? '',
    },
  });
  return { code, stdout, stderr };
}
