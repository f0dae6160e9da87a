import { Option, type Command } from 'commander';
import type { Runner } from '../main';
import { outputOption } from '../options';
import { openDb } from '../../app/resources';
import { listRuns, renderHistory } from '../../state/runs';

export function registerHistory(program: Command, run: Runner): void {
  program
    .command('history')
    .description('list recorded applies: who, when, commit, counts, result')
    .addOption(new Option('--limit <n>', 'how many runs').argParser((v) => Math.max(1, Math.min(10000, parseInt(v, 10) || 20))).default(20))
    .option('--all-scopes', 'include runs of every scope')
    .addOption(outputOption(['text', 'json']))
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const db = await openDb(ctx, { purpose: 'history' });
        try {
          const runs = await listRuns(db, { scope: o.allScopes ? undefined : ctx.opts.scope, limit: o.limit as number });
          ctx.io.stdout(renderHistory(runs, { output: o.output as 'text' | 'json' }));
          return { kind: 'ok' };
        } finally {
          await db.close();
        }
      }),
    );
}
