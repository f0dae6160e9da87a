// Everything a use case needs from the outside world, injected so tests can drive the CLI
// in-process: streams, environment, clock, terminal state. Built from flags and environment by
// src/cli/context.ts.
import type { Database } from '../state/database';

/** Where signals come from: the process, or nothing (in-process tests). */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
  off(signal: 'SIGINT' | 'SIGTERM', handler: () => void): void;
}

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

/** The embedded database's data directory, relative to the working directory. */
export const DEFAULT_EMBEDDED_DIR = '.cvctl/db';
