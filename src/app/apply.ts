// `cvctl apply`: plan the files (or read a saved plan and verify it), have the plan reviewed,
// apply it in one transaction, and keep a record of the run whatever happens. Owns the scope
// lock's lifetime and the git state recorded with the run.
import type { Context } from './context';
import type { Database } from '../state/database';
import type { Plan } from '../plan/types';
import { applyPlan, type ApplyResult } from '../apply/apply-plan';
import { checkPolicyGuard } from '../apply/plan-guards';
import { verifyPlanAuth, type KeyToInstall } from '../apply/plan-key';
import { checkPlanConsistency } from '../plan/consistency';
import { acquireScopeLock, type ScopeLock } from '../state/lock';
import { gitState, recordFailedRun } from './record-run';
import { makePlan } from './make-plan';
import { readPlanFile } from './plan';
import { actorOf, openDb, openKekFor, resolverFor } from './resources';

export type { ApplyResult };

export interface ApplyOptions {
  /** `--plan FILE`: apply exactly this saved plan; null: plan `paths` in this run. */
  planFile: string | null;
  paths: string[];
  adopt: boolean;
  allowDelete: boolean;
  lockTimeoutSeconds: number;
  /** Without --plan: `--cost-window DAYS` (the estimate maxMonthlyCostIncrease judges); null: `--no-cost`. */
  costWindowDays: number | null;
  /**
   * Shows the plan and asks for approval (the CLI: render and prompt); throws to refuse, and
   * nothing is written. Called with every plan, also one without changes.
   */
  review: (plan: Plan) => Promise<void>;
  /** Wraps the database the apply writes through (the CLI's interrupt guard watches its transactions). */
  wrapDb?: (db: Database) => Database;
}

export async function applyFiles(ctx: Context, o: ApplyOptions): Promise<ApplyResult> {
  const startedAt = ctx.now();
  const command = o.planFile !== null ? 'apply --plan' : 'apply';
  const resolver = resolverFor(ctx);
  const db = await openDb(ctx, { purpose: 'apply', lockTimeoutSeconds: o.lockTimeoutSeconds });
  const git = gitState(ctx.cwd, ctx.env, o.planFile !== null ? null : o.paths);
  let plan: Plan | null = null;
  let lock: ScopeLock | null = null;
  try {
    let installKey: KeyToInstall | null = null;
    if (o.planFile !== null) {
      plan = readPlanFile(ctx, o.planFile, ctx.opts.scope);
      // Before anything else (secrets, locks, writes): the tag, then one representation.
      // Nothing in the file is trusted before its tag verifies (meta.secretsResolved included).
      installKey = await verifyPlanAuth(db, plan, (wrap) => openKekFor(ctx, false, { unwrapOnly: !wrap }));
      checkPlanConsistency(plan);
    } else {
      // Without --plan, the scope lock is held from planning to commit (as Terraform holds its
      // state lock): two applies of the same scope never plan against the same state and both
      // write. applyPlan takes it again on the same session (advisory locks nest).
      lock = await acquireScopeLock(db, ctx.opts.scope, { timeoutSeconds: o.lockTimeoutSeconds });
      plan = await makePlan(ctx, db, { paths: o.paths, adopt: o.adopt, resolveSecrets: true, resolver, digest: false, costWindowDays: o.costWindowDays });
    }
    // Not even asked for: a plan with policy violations is refused (applyPlan checks again).
    checkPolicyGuard(plan);
    await o.review(plan);
    return await applyPlan(plan, {
      db: o.wrapDb ? o.wrapDb(db) : db,
      kek: () => openKekFor(ctx, true),
      resolver,
      now: ctx.now,
      cwd: ctx.cwd,
      lockTimeoutSeconds: o.lockTimeoutSeconds,
      savedPlan: o.planFile !== null,
      allowDelete: o.allowDelete,
      installKey,
      run: { command, actor: actorOf(ctx.env), gitCommit: git.commit, dirty: git.dirty },
    });
  } catch (e) {
    // Refused or failed: on record in history (best effort, never a different error).
    await recordFailedRun(
      db,
      {
        scope: ctx.opts.scope,
        command,
        startedAt,
        finishedAt: ctx.now(),
        actor: actorOf(ctx.env),
        git,
        planDigest: plan?.digest ?? null,
        summary: plan?.summary ?? null,
      },
      e,
    );
    throw e;
  } finally {
    await lock?.release().catch(() => undefined);
    await db.close();
  }
}
