// The Context of a command run (src/app/context.ts), from the parsed global flags and the
// environment.
import * as path from 'node:path';
import type { Context, DatabaseOpener, GlobalOptions, Io } from '../app/context';

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
