// What deletes take with them. provider_models and model_backends are deleted by the
// database (ON DELETE CASCADE); cvctl never writes them but every plan reports them.
//
// Rule for modelsLeftWithoutBackends: deletes are walked in plan order (= apply order:
// model deletes, then provider deletes). Backends removed so far are accumulated per
// user-facing model; a model is listed on the ONE change at which the accumulated count
// reaches the model's total, i.e. the change that removes its last backend. So a model
// losing one backend to each of two deletes is listed once, on the later one, and gets one
// warning naming every change that removes its backends.
import type { BackendRef, CurrentState } from '../domain/rows';
import { compareStrings } from './canonical';
import type { Change, PlanWarning } from './types';

export interface PendingDelete {
  change: Change;
  /** Every provider_models row this change deletes (for a provider: all of them, managed or not). */
  providerModelIds: string[];
  /** `provider 'x'` / `provider model 'x/y'`, for the warning text. */
  label: string;
}

export function applyCascades(deletes: PendingDelete[], current: CurrentState): PlanWarning[] {
  const byPm = new Map<string, BackendRef[]>();
  const backendIdsByModel = new Map<string, Set<string>>();
  const nameOf = new Map<string, string>();
  for (const b of current.backends) {
    const list = byPm.get(b.providerModelId) ?? [];
    list.push(b);
    byPm.set(b.providerModelId, list);
    const ids = backendIdsByModel.get(b.modelId) ?? new Set<string>();
    ids.add(b.backendId);
    backendIdsByModel.set(b.modelId, ids);
    nameOf.set(b.modelId, b.modelName);
  }
  // The caller may pass only the backends that point at rows this scope can touch; the
  // per-model total comes from modelBackendCounts, never less than what we can see.
  const totalOf = (modelId: string): number =>
    Math.max(current.modelBackendCounts[modelId] ?? 0, backendIdsByModel.get(modelId)?.size ?? 0);

  const removed = new Map<string, Set<string>>();
  const removers = new Map<string, string[]>();
  const orphaned: { modelId: string; at: Change }[] = [];
  const reported = new Set<string>();

  for (const d of deletes) {
    const backendIds = new Set<string>();
    const touched = new Set<string>();
    for (const pmId of d.providerModelIds) {
      for (const b of byPm.get(pmId) ?? []) {
        backendIds.add(b.backendId);
        touched.add(b.modelId);
        const set = removed.get(b.modelId) ?? new Set<string>();
        set.add(b.backendId);
        removed.set(b.modelId, set);
        const who = removers.get(b.modelId) ?? [];
        if (!who.includes(d.label)) who.push(d.label);
        removers.set(b.modelId, who);
      }
    }
    const left: string[] = [];
    for (const modelId of touched) {
      if (reported.has(modelId)) continue;
      if ((removed.get(modelId)?.size ?? 0) >= totalOf(modelId)) {
        reported.add(modelId);
        left.push(nameOf.get(modelId) ?? modelId);
        orphaned.push({ modelId, at: d.change });
      }
    }
    d.change.cascade = {
      providerModels: d.change.resource.type === 'provider' ? d.providerModelIds.length : 0,
      modelBackends: backendIds.size,
      modelsLeftWithoutBackends: left.sort(compareStrings),
    };
  }

  return orphaned
    .map(({ modelId, at }): PlanWarning => {
      const name = nameOf.get(modelId) ?? modelId;
      const who = removers.get(modelId) ?? [];
      return {
        code: 'model-left-without-backends',
        message: `model '${name}' is left without backends: they are removed by deleting ${joinAnd(who)}`,
        resource: at.resource,
      };
    })
    .sort((a, b) => compareStrings(a.message, b.message));
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
