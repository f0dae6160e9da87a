// Checks on one document that JSON Schema cannot express: they need the bundled catalog
// or compare entries with each other. They run on whatever is well-formed enough to check
// (type guards everywhere), so a schema error elsewhere does not hide them.
import type { Catalog, CatalogModel } from '../catalog/catalog';
import { isProviderKind } from '../domain/kinds';
import type { PathSeg } from './event-index';
import { problem, type Problem } from './problem';
import { didYouMean, quoteKey, quoteValue } from './text';

/** A problem that also names a second place in the same document ("first at line:col"). */
export interface RelatedProblem extends Problem {
  related?: { path: PathSeg[]; label: string };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function providersOf(doc: unknown): unknown[] {
  return isRecord(doc) && Array.isArray(doc.providers) ? doc.providers : [];
}

/** The catalog models a provider imports (before exclusions), or undefined without a usable catalog. */
function catalogModels(kind: unknown, version: unknown, catalog: Catalog): Map<string, CatalogModel> | undefined {
  if (typeof kind !== 'string' || !isProviderKind(kind) || typeof version !== 'string' || !catalog.has(version)) {
    return undefined;
  }
  return new Map(catalog.models(kind, version).map((m) => [m.id, m]));
}

export function checkProviders(doc: unknown, catalog: Catalog): RelatedProblem[] {
  const out: RelatedProblem[] = [];
  providersOf(doc).forEach((p, i) => {
    if (isRecord(p) && isRecord(p.models)) checkModels(p, p.models, ['providers', i, 'models'], catalog, out);
    if (isRecord(p) && p.kind === 'azure' && isRecord(p.config) && isRecord(p.config.deployments) && isRecord(p.models)) {
      checkDeployments(p.config.deployments, p.models, p.kind, ['providers', i, 'config', 'deployments'], catalog, out);
    }
  });
  return out;
}

/**
 * Every Azure deployment must route a model the provider has: one imported from the catalog
 * (minus exclusions) or a custom one. A deployment for a model the gateway never sees is a
 * typo or a leftover. Skipped when the models cannot be known (a catalog version that is not
 * bundled: reported on its own) and for a provider with no `models` section at all, which has
 * no list to compare with.
 */
function checkDeployments(
  deployments: Record<string, unknown>,
  models: Record<string, unknown>,
  kind: string,
  at: PathSeg[],
  catalog: Catalog,
  out: RelatedProblem[],
): void {
  const version = models.catalog;
  const all = catalogModels(kind, version, catalog);
  if (version !== undefined && all === undefined) return;
  const excluded = new Set(Array.isArray(models.exclude) ? models.exclude.filter((x): x is string => typeof x === 'string') : []);
  const has = new Set([...(all?.keys() ?? [])].filter((id) => !excluded.has(id)));
  if (Array.isArray(models.custom)) for (const c of models.custom) if (isRecord(c) && typeof c.id === 'string') has.add(c.id);
  for (const id of Object.keys(deployments)) {
    if (has.has(id)) continue;
    const why = all?.has(id) && excluded.has(id) ? 'is excluded from the catalog' : all ? 'is neither in the imported catalog nor in models.custom' : 'is not in models.custom (no catalog imported)';
    out.push(
      problem('unknown-deployment-model', `deployment for ${quoteValue(id)}: the model ${why}${didYouMean(id, has)}`, [...at, id], 'key'),
    );
  }
}

function checkModels(
  p: Record<string, unknown>,
  models: Record<string, unknown>,
  at: PathSeg[],
  catalog: Catalog,
  out: RelatedProblem[],
): void {
  const version = models.catalog;
  if (typeof version === 'string' && !catalog.has(version)) {
    const bundled = catalog.versions();
    out.push(
      problem(
        'unknown-catalog-version',
        `catalog version ${quoteValue(version)} is not bundled with this cvctl (bundled: ${bundled.join(', ') || 'none'})${didYouMean(version, bundled)}`,
        [...at, 'catalog'],
      ),
    );
  }
  const all = catalogModels(p.kind, version, catalog);
  const exclude = Array.isArray(models.exclude) ? models.exclude : [];
  const excluded = new Set(exclude.filter((x): x is string => typeof x === 'string'));
  if (exclude.length > 0 && version === undefined) {
    out.push(problem('exclude-without-catalog', `'exclude' has no effect without 'catalog'`, [...at, 'exclude']));
  }
  if (all) {
    exclude.forEach((id, j) => {
      if (typeof id === 'string' && !all.has(id)) {
        out.push(
          problem(
            'exclude-not-in-catalog',
            `${quoteValue(id)} is not in the ${String(p.kind)} catalog ${String(version)}${didYouMean(id, all.keys())}`,
            [...at, 'exclude', j],
          ),
        );
      }
    });
  }
  if (Array.isArray(models.custom)) checkCustom(models.custom, [...at, 'custom'], all, excluded, version, out);
}

function checkCustom(
  custom: unknown[],
  at: PathSeg[],
  all: Map<string, CatalogModel> | undefined,
  excluded: Set<string>,
  version: unknown,
  out: RelatedProblem[],
): void {
  // With a catalog version we cannot read, we cannot tell overrides from new models.
  const catalogUnknown = typeof version === 'string' && all === undefined;
  const seen = new Map<string, number>();
  custom.forEach((c, j) => {
    if (!isRecord(c) || typeof c.id !== 'string') return;
    const id = c.id;
    const first = seen.get(id);
    if (first !== undefined) {
      out.push({
        ...problem('duplicate-model', `model ${quoteValue(id)} is declared twice in this provider's custom models`, [...at, j, 'id']),
        related: { path: [...at, first, 'id'], label: 'first' },
      });
      return;
    }
    seen.set(id, j);
    const fromCatalog = all && !excluded.has(id) ? all.get(id) : undefined;
    if (fromCatalog) {
      if (typeof c.kind === 'string' && c.kind !== fromCatalog.kind) {
        out.push(
          problem(
            'catalog-kind-change',
            `${quoteValue(id)} is a ${fromCatalog.kind} model in the catalog; an override cannot make it ${quoteKey(c.kind)} (use another id for a custom model)`,
            [...at, j, 'kind'],
          ),
        );
      }
      return;
    }
    if (all?.has(id) && excluded.has(id)) {
      out.push(
        problem(
          'excluded-model-redefined',
          `${quoteValue(id)} is excluded from the catalog and also listed here; it is used as a custom model`,
          [...at, j, 'id'],
        ),
      );
    }
    if (c.kind === undefined && !catalogUnknown) {
      const where = all ? 'not in the imported catalog' : 'a custom model (no catalog imported)';
      out.push(problem('custom-model-kind-required', `${quoteValue(id)} is ${where}, so it needs 'kind' (chat or embedding)`, [...at, j]));
    }
  });
}
