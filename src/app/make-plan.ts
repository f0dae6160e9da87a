// files + catalog + database (+ resolved secrets) → Plan. The diff itself is the pure
// computePlan in src/plan; this module gathers its inputs.
import * as path from 'node:path';
import type { Context } from './context';
import type { Database } from '../state/database';
import type { Plan } from '../plan/types';
import type { DesiredState, LocatedSecretRef } from '../domain/types';
import { readState } from '../state/read-state';
import { readUsage, usageWindow } from '../state/read-usage';
import { inSnapshot } from '../state/snapshot';
import { computePlan } from '../plan/compute';
import { addCostAndPolicy } from '../plan/cost-policy';
import { planDigest } from '../plan/serialize';
import { CATALOG_VERSION } from '../domain/kinds';
import { CvctlError } from '../errors';
import { formatDiagnostic, hasErrors, sortDiagnostics } from '../config/diagnostics';
import { cvctlVersion } from '../version';
import { credentialStatus, loadDesired, type SecretsOptions } from './inputs';
import { stopAt } from '../testing/stop-at';

export interface MakePlanOptions extends SecretsOptions {
  paths: string[];
  adopt: boolean;
  /** false: no digest (a plan applied at once, never saved); see PlanInput.digest. */
  digest?: boolean;
  /** Days of usage the cost estimate covers (`--cost-window`), ending on the clock's UTC date; null: `--no-cost`. */
  costWindowDays: number | null;
}

export async function makePlan(ctx: Context, db: Database, o: MakePlanOptions): Promise<Plan> {
  const desired = await loadDesired(ctx, o.paths);
  const window = o.costWindowDays === null ? null : usageWindow(o.costWindowDays, ctx.now());
  // One snapshot for the rows (models, backends and grants included: the plan diffs them) and
  // the usage aggregate (one query). Plans compare with the rows, never with models'
  // last-applied records (drift does).
  const { current, usage } = await inSnapshot(db, async (tx) => {
    const current = await readState(tx, { modelLastApplied: false, routing: true });
    const usage = window ? await readUsage(tx, window) : undefined;
    return { current, usage };
  });
  stopAt('plan:state-read');
  const credentials = await credentialStatus(ctx, db, desired, current, o, { for: 'plan' });
  const { plan: diff, problems, diagnostics } = computePlan({
    // Relative before planning, not after.
    desired: withRelativeBaseDirs(desired, ctx.cwd),
    current,
    scope: ctx.opts.scope,
    adopt: o.adopt,
    credentials,
    now: ctx.now(),
    cvctlVersion: cvctlVersion(),
    catalogVersion: CATALOG_VERSION,
    secretsResolved: o.resolveSecrets,
    // Computed once, below, when the cost and the policy are in: it covers them too (re-hashing
    // a 100,000-change plan costs seconds).
    digest: false,
  });
  // The files' references to rows in the database, as the plan leaves it: like validate's errors.
  const refused = sortDiagnostics(diagnostics);
  for (const d of refused) if (d.severity !== 'info' || ctx.opts.verbose) ctx.io.stderr(formatDiagnostic(d) + '\n');
  if (hasErrors(refused)) {
    const n = refused.filter((d) => d.severity === 'error').length;
    throw new CvctlError('INVALID_CONFIG', `${n} error${n === 1 ? '' : 's'} in the files against the database (see above); nothing was planned`);
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => (p.pos ? `${p.pos.file}:${p.pos.line}:${p.pos.column}: ${p.message}` : p.message));
    throw new CvctlError('OWNERSHIP', lines.length === 1 ? lines[0] : `${lines.length} ownership problems:\n  ${lines.join('\n  ')}`);
  }
  const plan = addCostAndPolicy(diff, { desired, current, routing: current.routing, usage });
  if (o.digest !== false) plan.digest = planDigest(plan);
  return plan;
}

/**
 * A saved plan is applied in another checkout (the merge job, another laptop): `from: file`
 * references are stored relative to the working directory, not as absolute paths. Secrets are
 * resolved (credentialStatus) with the absolute directories; the planner gets relative ones.
 */
function withRelativeBaseDirs(desired: DesiredState, cwd: string): DesiredState {
  const memo = new Map<string, string>();
  const rel = (dir: string): string => {
    let r = memo.get(dir);
    if (r === undefined) {
      r = path.relative(cwd, path.resolve(cwd, dir)) || '.';
      memo.set(dir, r);
    }
    return r;
  };
  return {
    ...desired,
    providers: desired.providers.map((p) => {
      const credentials: Record<string, LocatedSecretRef> = {};
      for (const [field, located] of Object.entries(p.spec.credentials)) credentials[field] = { ...located, baseDir: rel(located.baseDir) };
      return { ...p, spec: { ...p.spec, credentials } };
    }),
  };
}
