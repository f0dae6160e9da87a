// A provider's Provider Models: the imported catalog (minus exclusions), with custom entries
// overriding the catalog fields they set, plus custom-only models. Pure and total: an
// entry that validation would reject (custom-only without kind) is left out rather than
// guessed, and an unknown catalog version imports nothing.
import type { Catalog } from '../catalog/catalog';
import type { CustomModelSpec, DesiredModel, ProviderSpec } from '../domain/types';

function byModelId(a: DesiredModel, b: DesiredModel): number {
  return a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0;
}

function override(base: DesiredModel, c: CustomModelSpec): DesiredModel {
  return {
    ...base,
    kind: c.kind ?? base.kind,
    status: c.status ?? base.status,
    contextWindow: c.contextWindow ?? base.contextWindow,
    pricing: c.pricing ? { ...c.pricing } : base.pricing,
  };
}

export function expandModels(spec: ProviderSpec, catalog: Catalog): DesiredModel[] {
  const models = new Map<string, DesiredModel>();
  const version = spec.models.catalog;
  if (version !== undefined && catalog.has(version)) {
    const excluded = new Set(spec.models.exclude);
    const source = `catalog:${version}`;
    for (const m of catalog.models(spec.kind, version)) {
      if (excluded.has(m.id)) continue;
      models.set(m.id, {
        modelId: m.id,
        kind: m.kind,
        status: 'active',
        contextWindow: m.contextWindow,
        pricing: m.pricing ? { ...m.pricing } : null,
        source,
      });
    }
  }
  for (const c of spec.models.custom) {
    const imported = models.get(c.id);
    if (imported && imported.source !== 'custom') {
      models.set(c.id, override(imported, c)); // source stays catalog:<version>
    } else if (c.kind !== undefined) {
      models.set(c.id, {
        modelId: c.id,
        kind: c.kind,
        status: c.status ?? 'active',
        contextWindow: c.contextWindow ?? null,
        pricing: c.pricing ? { ...c.pricing } : null,
        source: 'custom',
      });
    }
  }
  return [...models.values()].sort(byModelId);
}
