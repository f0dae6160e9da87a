import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type { Runner } from '../main';
import type { Context } from '../context';
import { parseSeconds, pathsOrDefault } from '../options';
import { actorOf, openDb, openKekFor, resolverFor } from '../../app/resources';
import { makePlan } from '../../app/make-plan';
import { renderPlan } from '../../render/render';
import { parsePlan } from '../../plan/serialize';
import { applyPlan, type ApplyDeps, type ApplyResult } from '../../apply/apply-plan';
import type { Plan } from '../../plan/types';
import { CvctlError } from '../../errors';
import { acquireScopeLock, type ScopeLock } from '../../state/lock';
import type { Database } from '../../state/database';
import type { SecretResolver } from '../../secrets/resolver';
import { gitState, recordFailedRun } from '../../app/record-run';
import { InterruptGuard } from '../interrupt';
import { verifyPlanAuth, type KeyToInstall } from '../../apply/plan-key';
import { checkPlanConsistency } from '../../plan/consistency';

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
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts();
        if (o.plan && cmd.args.length > 0) throw new CvctlError('USAGE', 'give either --plan FILE or paths, not both');
        const startedAt = ctx.now();
        const paths = o.plan ? null : pathsOrDefault(cmd.args);
        const command = o.plan ? 'apply --plan' : 'apply';
        const resolver = resolverFor(ctx);
        const lockTimeoutSeconds = o.lockTimeout as number;
        const guard = new InterruptGuard({
          signals: ctx.io.signals ?? null,
          stderr: ctx.io.stderr,
          exit: ctx.io.exit ?? (() => undefined),
          pauseAt: ctx.env.CVCTL_TEST_PAUSE_AT || undefined,
        }).install();
        try {
          const db = await openDb(ctx, { purpose: 'apply', lockTimeoutSeconds });
          const git = gitState(ctx.cwd, ctx.env, paths);
          let plan: Plan | null = null;
          let lock: ScopeLock | null = null;
          try {
            // Without --plan, the scope lock is held from planning to commit (as Terraform holds its
            // state lock): two applies of the same scope never plan against the same state and both
            // write. applyPlan takes it again on the same session (advisory locks nest).
            if (!o.plan) lock = await acquireScopeLock(db, ctx.opts.scope, { timeoutSeconds: lockTimeoutSeconds });
            let installKey: KeyToInstall | null = null;
            if (o.plan) {
              plan = readSavedPlan(ctx, o.plan as string);
              // Before anything else (secrets, locks, writes): the tag, then one representation.
              // Nothing in the file is trusted before its tag verifies (meta.secretsResolved included).
              installKey = await verifyPlanAuth(db, plan, (wrap) => openKekFor(ctx, false, { unwrapOnly: !wrap }));
              checkPlanConsistency(plan);
            } else {
              plan = await makePlan(ctx, db, { paths: paths ?? ['.'], adopt: Boolean(o.adopt), resolveSecrets: true, resolver, digest: false });
            }
            const result = await applyOne(ctx, guard.wrap(db), plan, {
              resolver,
              lockTimeoutSeconds,
              savedPlan: Boolean(o.plan),
              allowDelete: Boolean(o.allowDelete),
              autoApprove: Boolean(o.autoApprove),
              compact: Boolean(o.compact),
              installKey,
              run: { command, actor: actorOf(ctx.env), gitCommit: git.commit, dirty: git.dirty },
            });
            const s = result.summary;
            ctx.io.stdout(
              result.changed
                ? `Apply complete: ${s.create} created, ${s.update} updated, ${s.disable} disabled, ${s.enable} enabled, ${s.delete} deleted.\n`
                : 'Nothing to do: the database already matches the files.\n',
            );
            return { kind: 'ok' };
          } catch (e) {
            // Refused or failed: on record in history (best effort, never a different error).
            await recordFailedRun(db, {
              scope: ctx.opts.scope,
              command,
              startedAt,
              finishedAt: ctx.now(),
              actor: actorOf(ctx.env),
              git,
              planDigest: plan?.digest ?? null,
              summary: plan?.summary ?? null,
            }, e);
            throw e;
          } finally {
            await lock?.release().catch(() => undefined);
            await db.close();
          }
        } finally {
          guard.uninstall();
        }
      }),
    );
}

interface ApplyOneOptions {
  resolver: SecretResolver;
  lockTimeoutSeconds: number;
  savedPlan: boolean;
  allowDelete: boolean;
  autoApprove: boolean;
  /** `--compact`: print the grouped view of the plan. */
  compact: boolean;
  /** A verified saved plan made for a database without a key brings one (src/apply/plan-key.ts). */
  installKey: KeyToInstall | null;
  run: ApplyDeps['run'];
}

/** Show the plan (unless -q, or there is nothing to do), confirm, apply. */
async function applyOne(ctx: Context, db: Database, plan: Plan, o: ApplyOneOptions): Promise<ApplyResult> {
  const asking = plan.changes.length > 0 && !o.autoApprove;
  if (plan.changes.length === 0) {
    // One line for a no-op (below); its warnings still matter.
    for (const w of plan.warnings) ctx.io.stderr(`cvctl: warning: ${w.code}: ${w.message}\n`);
  } else if (!ctx.opts.quiet || (asking && ctx.io.stdinIsTTY)) {
    // -q silences the plan, except when a person is asked to approve it.
    ctx.io.stdout(renderPlan(plan, 'text', { color: ctx.opts.color, compact: o.compact }));
  }
  if (asking) await confirm(ctx);
  return applyPlan(plan, {
    db,
    kek: () => openKekFor(ctx, true),
    resolver: o.resolver,
    now: ctx.now,
    cwd: ctx.cwd,
    lockTimeoutSeconds: o.lockTimeoutSeconds,
    savedPlan: o.savedPlan,
    allowDelete: o.allowDelete,
    installKey: o.installKey,
    run: o.run,
  });
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
