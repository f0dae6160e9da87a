// The plan's routing view (`routing`, src/plan/routing-view.ts) is display only: apply never
// reads it. But a reviewer approves what it shows ("openai-prod/gpt-4o 100% → 50%"), so a saved
// plan whose view says something its changes do not do is refused, like a change whose fields
// disagree with its target (consistency.ts). Checked from the plan alone, at `show` and `apply`:
//
// - every model the changes re-route (created, deleted, status or strategy changed, a backend
//   created, updated or deleted) has an entry, and each entry's after side is its before side
//   with exactly the plan's changes applied: a backend's priority, weight and status are its
//   change's target, or the before side's when the plan does not change it; a backend appears
//   or disappears only with a create or a delete (of it, its provider model or its provider);
// - a backend's `serving` moves only with a change to its provider model or provider.
//
// What the plan alone cannot vouch for is the before side of rows it does not change (a sibling
// backend's weight as the database had it at plan time): that is context, and apply writes none of it.
import type { ModelRouting, RoutingBackend, RoutingSide } from './routing-view';
import { isChangeOf, type Change, type ChangeOf, type Plan } from './types';
import { CvctlError } from '../errors';
import { describeResource } from '../resources/registry';

const k2 = (a: string, b: string): string => JSON.stringify([a, b]);
const k3 = (a: string, b: string, c: string): string => JSON.stringify([a, b, c]);

interface Index {
  models: Map<string, ChangeOf<'model'>>;
  backends: Map<string, ChangeOf<'modelBackend'>>;
  providers: Map<string, ChangeOf<'provider'>>;
  providerModels: Map<string, ChangeOf<'providerModel'>>;
  /** A provider's earlier name -> its name after the plan. */
  providerRenamed: Map<string, string>;
}

function indexChanges(plan: Plan): Index {
  const ix: Index = { models: new Map(), backends: new Map(), providers: new Map(), providerModels: new Map(), providerRenamed: new Map() };
  for (const c of plan.changes) {
    if (isChangeOf(c, 'model')) ix.models.set(c.resource.name, c);
    else if (isChangeOf(c, 'modelBackend')) ix.backends.set(k3(c.resource.model, c.resource.provider, c.resource.name), c);
    else if (isChangeOf(c, 'providerModel')) ix.providerModels.set(k2(c.resource.provider, c.resource.name), c);
    else if (isChangeOf(c, 'provider')) {
      ix.providers.set(c.resource.name, c);
      if (c.renamedFrom !== undefined) ix.providerRenamed.set(c.renamedFrom, c.resource.name);
    }
  }
  return ix;
}

function refuse(model: string, what: string): CvctlError {
  return new CvctlError(
    'PLAN_INCONSISTENT',
    `the plan is inconsistent: its routing of model '${model}' ${what}; what show displays must be what apply does. Nothing was written`,
  );
}

/** A side's backends by (provider as named after the plan, provider model id); a pair twice is refused. */
function byKey(model: string, side: RoutingSide | null, rename: (p: string) => string): Map<string, RoutingBackend> {
  const out = new Map<string, RoutingBackend>();
  for (const b of side?.backends ?? []) {
    const key = k2(rename(b.provider), b.providerModel);
    if (out.has(key)) throw refuse(model, `lists backend ${b.provider}/${b.providerModel} twice`);
    out.set(key, b);
  }
  return out;
}

/** Whether the plan changes what lets a backend serve: its provider model or its provider. */
function servingChanged(ix: Index, provider: string, providerModel: string): boolean {
  return ix.providers.has(provider) || ix.providerModels.has(k2(provider, providerModel));
}

/** Whether the plan removes a backend without a delete of its own: its provider model or provider goes. */
function removedWithParent(ix: Index, provider: string, providerModel: string): boolean {
  return ix.providers.get(provider)?.action === 'delete' || ix.providerModels.get(k2(provider, providerModel))?.action === 'delete';
}

function checkSide(ix: Index, v: ModelRouting, mc: ChangeOf<'model'> | undefined): void {
  const after = v.after;
  if (v.before === null && mc?.action !== 'create') throw refuse(v.model, 'shows the model as new, but the plan does not create it');
  if (after === null) {
    if (mc?.action !== 'delete') throw refuse(v.model, 'shows the model deleted, but the plan does not delete it');
    return;
  }
  if (mc?.action === 'delete') throw refuse(v.model, 'shows routing after the plan deletes the model');
  const expected = mc !== undefined ? { status: mc.target.status, strategy: mc.target.routing.strategy } : v.before;
  if (expected !== null && (after.status !== expected.status || after.strategy !== expected.strategy)) {
    throw refuse(v.model, `shows status ${after.status} and strategy ${after.strategy}, not what the plan writes`);
  }
  const rename = (p: string): string => ix.providerRenamed.get(p) ?? p;
  const before = byKey(v.model, v.before, rename);
  const now = byKey(v.model, after, (p) => p);
  for (const [key, a] of now) {
    const name = `${a.provider}/${a.providerModel}`;
    const bc = ix.backends.get(k3(v.model, a.provider, a.providerModel));
    const was = before.get(key);
    if (bc?.action === 'delete') throw refuse(v.model, `shows backend ${name}, which the plan deletes`);
    const want = bc !== undefined ? bc.target : was;
    if (want === undefined) throw refuse(v.model, `shows backend ${name}, which the plan does not create`);
    if (a.priority !== want.priority || a.weight !== want.weight || a.status !== want.status) {
      throw refuse(v.model, `shows backend ${name} with other values than the plan writes`);
    }
    if (was !== undefined && !servingChanged(ix, a.provider, a.providerModel) && (was.serving !== false) !== (a.serving !== false)) {
      throw refuse(v.model, `shows backend ${name} starting or stopping to serve, which the plan does not change`);
    }
  }
  for (const [key, b] of before) {
    if (now.has(key)) continue;
    const provider = rename(b.provider);
    const bc = ix.backends.get(k3(v.model, provider, b.providerModel));
    if (bc?.action !== 'delete' && !removedWithParent(ix, provider, b.providerModel)) {
      throw refuse(v.model, `shows backend ${b.provider}/${b.providerModel} removed, which the plan does not delete`);
    }
  }
}

/** Whether a model's change re-routes it: created, deleted, or its status or strategy changes. */
function reroutes(c: ChangeOf<'model'>): boolean {
  if (c.action === 'create' || c.action === 'delete') return true;
  return (c.fields ?? []).some((f) => f.path === 'status' || f.path === 'routing.strategy');
}

/** Throws PLAN_INCONSISTENT when the plan's routing view is not what its changes do. */
export function checkRoutingConsistency(plan: Plan): void {
  const ix = indexChanges(plan);
  const views = new Map<string, ModelRouting>();
  for (const v of plan.routing ?? []) {
    if (views.has(v.model)) throw refuse(v.model, 'is listed twice');
    views.set(v.model, v);
    checkSide(ix, v, ix.models.get(v.model));
  }
  const need = (c: Change, model: string): void => {
    if (!views.has(model)) throw refuse(model, `is not shown, though ${describeResource(c.resource)} re-routes it`);
  };
  for (const c of ix.models.values()) if (reroutes(c)) need(c, c.resource.name);
  for (const c of ix.backends.values()) if (!ix.models.has(c.resource.model) || ix.models.get(c.resource.model)?.action !== 'delete') need(c, c.resource.model);
}
