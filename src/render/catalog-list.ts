// `cvctl catalog list`: what a provider gets when it sets `models.catalog`.
// Text is for people (one table per kind); JSON is for scripts and is stable:
//   {"version": "2026.04.15", "kinds": {"openai": [{id, kind, contextWindow, pricing}]}}
import { PROVIDER_KINDS, type ProviderKind } from '../domain/kinds';
import { latestVersion, type Catalog, type CatalogModel } from '../catalog/catalog';
import { thousands } from '../config/text';

export interface CatalogListOptions {
  /** Only this kind; all kinds, in the contract's order, when absent. */
  kind?: ProviderKind;
  output: 'text' | 'json';
  /** Catalog version to show; the newest one when absent. */
  version?: string;
}

export function renderCatalogList(cat: Catalog, opts: CatalogListOptions): string {
  const version = opts.version ?? latestVersion(cat);
  const kinds: readonly ProviderKind[] = opts.kind ? [opts.kind] : PROVIDER_KINDS;
  const lists = kinds.map((k) => [k, cat.models(k, version)] as const);

  if (opts.output === 'json') {
    const out: { version: string; kinds: Record<string, CatalogModel[]> } = { version, kinds: {} };
    for (const [k, models] of lists) {
      // Explicit field order, so the JSON does not depend on how the YAML was written.
      out.kinds[k] = models.map((m) => ({
        id: m.id,
        kind: m.kind,
        contextWindow: m.contextWindow,
        pricing: m.pricing ? { inputPerMTok: m.pricing.inputPerMTok, outputPerMTok: m.pricing.outputPerMTok } : null,
      }));
    }
    return JSON.stringify(out, null, 2) + '\n';
  }

  return lists.map(([k, models]) => renderKindTable(k, version, models)).join('\n');
}

const HEADERS = ['ID', 'KIND', 'CONTEXT', '$IN/1M', '$OUT/1M'] as const;
/** Numbers are right-aligned so magnitudes line up. */
const RIGHT = [false, false, true, true, true];

function renderKindTable(kind: ProviderKind, version: string, models: CatalogModel[]): string {
  if (!models.length) {
    return `${kind} (catalog ${version}): no bundled models; declare them under models.custom\n`;
  }
  const rows = models.map((m) => [
    m.id,
    m.kind,
    m.contextWindow === null ? '-' : thousands(m.contextWindow),
    m.pricing ? formatPrice(m.pricing.inputPerMTok) : '-',
    m.pricing ? formatPrice(m.pricing.outputPerMTok) : '-',
  ]);
  const all = [[...HEADERS], ...rows];
  const widths = HEADERS.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (RIGHT[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const noun = models.length === 1 ? 'model' : 'models';
  return [`${kind} (catalog ${version}): ${models.length} ${noun}`, ...all.map(line)].join('\n') + '\n';
}

/** Dollars with at least 2 decimals, more only when the price has them: 2.5 -> 2.50, 0.0375 -> 0.0375. */
export function formatPrice(n: number): string {
  const two = n.toFixed(2);
  if (Number(two) === n) return two;
  return n.toFixed(6).replace(/0+$/, '');
}
