import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import type { Runner } from '../main';
import type { Context } from '../context';
import { parseSeconds, pathsOrDefault } from '../options';
import { actorOf, openDb, openKekFor, resolverFor } from '../../app/resources';
import { makePlan } from '../../app/make-plan';
import { renderPlan } from '../../render/render';
import { parsePlan } from '../../plan/serialize';
import { applyPlan } from '../../apply/apply-plan';
import type { Plan } from '../../plan/types';
import { CvctlError } from '../../errors';
import { acquireScopeLock } from '../../state/lock';

export function registerApply(program: Command, run: Runner): void {
  program
    .command('apply')
    .description('plan, then apply the changes in one transaction (or apply a saved plan with --plan)')
    .argument('[paths...]', 'files or folders to read (default: .)')
    .option('--plan <file>', 'apply exactly this saved plan (refused when a row it touches changed since)')
    .option('--auto-approve', 'do not ask for confirmation (required when stdin is not a terminal)')
    .option('--allow-delete', 'allow a plan that deletes providers or provider models')
    .option('--lock-timeout <seconds>', 'how long to wait for another apply of this scope (on the embedded database: for another cvctl process)', parseSeconds, 30)
    .option('--adopt', 'take over rows of the same name made outside cvctl (in the console)')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        if (o.plan && cmd.args.length > 0) throw new CvctlError('USAGE', 'give either --plan FILE or paths, not both');
        const resolver = resolverFor(ctx);
        const lockTimeoutSeconds = o.lockTimeout as number;
        const db = await openDb(ctx, { purpose: 'apply', lockTimeoutSeconds });
        // Without --plan, the scope lock is held from planning to commit (as Terraform holds its
        // state lock): two applies of the same scope never plan against the same state and both
        // write. applyPlan takes it again on the same session (advisory locks nest).
        const lock = o.plan ? null : await acquireScopeLock(db, ctx.opts.scope, { timeoutSeconds: lockTimeoutSeconds }).catch(async (e: unknown) => {
          await db.close();
          throw e;
        });
        try {
          const plan: Plan = o.plan
            ? readSavedPlan(ctx, o.plan as string)
            : await makePlan(ctx, db, { paths: pathsOrDefault(cmd.args), adopt: Boolean(o.adopt), resolveSecrets: true, resolver, digest: false });
          if (plan.meta && !plan.meta.secretsResolved && plan.changes.some((c) => c.target && 'credentials' in c.target && c.target.credentials)) {
            // A plan made with --no-resolve-secrets can still be applied: apply resolves the references itself.
            ctx.info('note: this plan was made without resolving secrets; apply resolves them now');
          }
          if (!ctx.opts.quiet || plan.changes.length > 0) ctx.io.stdout(renderPlan(plan, 'text', { color: ctx.opts.color }));
          if (plan.changes.length > 0 && !o.autoApprove) await confirm(ctx);
          const result = await applyPlan(plan, {
            db,
            kek: () => openKekFor(ctx, true),
            resolver,
            now: ctx.now,
            cwd: ctx.cwd,
            lockTimeoutSeconds,
            savedPlan: Boolean(o.plan),
            allowDelete: Boolean(o.allowDelete),
            run: { command: o.plan ? 'apply --plan' : 'apply', actor: actorOf(ctx.env), gitCommit: gitCommit(ctx) },
          });
          const s = result.summary;
          ctx.io.stdout(
            result.changed
              ? `Apply complete: ${s.create} created, ${s.update} updated, ${s.disable} disabled, ${s.enable} enabled, ${s.delete} deleted.\n`
              : 'Nothing to do: the database already matches the files.\n',
          );
          return { kind: 'ok' };
        } finally {
          await lock?.release().catch(() => undefined);
          await db.close();
        }
      }),
    );
}

function readSavedPlan(ctx: Context, file: string): Plan {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(ctx.cwd, file), 'utf8');
  } catch (e) {
    throw new CvctlError('IO_ERROR', `cannot read the plan file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parsePlan(text, { scope: ctx.opts.scope });
}

async function confirm(ctx: Context): Promise<void> {
  if (!ctx.io.stdinIsTTY) {
    throw new CvctlError('APPROVAL_REQUIRED', 'stdin is not a terminal: pass --auto-approve to apply without confirmation. Nothing was written');
  }
  const answer = await ctx.io.prompt('\nDo you want to apply these changes? Only \'yes\' will be accepted: ');
  if (answer.trim() !== 'yes') throw new CvctlError('ABORTED', 'apply cancelled. Nothing was written');
}

/** The commit being applied: CI's GITHUB_SHA, else the working tree's HEAD, else unknown. */
function gitCommit(ctx: Context): string | null {
  if (ctx.env.GITHUB_SHA) return ctx.env.GITHUB_SHA;
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ctx.cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .toString()
      .trim() || null;
  } catch {
    return null;
  }
}
