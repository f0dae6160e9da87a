// Folding model rows back into catalog + exclude + custom. The property that matters: when a
// fold says it is exact, expanding it (what plan does with the exported file) gives back the
// very same rows, source included.
import { catalogFromFiles, type Catalog } from '../../src/catalog/catalog';
import { expandModels } from '../../src/config/expand';
import { foldModels } from '../../src/export/fold';
import type { ProviderModelRow } from '../../src/domain/rows';
import type { ProviderSpec } from '../../src/domain/types';
import { tempDir, writeCatalog } from '../catalog/helpers';
import { modelRow, shuffled } from '../plan/builders';

const V = '2026.04.15';
const OLD = '2026.01.01';

function fixtureCatalog(): Catalog {
  const dir = tempDir();
  writeCatalog(dir, V, {
    openai: [
      { id: 'gpt-4o', kind: 'chat', contextWindow: 128000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
      { id: 'gpt-4.1', kind: 'chat', contextWindow: 1047576, pricing: { inputPerMTok: 2, outputPerMTok: 8 } },
      { id: 'o3', kind: 'chat', contextWindow: 200000, pricing: { inputPerMTok: 2, outputPerMTok: 8 } },
      { id: 'embed', kind: 'embedding', contextWindow: 8191, pricing: { inputPerMTok: 0.02, outputPerMTok: 0 } },
      { id: 'mystery', kind: 'chat', contextWindow: null, pricing: null },
    ],
  });
  writeCatalog(dir, OLD, { openai: [{ id: 'gpt-4', kind: 'chat', contextWindow: 8192, pricing: { inputPerMTok: 30, outputPerMTok: 60 } }] }, { sub: true });
  return catalogFromFiles(dir);
}

const catalog = fixtureCatalog();

function fromCatalog(id: string, o: Partial<ProviderModelRow> = {}): ProviderModelRow {
  const c = catalog.find('openai', V, id);
  if (!c) throw new Error(id);
  return modelRow('p', id, { kind: c.kind, contextWindow: c.contextWindow, pricing: c.pricing, source: `catalog:${V}`, ...o });
}

function custom(id: string, o: Partial<ProviderModelRow> = {}): ProviderModelRow {
  return modelRow('p', id, { source: 'custom', ...o });
}

/** What plan would expand the folded models into. */
function expand(rows: ProviderModelRow[]) {
  const f = foldModels('openai', rows, catalog);
  const spec = {
    name: 'p',
    kind: 'openai',
    models: { ...(f.catalog ? { catalog: f.catalog } : {}), exclude: f.exclude, custom: f.custom },
  } as unknown as ProviderSpec;
  return { fold: f, models: expandModels(spec, catalog) };
}

function comparable(rows: ProviderModelRow[]) {
  return [...rows]
    .sort((a, b) => (a.modelId < b.modelId ? -1 : 1))
    .map((r) => ({ modelId: r.modelId, kind: r.kind, status: r.status, contextWindow: r.contextWindow, pricing: r.pricing, source: r.source }));
}

describe('foldModels', () => {
  test('catalog rows fold to catalog + exclude; overrides carry only what differs', () => {
    const rows = [
      fromCatalog('gpt-4o', { status: 'disabled' }),
      fromCatalog('o3', { pricing: { inputPerMTok: 1, outputPerMTok: 4 } }),
      fromCatalog('embed'),
      fromCatalog('mystery', { contextWindow: 4096 }),
      custom('ft:gpt-4o:acme', { contextWindow: 64000 }),
    ];
    const { fold, models } = expand(rows);
    expect(fold).toEqual({
      catalog: V,
      exclude: ['gpt-4.1'],
      custom: [
        { id: 'ft:gpt-4o:acme', kind: 'chat', status: 'active', contextWindow: 64000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
        { id: 'gpt-4o', status: 'disabled' },
        { id: 'mystery', contextWindow: 4096 },
        { id: 'o3', pricing: { inputPerMTok: 1, outputPerMTok: 4 } },
      ],
    });
    expect(models).toEqual(comparable(rows));
  });

  test('no catalog rows: every model is custom, no catalog key', () => {
    const rows = [custom('a', { contextWindow: null, pricing: null }), custom('b', { kind: 'embedding', status: 'disabled' })];
    const { fold, models } = expand(rows);
    expect(fold.catalog).toBeUndefined();
    expect(fold.custom[0]).toEqual({ id: 'a', kind: 'chat', status: 'active' });
    expect(models).toEqual(comparable(rows));
  });

  test('a custom model with a catalog id is excluded and redefined (exact)', () => {
    const rows = [fromCatalog('o3'), custom('gpt-4o', { contextWindow: 1000 })];
    const { fold, models } = expand(rows);
    expect(fold.exclude).toEqual(['embed', 'gpt-4.1', 'gpt-4o', 'mystery']);
    expect(models).toEqual(comparable(rows));
  });

  test.each<[string, ProviderModelRow[], RegExp]>([
    ['mixed versions', [fromCatalog('o3'), modelRow('p', 'gpt-4', { source: `catalog:${OLD}` })], /several catalog versions/],
    ['unknown version', [modelRow('p', 'x', { source: 'catalog:2020.01.01' })], /not bundled/],
    ['id not in the catalog', [modelRow('p', 'nope', { source: `catalog:${V}` })], /not in that catalog/],
    ['kind changed', [fromCatalog('o3', { kind: 'embedding' })], /embedding model in the database but chat/],
    ['context window removed', [fromCatalog('o3', { contextWindow: null })], /no context window/],
    ['pricing removed', [fromCatalog('o3', { pricing: null })], /no pricing/],
  ])('not exact (%s): everything listed as custom, with the reason', (_name, rows, why) => {
    const f = foldModels('openai', rows, catalog);
    expect(f.catalog).toBeUndefined();
    expect(f.exclude).toEqual([]);
    expect(f.custom.map((m) => m.id)).toEqual([...rows.map((r) => r.modelId)].sort());
    expect(f.inexact).toMatch(why);
  });

  test('property: an exact fold expands back to the same rows (random subsets and edits)', () => {
    const ids = ['gpt-4o', 'gpt-4.1', 'o3', 'embed', 'mystery'];
    let seed = 7;
    for (let run = 0; run < 200; run++) {
      const picked = shuffled(ids, seed++).slice(0, 1 + (run % ids.length));
      const rows = picked.map((id, i) => {
        const edits: Partial<ProviderModelRow> = {};
        if ((run + i) % 3 === 0) edits.status = 'disabled';
        if ((run + i) % 4 === 0) edits.contextWindow = 1000 + i;
        if ((run + i) % 5 === 0) edits.pricing = { inputPerMTok: i, outputPerMTok: i * 2 };
        return fromCatalog(id, edits);
      });
      if (run % 2 === 0) rows.push(custom(`custom-${run}`, { contextWindow: run % 4 === 0 ? null : 100 }));
      const { fold, models } = expand(shuffled(rows, run));
      expect(fold.inexact).toBeUndefined();
      expect(models).toEqual(comparable(rows));
    }
  });
});
