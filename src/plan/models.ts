// Provider-model planning for a provider that is created, updated or adopted.
import type { ProviderModelRow, ProviderRow } from '../domain/rows';
import type { DesiredModel, DesiredProvider } from '../domain/types';
import { compareStrings } from './canonical';
import { createFields, diffFlat } from './diff';
import { modelFlat, modelTarget, type ModelShape } from './shapes';
import type { ResourceRef } from './types';
import { modelLabel, REMOVED, REMOVED_DISABLE, statusAction, takeOverReason, type Ctx } from './context';

function ref(provider: string, modelId: string): ResourceRef<'providerModel'> {
  return { type: 'providerModel', provider, name: modelId };
}

function sortedModels(models: DesiredModel[]): DesiredModel[] {
  return [...models].sort((a, b) => compareStrings(a.modelId, b.modelId));
}

/** Every create expects the row absent: one shared, frozen record rather than one per model. */
const ABSENT = Object.freeze({ absent: true as const });

function pushCreate(ctx: Ctx, provider: string, m: DesiredModel): void {
  ctx.out.changes.push({
    action: 'create',
    resource: ref(provider, m.modelId),
    fields: createFields(modelFlat(m)),
    expect: ABSENT,
    target: modelTarget(m.modelId, m),
  });
}

/**
 * True only when the two shapes are certainly equal field by field (strict equality of every
 * scalar, pricing objects with the same keys and scalar values). Anything else, including
 * equal values in a different form, goes to the full diff, which decides.
 */
export function sameModelShape(a: ModelShape, b: ModelShape): boolean {
  return (
    a.kind === b.kind &&
    a.status === b.status &&
    a.contextWindow === b.contextWindow &&
    a.source === b.source &&
    sameFlatRecord(a.pricing, b.pricing)
  );
}

function sameFlatRecord(a: object | null, b: object | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const va: unknown = (a as Record<string, unknown>)[k];
    const vb: unknown = (b as Record<string, unknown>)[k];
    if (va !== vb || (typeof va === 'object' && va !== null) || va === undefined) return false;
  }
  return true;
}

export function planModelCreates(ctx: Ctx, provider: string, models: DesiredModel[]): void {
  for (const m of sortedModels(models)) pushCreate(ctx, provider, m);
}

/** takeOverFrom: a scope whose models of this provider `--adopt` takes over (a provider renamed away from it). */
export function planModelsOfExisting(ctx: Ctx, dp: DesiredProvider, row: ProviderRow, adopt: boolean, takeOverFrom: string | null = null): void {
  const { scope } = ctx.input;
  const provider = dp.spec.name;
  const rows = new Map<string, ProviderModelRow>();
  for (const r of ctx.modelsByProviderId.get(row.id) ?? []) rows.set(r.modelId, r);
  const desiredIds = new Set(dp.models.map((m) => m.modelId));

  for (const m of sortedModels(dp.models)) {
    const r = rows.get(m.modelId);
    if (r === undefined) {
      pushCreate(ctx, provider, m);
    } else if (r.managedBy === scope || (adopt && (r.managedBy === null || r.managedBy === takeOverFrom))) {
      const takeOver = r.managedBy !== scope;
      // Most rows of a plan are unchanged: settle those without building and diffing flat maps
      // (on 250,000 models that was a third of a no-op plan's time, with its garbage).
      if (!takeOver && sameModelShape(r, m)) continue;
      const fields = diffFlat(modelFlat(r), modelFlat(m));
      if (fields.length === 0 && !takeOver) continue;
      ctx.out.changes.push({
        action: takeOver ? 'update' : statusAction(r.status, m.status),
        resource: ref(provider, m.modelId),
        fields,
        ...(takeOver ? { adopt: true as const, ...takeOverReason(r.managedBy) } : {}),
        expect: { id: r.id, rowVersion: r.rowVersion },
        target: modelTarget(m.modelId, m),
      });
    } else if (r.managedBy === null) {
      ctx.out.problems.push({
        code: 'unmanaged-exists',
        message: `${modelLabel(provider, m.modelId)} already exists in the database but was not created by cvctl; pass --adopt to take it over`,
        resource: ref(provider, m.modelId),
        pos: dp.spec.pos,
      });
    } else {
      ctx.out.problems.push({
        code: 'owned-by-other-scope',
        message: `${modelLabel(provider, m.modelId)} is managed by cvctl scope '${r.managedBy}', not '${scope}'`,
        resource: ref(provider, m.modelId),
        pos: dp.spec.pos,
      });
    }
  }

  // Removal: only rows this scope manages. Unmanaged rows (made in the console) are never
  // deleted by cvctl while their provider stays.
  // The provider's onRemove governs its models (protected does not: it is provider-only).
  // When the stored and the declared onRemove disagree, the safer one (disable) wins, so a
  // commit that sets `onRemove: disable` and drops a model at once never deletes it.
  const onRemove = row.onRemove === 'disable' || dp.spec.onRemove === 'disable' ? 'disable' : 'delete';
  const leftovers = [...rows.values()]
    .filter((r) => r.managedBy === scope && !desiredIds.has(r.modelId))
    .sort((a, b) => compareStrings(a.modelId, b.modelId));
  for (const r of leftovers) {
    if (onRemove === 'disable') {
      if (r.status === 'disabled') continue;
      ctx.out.changes.push({
        action: 'disable',
        resource: ref(provider, r.modelId),
        fields: [{ path: 'status', before: r.status, after: 'disabled' }],
        reason: REMOVED_DISABLE,
        expect: { id: r.id, rowVersion: r.rowVersion },
        target: modelTarget(r.modelId, { ...r, status: 'disabled' }),
      });
    } else {
      ctx.out.deletes.push({
        change: {
          action: 'delete',
          resource: ref(provider, r.modelId),
          cascade: { providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] },
          reason: REMOVED,
          expect: { id: r.id, rowVersion: r.rowVersion },
        },
        providerModelIds: [r.id],
        label: modelLabel(provider, r.modelId),
      });
    }
  }
}
