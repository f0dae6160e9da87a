// The thin commander layer: parse flags, build a Context, dispatch, turn the outcome into an
// exit code (src/cli/exit.ts). Commands live in src/cli/commands/*, logic below src/cli.
import * as readline from 'node:readline';
import { Command, CommanderError } from 'commander';
import { makeContext } from './context';
import type { Context, DatabaseOpener, Io } from '../app/context';
import { formatError } from '../render/error';
import { exitCodeFor, type Outcome } from './exit';
import { registerValidate } from './commands/validate';
import { registerCatalog } from './commands/catalog';
import { registerDb } from './commands/db';
import { registerKek } from './commands/kek';
import { registerPlan } from './commands/plan';
import { registerApply } from './commands/apply';
import { registerShow } from './commands/show';
import { registerHistory } from './commands/history';
import { registerDrift } from './commands/drift';
import { registerExport } from './commands/export';
import { cvctlVersion } from '../version';
import { processSignals } from './interrupt';

export type CommandAction = (ctx: Context, cmd: Command) => Promise<Outcome>;
export type Runner = (action: CommandAction) => (...args: unknown[]) => Promise<void>;


export function processIo(): Io {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    prompt: (q) =>
      new Promise((resolve) => {
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        // On a terminal readline takes Ctrl-C itself: hand it on as the signal it is.
        rl.on('SIGINT', () => {
          rl.close();
          process.kill(process.pid, 'SIGINT');
        });
        rl.question(q, (a) => {
          rl.close();
          resolve(a);
        });
      }),
    signals: processSignals,
    exit: (code) => process.exit(code),
  };
}

export interface MainDeps {
  io?: Io;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: () => Date;
  openDatabase?: DatabaseOpener;
}

export function buildProgram(run: Runner, io: Io): Command {
  const program = new Command('cvctl')
    .description('Declarative CodeVector Providers and Provider Models: validate, plan and apply YAML from git.')
    .version(cvctlVersion(), '-V, --version')
    .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL; default: embedded database in ./.cvctl/)')
    .option('--kms <uri>', 'key-encryption key: aws-kms://<key ARN> or local://<path> (env CVCTL_KMS_KEY; default local://.cvctl/kek)')
    .option('--scope <name>', 'ownership scope of the rows this repository manages', 'default')
    .option('--no-color', 'disable colour (also NO_COLOR)')
    .option('-q, --quiet', 'print only results and errors')
    .option('-v, --verbose', 'more detail; stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    // Before any subcommand exists: commander copies these settings into each one it creates,
    // so help, version and usage errors return here instead of calling process.exit.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // Usage errors read like every other error: `cvctl: error: unknown option '--x'`.
      outputError: (s, write) => write(s.replace(/^error: /, 'cvctl: error: ')),
    });
  registerValidate(program, run);
  registerPlan(program, run);
  registerApply(program, run);
  registerShow(program, run);
  registerDrift(program, run);
  registerExport(program, run);
  registerCatalog(program, run);
  registerDb(program, run);
  registerKek(program, run);
  registerHistory(program, run);
  return program;
}

export async function main(argv: string[], deps: MainDeps = {}): Promise<number> {
  const io = deps.io ?? processIo();
  const env = deps.env ?? process.env;
  const cwd = deps.cwd ?? process.cwd();
  const now = deps.now ?? (() => new Date());
  let outcome: Outcome = { kind: 'ok' };
  let verbose = argv.includes('-v') || argv.includes('--verbose');

  const run: Runner = (action) => async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const ctx = makeContext(io, env, cwd, now, cmd.optsWithGlobals(), deps.openDatabase);
    verbose = ctx.opts.verbose;
    outcome = await action(ctx, cmd).catch((error: unknown) => ({ kind: 'error' as const, error }));
  };

  const program = buildProgram(run, io);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors were already printed.
      return exitCodeFor({ kind: e.exitCode === 0 ? 'ok' : 'failed' });
    }
    outcome = { kind: 'error', error: e };
  }
  if (outcome.kind === 'error') io.stderr(formatError(outcome.error, verbose) + '\n');
  return exitCodeFor(outcome);
}
