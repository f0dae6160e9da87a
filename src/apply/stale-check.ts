// Optimistic concurrency for saved plans: every row a plan touches was recorded with its
// version (xmin) or as absent; inside the apply transaction we lock those rows and compare.
// Rows the plan does not touch may change freely. A delete also takes what cascades with it
// (provider models, model backends): those are counted again, so a row added under a deleted
// provider in the console is never removed without having been in the reviewed plan.
import type { Queryable } from '../state/database';
import { isChangeOf, type Change, type Plan } from '../plan/types';
import { describeResource, identityOf, specOf } from '../resources/registry';
import { checkAndLockRouting, type LockedRouting } from './routing-stale';
import { CvctlError } from '../errors';
import { countCascades, lockProviderModels, lockProviders, type LockedModel, type LockedProvider } from '../state/row-locks';

export type { LockedModel, LockedProvider };

export interface LockedRows {
  /** provider name -> id, for every provider the plan refers to that exists now. */
  providerIds: Map<string, string>;
  /** The locked rows as they are now, by id: what apply re-checks the plan against (plan-guards.ts). */
  providers: Map<string, LockedProvider>;
  models: Map<string, LockedModel>;
  /** Models, backends and grants the plan touches, and the ids of the parents it names (./routing-stale.ts). */
  routing: LockedRouting;
}

export function describe(c: Change): string {
  if (c.renamedFrom !== undefined) return `${specOf(c.resource.type).label} '${c.renamedFrom}' (renamed to '${identityOf(c.resource).join('/')}')`;
  return describeResource(c.resource);
}

/** "the saved plan is stale" (apply --plan) or, planned in this run, "the database changed while planning". */
export function staleLead(savedPlan: boolean): string {
  return savedPlan ? 'the saved plan is stale' : 'the database changed while this apply was being planned';
}

export function staleTail(savedPlan: boolean): string {
  return `Nothing was written; run \`cvctl ${savedPlan ? 'plan' : 'apply'}\` again`;
}

export interface StaleCheckOptions {
  /** Wording of the refusal; default true (a saved plan). */
  savedPlan?: boolean;
}

export async function checkAndLockRows(tx: Queryable, plan: Plan, o: StaleCheckOptions = {}): Promise<LockedRows> {
  const providerChanges = plan.changes.filter((c) => isChangeOf(c, 'provider'));
  const modelChanges = plan.changes.filter((c) => isChangeOf(c, 'providerModel'));
  const referencedNames = new Set<string>();
  for (const c of plan.changes) {
    if (isChangeOf(c, 'provider')) referencedNames.add(c.resource.name);
    else if (isChangeOf(c, 'providerModel')) referencedNames.add(c.resource.provider);
  }
  const expectedProviderIds = providerChanges.flatMap((c) => ('id' in c.expect ? [c.expect.id] : []));

  const prows = await lockProviders(tx, expectedProviderIds, [...referencedNames]);
  const byId = new Map(prows.map((r) => [r.id, r]));
  const byName = new Map(prows.map((r) => [r.name, r]));
  const stale: string[] = [];
  for (const c of providerChanges) {
    const name = c.resource.name;
    if ('absent' in c.expect) {
      if (byName.has(name)) stale.push(`${describe(c)} was created in the database since the plan was made`);
    } else {
      const row = byId.get(c.expect.id);
      const taken = c.renamedFrom !== undefined ? byName.get(name) : undefined;
      if (!row) stale.push(`${describe(c)} was deleted since the plan was made`);
      else if (Number(row.v) !== c.expect.rowVersion) stale.push(`${describe(c)} was changed since the plan was made`);
      // A rename needs its new name free: a row of that name made since the plan is another provider.
      else if (taken !== undefined && taken.id !== row.id) stale.push(`a provider named '${name}' was created in the database since the plan was made`);
    }
  }

  const expectedModelIds = modelChanges.flatMap((c) => ('id' in c.expect ? [c.expect.id] : []));
  // Models created under a renamed provider live, until this apply, under its earlier name.
  const renamedTo = new Map(providerChanges.flatMap((c) => (c.renamedFrom !== undefined ? [[c.renamedFrom, c.resource.name] as const] : [])));
  const earlierName = new Map([...renamedTo].map(([from, to]) => [to, from]));
  const createParents = [
    ...new Set(
      modelChanges
        .filter((c) => 'absent' in c.expect)
        .flatMap((c) => {
          const provider = (c.resource as { provider: string }).provider;
          const from = earlierName.get(provider);
          return from === undefined ? [provider] : [provider, from];
        }),
    ),
  ];
  const models = new Map<string, LockedModel>();
  if (modelChanges.length > 0) {
    const mrows = await lockProviderModels(tx, expectedModelIds, createParents);
    const mById = new Map(mrows.map((r) => [r.id, r]));
    for (const r of mrows) models.set(r.id, r);
    const mByKey = new Set(mrows.map((r) => `${renamedTo.get(r.provider) ?? r.provider}\u0000${r.modelId}`));
    for (const c of modelChanges) {
      if (c.resource.type !== 'providerModel') continue;
      if ('absent' in c.expect) {
        // (No key built when no row exists: a first apply checks 100,000 creates.)
        if (mByKey.size > 0 && mByKey.has(`${c.resource.provider}\u0000${c.resource.name}`))
          stale.push(`${describe(c)} was created in the database since the plan was made`);
      } else {
        const row = mById.get(c.expect.id);
        if (!row) stale.push(`${describe(c)} was deleted since the plan was made`);
        else if (Number(row.v) !== c.expect.rowVersion) stale.push(`${describe(c)} was changed since the plan was made`);
      }
    }
  }
  const routing = await checkAndLockRouting(tx, plan, renamedTo);
  stale.push(...routing.stale);
  if (stale.length === 0) stale.push(...(await cascadeChanges(tx, plan)));
  if (stale.length > 0) {
    const saved = o.savedPlan ?? true;
    const more = stale.length > 5 ? ` (and ${stale.length - 5} more)` : '';
    throw new CvctlError('STALE_PLAN', `${staleLead(saved)}: ${stale.slice(0, 5).join('; ')}${more}. ${staleTail(saved)}`);
  }
  return { providerIds: new Map([...byName].map(([n, r]) => [n, r.id])), providers: byId, models, routing };
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * Deletes whose cascade differs from the plan's: provider models under a deleted provider, and
 * model backends of what is deleted, counted now (the deleted rows are already locked FOR
 * UPDATE, so no new child can reference them until this transaction ends: an insert's foreign
 * key check waits for the lock, then fails). At most two statements, only when the plan deletes.
 */
async function cascadeChanges(tx: Queryable, plan: Plan): Promise<string[]> {
  const providerDeletes = plan.changes.filter((c) => c.action === 'delete' && c.resource.type === 'provider' && 'id' in c.expect && c.cascade);
  const modelDeletes = plan.changes.filter((c) => c.action === 'delete' && c.resource.type === 'providerModel' && 'id' in c.expect && c.cascade);
  if (providerDeletes.length === 0 && modelDeletes.length === 0) return [];
  const idOf = (c: Change): string => ('id' in c.expect ? c.expect.id : '');
  const counts = await countCascades(tx, providerDeletes.map(idOf), modelDeletes.map(idOf));
  const out: string[] = [];
  for (const c of [...providerDeletes, ...modelDeletes]) {
    const now = counts.get(idOf(c)) ?? { models: 0, backends: 0 };
    const planned = c.cascade!;
    const isProvider = c.resource.type === 'provider';
    if (isProvider && now.models !== planned.providerModels) {
      out.push(`${describe(c)} now has ${plural(now.models, 'provider model')}; the plan deletes ${planned.providerModels} with it`);
    } else if (now.backends !== planned.modelBackends) {
      out.push(`${describe(c)} is now used by ${plural(now.backends, 'model backend')}; the plan removes ${planned.modelBackends}`);
    }
  }
  return out;
}
