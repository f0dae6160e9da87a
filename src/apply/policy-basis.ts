// The policy re-check of apply (CONTRACT.md section 4: apply re-checks every guard plan applied,
// policy included). A plan's verdict is made of the files (frozen in the plan) and, for
// requireFallback, of provider models the files do not declare: whether a declared model's
// backend on another scope's or the console's provider still serves. Those rows are not the
// plan's to lock as it writes nothing to them, so plan records what it read (plan.policy.basis)
// and apply re-reads them here, in its transaction, FOR SHARE until commit: a console change
// to one of them since the plan makes the plan stale, whatever the verdict would be now.
import type { Queryable } from '../state/database';
import type { Plan } from '../plan/types';
import { shareProviderModels } from '../state/row-locks';
import { CvctlError } from '../errors';
import { staleLead, staleTail } from './stale-check';

export async function checkPolicyBasis(tx: Queryable, plan: Plan, savedPlan: boolean): Promise<void> {
  const basis = plan.policy?.basis ?? [];
  if (basis.length === 0) return;
  const now = new Map((await shareProviderModels(tx, basis)).map((r) => [`${r.provider}\u0000${r.modelId}`, r.serving]));
  const moved = basis.flatMap((b) => {
    const serving = now.get(`${b.provider}\u0000${b.modelId}`) ?? 'absent';
    return serving === b.serving ? [] : [`provider model '${b.provider}/${b.modelId}' was ${b.serving} when the plan judged requireFallback and is ${serving} now`];
  });
  if (moved.length === 0) return;
  const head = moved.length === 1 ? moved[0] : `${moved.length} provider models the policy verdict rests on changed: ${moved.slice(0, 5).join('; ')}${moved.length > 5 ? '; …' : ''}`;
  throw new CvctlError('STALE_PLAN', `${staleLead(savedPlan)}: ${head}. ${staleTail(savedPlan)}`);
}
