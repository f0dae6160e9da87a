// Run the real CLI in-process (same argv parsing, same exit codes) with captured streams.
import { main } from '../../src/cli/main';

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
}

export async function runCli(args: string[], o: CliOptions): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'cvctl', ...args], {
    cwd: o.cwd,
    env: { PATH: process.env.PATH, ...(o.env ?? {}) },
    now: () => o.now ?? new Date('2026-11-24T12:00:00.000Z'),
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
