import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Runner } from '../main';
import { outputOption } from '../options';
import { listHistory } from '../../app/history';
import { renderHistory } from '../../render/history';

export function registerHistory(program: Command, run: Runner): void {
  program
    .command('history')
    .description('list recorded applies: who, when, commit, counts, result')
    .addOption(new Option('--limit <n>', 'how many runs, newest first (1 to 10000)').argParser(parseLimit).default(20))
    .option('--all-scopes', 'include runs of every scope')
    .addOption(outputOption(['text', 'json']))
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const runs = await listHistory(ctx, { scope: o.allScopes ? undefined : ctx.opts.scope, limit: o.limit as number });
        ctx.io.stdout(renderHistory(runs, { output: o.output as 'text' | 'json' }));
        return { kind: 'ok' };
      }),
    );
}

function parseLimit(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 10000) throw new InvalidArgumentError('expected a whole number from 1 to 10000');
  return n;
}
