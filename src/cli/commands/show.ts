import type { Command } from 'commander';
import type { Runner } from '../main';
import { outputOption, type OutputFormat } from '../options';
import { renderPlan } from '../../render/render';
import { readPlanFile } from '../../app/plan';
import { checkPlanConsistency } from '../../plan/consistency';

export function registerShow(program: Command, run: Runner): void {
  program
    .command('show')
    .description('render a saved plan (from `cvctl plan --out FILE`)')
    .argument('<file>', 'the saved plan')
    .addOption(outputOption(['text', 'json', 'markdown']))
    .option('--compact', 'text output: identical changes grouped with counts, then one line per provider')
    .action(
      run(async (ctx, cmd) => {
        const file = cmd.args[0];
        const plan = readPlanFile(ctx, file);
        ctx.io.stdout(renderPlan(plan, cmd.opts().output as OutputFormat, { color: ctx.opts.color, compact: Boolean(cmd.opts().compact) }));
        // show opens no database and no KEK, so it cannot verify a tag; it says what it knows on
        // stderr (stdout stays the plan, identical to what `plan` printed). Not quieted by -q.
        if (!plan.auth) {
          ctx.io.stderr(
            `warning: ${file} is NOT authenticated: it has no tag (written with --no-resolve-secrets, by hand or by another tool); \`cvctl apply --plan\` refuses it\n`,
          );
        } else {
          ctx.info(`note: ${file} carries an authentication tag; \`cvctl apply --plan\` verifies it (show does not)`);
        }
        try {
          checkPlanConsistency(plan);
        } catch (e) {
          ctx.io.stderr(`warning: ${file}: ${(e as Error).message.replace(/ Nothing was written$/, '')} \`cvctl apply --plan\` refuses it\n`);
        }
        return { kind: 'ok' };
      }),
    );
}
