import type { Command } from 'commander';
import type { Runner } from '../main';
import { costWindowDays, costWindowOption, noCostOption, outputOption, pathsOrDefault, type OutputFormat } from '../options';
import { formatDiagnostic } from '../../config/diagnostics';
import { planFiles, writePlanFile } from '../../app/plan';
import { renderPlan } from '../../render/render';

export function registerPlan(program: Command, run: Runner): void {
  program
    .command('plan')
    .description('diff the files against the database and show what apply would change')
    .argument('[paths...]', 'files or folders to read (default: .)')
    .option('--out <file>', 'save the plan (with the version of every row it touches) for `cvctl apply --plan`')
    .addOption(outputOption(['text', 'json', 'markdown']))
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are')
    .option('--compact', 'text output: identical changes grouped with counts, then one line per provider')
    .option('--adopt', 'take over rows of the same name made outside cvctl (in the console)')
    .option('--no-resolve-secrets', 'do not read secrets (untrusted pull requests): credentials show as unknown')
    .addOption(costWindowOption())
    .addOption(noCostOption())
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        const plan = await planFiles(ctx, {
          paths: pathsOrDefault(cmd.args),
          adopt: Boolean(o.adopt),
          resolveSecrets: o.resolveSecrets !== false,
          toSave: Boolean(o.out),
          costWindowDays: costWindowDays(o),
        });
        ctx.io.stdout(renderPlan(plan, o.output as OutputFormat, { color: ctx.opts.color, compact: Boolean(o.compact) }));
        if (o.out) {
          const file = writePlanFile(ctx, plan, o.out as string);
          ctx.info(
            plan.auth
              ? `Saved the plan to ${file}. To apply exactly this plan: cvctl apply --plan ${file}`
              : `Saved the plan to ${file}, NOT authenticated (made without the KEK: --no-resolve-secrets): \`cvctl show\` renders it, \`cvctl apply --plan\` refuses it`,
          );
        }
        // Violations: the plan is shown (its Policy block lists them) and saved, then exit 1.
        const violations = plan.policy?.violations ?? [];
        if (violations.length > 0) {
          for (const v of violations) ctx.io.stderr(`${formatDiagnostic(v)}\n`);
          ctx.io.stderr(`cvctl: error: the plan violates the policy (${violations.length} violation${violations.length === 1 ? '' : 's'}); apply refuses it\n`);
          return { kind: 'failed' };
        }
        return o.detailedExitcode && plan.changes.length > 0 ? { kind: 'changes' } : { kind: 'ok' };
      }),
    );
}
