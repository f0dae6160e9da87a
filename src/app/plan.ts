// `cvctl plan`: the plan of the files against the database, signed when it is to be saved,
// and the saved plan's file (written by `plan --out`, read by `apply --plan` and `show`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from './context';
import type { Plan } from '../plan/types';
import { parsePlan, serializePlan } from '../plan/serialize';
import { signPlan } from '../plan/auth';
import { planSigningKey } from '../crypto/plan-key';
import { databaseIdentity } from '../state/keys';
import { CvctlError } from '../errors';
import { makePlan } from './make-plan';
import { openDb, openKekFor, resolverFor } from './resources';

export interface PlanOptions {
  paths: string[];
  adopt: boolean;
  /** false (`--no-resolve-secrets`): no secret is read, credentials show as unknown, the plan is not signed. */
  resolveSecrets: boolean;
  /** The plan is to be saved (`--out`): sign it, when the KEK may be used (resolveSecrets). */
  toSave: boolean;
  /** `--cost-window DAYS`; null: `--no-cost`. */
  costWindowDays: number | null;
}

/** The plan (opens and closes the database; writes nothing to it). */
export async function planFiles(ctx: Context, o: PlanOptions): Promise<Plan> {
  const db = await openDb(ctx, { purpose: 'plan' });
  try {
    const plan = await makePlan(ctx, db, {
      paths: o.paths,
      adopt: o.adopt,
      resolveSecrets: o.resolveSecrets,
      resolver: resolverFor(ctx),
      costWindowDays: o.costWindowDays,
    });
    // A saved plan made with the KEK is authenticated (src/plan/auth.ts); one made without
    // it (--no-resolve-secrets: untrusted pull requests) is not, and apply refuses it.
    // Signing reads only: plan writes nothing to the database.
    if (!o.toSave || !o.resolveSecrets) return plan;
    const key = await planSigningKey(db, (wrap) => openKekFor(ctx, wrap, { unwrapOnly: !wrap }));
    try {
      return signPlan(plan, key, await databaseIdentity(db));
    } finally {
      key.key.fill(0);
    }
  } finally {
    await db.close();
  }
}

/** Writes the saved plan; returns its path relative to the working directory, for messages. */
export function writePlanFile(ctx: Context, plan: Plan, file: string): string {
  const abs = path.resolve(ctx.cwd, file);
  try {
    fs.writeFileSync(abs, serializePlan(plan), { mode: 0o644 });
  } catch (e) {
    throw new CvctlError('IO_ERROR', `cannot write the plan to ${ctx.rel(abs)}: ${(e as Error).message}`);
  }
  return ctx.rel(abs);
}

/** Reads and parses a saved plan; `scope`: the plan must be of this scope (apply). */
export function readPlanFile(ctx: Context, file: string, scope?: string): Plan {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(ctx.cwd, file), 'utf8');
  } catch (e) {
    throw new CvctlError('IO_ERROR', `cannot read the plan file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parsePlan(text, scope === undefined ? {} : { scope });
}
