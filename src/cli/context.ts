// Everything a command needs from the outside world, injected so tests can drive the CLI
// in-process: streams, environment, clock, terminal state.
import * as path from 'node:path';
import type { Database } from '../state/database';
import type { SignalSource } from './interrupt';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  /** Ask a yes/no question on the terminal; returns the answer line. */
  prompt: (question: string) => Promise<string>;
  /** SIGINT/SIGTERM, for `apply` to say what an interrupt left behind; absent in-process. */
  signals?: SignalSource;
  /** Ends the process at once (after an interrupt); absent in-process. */
  exit?: (code: number) => void;
}

export interface GlobalOptions {
  databaseUrl?: string;
  kms?: string;
  scope: string;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** Opens the database a command uses; injected by tests that keep one handle across commands. */
export type DatabaseOpener = (opts: {
  databaseUrl?: string;
  embeddedDir?: string;
  applicationName?: string;
  announce?: (msg: string) => void;
}) => Promise<Database>;

export interface Context {
  io: Io;
  /** Absent: src/state's openDatabase. */
  openDatabase?: DatabaseOpener;
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
  opts: GlobalOptions;
  /** Progress and announcements go to stderr so stdout stays machine-readable. */
  info(msg: string): void;
  /** Paths relative to cwd, for messages. */
  rel(p: string): string;
}

export const DEFAULT_KMS_URI = 'local://.cvctl/kek';
export const DEFAULT_EMBEDDED_DIR = '.cvctl/db';

export function makeContext(
  io: Io,
  env: NodeJS.ProcessEnv,
  cwd: string,
  now: () => Date,
  raw: Record<string, unknown>,
  openDatabase?: DatabaseOpener,
): Context {
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const opts: GlobalOptions = {
    databaseUrl: (raw.databaseUrl as string | undefined) || env.DATABASE_URL || undefined,
    kms: (raw.kms as string | undefined) || env.CVCTL_KMS_KEY || undefined,
    scope: (raw.scope as string | undefined) || 'default',
    // commander sets color=false for --no-color; colour also needs a terminal.
    color: raw.color !== false && !noColorEnv && io.stdoutIsTTY,
    quiet: raw.quiet === true,
    verbose: raw.verbose === true,
  };
  return {
    io,
    openDatabase,
    env,
    cwd,
    now,
    opts,
    info(msg: string) {
      if (!opts.quiet) io.stderr(msg.endsWith('\n') ? msg : msg + '\n');
    },
    rel(p: string) {
      const r = path.relative(cwd, path.resolve(cwd, p));
      return r === '' ? '.' : r;
    },
  };
}
