import type { Command } from 'commander';
import type { Runner } from '../main';
import type { Context } from '../../app/context';
import { costWindowDays, costWindowOption, noCostOption, parseSeconds, pathsOrDefault } from '../options';
import { applyFiles } from '../../app/apply';
import { renderPlan } from '../../render/render';
import { renderApplySummary } from '../../render/apply-summary';
import type { Plan } from '../../plan/types';
import { CvctlError } from '../../errors';
import { InterruptGuard } from '../interrupt';
import { pausePointOf } from '../../testing/stop-at';

export function registerApply(program: Command, run: Runner): void {
  program
    .command('apply')
    .description('plan, then apply the changes in one transaction (or apply a saved plan with --plan)')
    .argument('[paths...]', 'files or folders to read (default: .)')
    .option('--plan <file>', 'apply exactly this saved plan (refused when a row it touches changed since)')
    .option('--auto-approve', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--allow-delete', 'allow a plan that deletes providers or provider models')
    .option('--lock-timeout <seconds>', 'how long to wait for another apply of this scope (on the embedded database: for another cvctl process)', parseSeconds, 30)
    .option('--compact', 'text output: identical changes grouped with counts, then one line per provider')
    .option('--adopt', 'take over rows of the same name made outside cvctl (in the console)')
    .addOption(costWindowOption())
    .addOption(noCostOption())
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        if (o.plan && cmd.args.length > 0) throw new CvctlError('USAGE', 'give either --plan FILE or paths, not both');
        const guard = new InterruptGuard({
          signals: ctx.io.signals ?? null,
          stderr: ctx.io.stderr,
          exit: ctx.io.exit ?? (() => undefined),
          pauseAt: pausePointOf(ctx.env),
        }).install();
        try {
          const result = await applyFiles(ctx, {
            planFile: (o.plan as string | undefined) ?? null,
            paths: pathsOrDefault(cmd.args),
            adopt: Boolean(o.adopt),
            allowDelete: Boolean(o.allowDelete),
            lockTimeoutSeconds: o.lockTimeout as number,
            costWindowDays: costWindowDays(o),
            review: (plan) => review(ctx, plan, { autoApprove: Boolean(o.autoApprove), compact: Boolean(o.compact) }),
            wrapDb: (db) => guard.wrap(db),
          });
          ctx.io.stdout(renderApplySummary(result));
          return { kind: 'ok' };
        } finally {
          guard.uninstall();
        }
      }),
    );
}

/** Show the plan (unless -q, or there is nothing to do) and ask for approval. */
async function review(ctx: Context, plan: Plan, o: { autoApprove: boolean; compact: boolean }): Promise<void> {
  const asking = plan.changes.length > 0 && !o.autoApprove;
  if (plan.changes.length === 0) {
    // One line for a no-op (the summary); its warnings still matter.
    for (const w of plan.warnings) ctx.io.stderr(`cvctl: warning: ${w.code}: ${w.message}\n`);
  } else if (!ctx.opts.quiet || (asking && ctx.io.stdinIsTTY)) {
    // -q silences the plan, except when a person is asked to approve it.
    ctx.io.stdout(renderPlan(plan, 'text', { color: ctx.opts.color, compact: o.compact }));
  }
  if (asking) await confirm(ctx);
}

async function confirm(ctx: Context): Promise<void> {
  if (!ctx.io.stdinIsTTY) {
    throw new CvctlError('APPROVAL_REQUIRED', 'stdin is not a terminal: pass --auto-approve to apply without confirmation. Nothing was written');
  }
  const answer = await ctx.io.prompt('\nDo you want to apply these changes? Only \'yes\' will be accepted: ');
  if (answer.trim() !== 'yes') throw new CvctlError('ABORTED', 'apply cancelled. Nothing was written');
}
