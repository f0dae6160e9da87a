// Folding a provider's model rows back into `models: {catalog, exclude, custom}`, only where
// that is exact: expanding the result (src/config/expand.ts) must give back every row with
// the same fields AND the same `source`, or a plan on the exported files would not be empty.
// When it cannot be exact (mixed catalog versions, a catalog row the catalog does not have,
// a difference an override cannot express), every row is listed as a custom model and the
// caller is told why: those rows' source will change from catalog:V to custom.
import type { Catalog, CatalogModel } from '../catalog/catalog';
import type { ProviderKind } from '../domain/kinds';
import type { ProviderModelRow } from '../domain/rows';
import type { CustomModelSpec } from '../domain/types';
import { compareStrings, deepEqual } from '../plan/canonical';

export interface FoldedModels {
  catalog?: string;
  exclude: string[];
  custom: CustomModelSpec[];
  /** Set when the rows could not be folded exactly: why, for the user. */
  inexact?: string;
}

const CATALOG_SOURCE = /^catalog:(.+)$/;

/** A model written out in full (a custom model, or a row we cannot fold). */
export function fullModel(r: ProviderModelRow): CustomModelSpec {
  const m: CustomModelSpec = { id: r.modelId, kind: r.kind, status: r.status };
  if (r.contextWindow !== null) m.contextWindow = r.contextWindow;
  if (r.pricing !== null) m.pricing = { inputPerMTok: r.pricing.inputPerMTok, outputPerMTok: r.pricing.outputPerMTok };
  return m;
}

function byId(rows: ProviderModelRow[]): ProviderModelRow[] {
  return [...rows].sort((a, b) => compareStrings(a.modelId, b.modelId));
}

/**
 * The override that turns a catalog entry into this row, or a reason it cannot. Overrides
 * can set status, contextWindow and pricing; they cannot unset a value (a null context
 * window or pricing under a catalog entry that has one) nor change the kind.
 */
function override(r: ProviderModelRow, c: CatalogModel): CustomModelSpec | string | null {
  if (r.kind !== c.kind) return `${r.modelId} is a ${r.kind} model in the database but ${c.kind} in the catalog`;
  const o: CustomModelSpec = { id: r.modelId };
  if (r.status !== 'active') o.status = r.status;
  if (r.contextWindow !== c.contextWindow) {
    if (r.contextWindow === null) return `${r.modelId} has no context window but the catalog entry has one`;
    o.contextWindow = r.contextWindow;
  }
  if (!deepEqual(r.pricing, c.pricing ?? null)) {
    if (r.pricing === null) return `${r.modelId} has no pricing but the catalog entry has one`;
    o.pricing = { inputPerMTok: r.pricing.inputPerMTok, outputPerMTok: r.pricing.outputPerMTok };
  }
  return Object.keys(o).length > 1 ? o : null;
}

function allCustom(rows: ProviderModelRow[], inexact?: string): FoldedModels {
  const out: FoldedModels = { exclude: [], custom: byId(rows).map(fullModel) };
  if (inexact !== undefined && rows.some((r) => r.source !== 'custom')) out.inexact = inexact;
  return out;
}

export function foldModels(kind: ProviderKind, rows: ProviderModelRow[], catalog: Catalog): FoldedModels {
  const versions = new Set<string>();
  for (const r of rows) {
    const m = CATALOG_SOURCE.exec(r.source);
    if (m) versions.add(m[1] as string);
  }
  if (versions.size === 0) return allCustom(rows);
  if (versions.size > 1) return allCustom(rows, `its models come from several catalog versions (${[...versions].sort().join(', ')})`);
  const version = [...versions][0] as string;
  if (!catalog.has(version)) return allCustom(rows, `catalog ${version} is not bundled with this cvctl`);

  const entries = new Map(catalog.models(kind, version).map((m) => [m.id, m]));
  const present = new Set(rows.map((r) => r.modelId));
  const custom: CustomModelSpec[] = [];
  const redefined: string[] = [];
  for (const r of byId(rows)) {
    const entry = entries.get(r.modelId);
    if (r.source === 'custom') {
      // A custom model with a catalog id: excluded from the import and defined here (a
      // validate warning, but exact: it expands with source custom).
      if (entry !== undefined) redefined.push(r.modelId);
      custom.push(fullModel(r));
      continue;
    }
    if (entry === undefined) return allCustom(rows, `${r.modelId} is marked ${r.source} but is not in that catalog`);
    const o = override(r, entry);
    if (typeof o === 'string') return allCustom(rows, o);
    if (o !== null) custom.push(o);
  }
  const exclude = [...entries.keys()].filter((id) => !present.has(id) || redefined.includes(id)).sort(compareStrings);
  return { catalog: version, exclude, custom };
}
