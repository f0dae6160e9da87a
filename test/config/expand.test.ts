import { expandModels } from '../../src/config/expand';
import type { ProviderSpec } from '../../src/domain/types';
import { fakeCatalog } from './helpers';

function spec(models: Partial<ProviderSpec['models']>, kind: ProviderSpec['kind'] = 'openai'): ProviderSpec {
  return {
    name: 'p',
    kind,
    status: 'active',
    labels: {},
    protected: false,
    onRemove: 'delete',
    config: {},
    credentials: {},
    models: { exclude: [], custom: [], ...models },
    ignoreDrift: [],
    pos: { file: 'f.yaml', line: 1, column: 1 },
  };
}

describe('expandModels', () => {
  const catalog = fakeCatalog();

  it('imports the catalog of the kind at the version, minus exclusions, sorted by id', () => {
    const ms = expandModels(spec({ catalog: '2026.04.15', exclude: ['gpt-3.5-turbo'] }), catalog);
    expect(ms).toEqual([
      { modelId: 'gpt-4o', kind: 'chat', status: 'active', contextWindow: 128000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 }, source: 'catalog:2026.04.15' },
      { modelId: 'gpt-4o-mini', kind: 'chat', status: 'active', contextWindow: 128000, pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 }, source: 'catalog:2026.04.15' },
      { modelId: 'text-embedding-3-small', kind: 'embedding', status: 'active', contextWindow: 8191, pricing: { inputPerMTok: 0.02, outputPerMTok: 0 }, source: 'catalog:2026.04.15' },
    ]);
    expect(expandModels(spec({ catalog: '2025.10.01' }), catalog).map((m) => m.source)).toEqual(['catalog:2025.10.01']);
    expect(expandModels(spec({ catalog: '2026.04.15' }, 'groq'), catalog)).toEqual([]);
  });

  it('lets a custom entry override the catalog fields it sets, keeping the catalog source', () => {
    const ms = expandModels(
      spec({ catalog: '2026.04.15', custom: [{ id: 'gpt-4o', status: 'disabled', pricing: { inputPerMTok: 1, outputPerMTok: 2 } }] }),
      catalog,
    );
    expect(ms.find((m) => m.modelId === 'gpt-4o')).toEqual({
      modelId: 'gpt-4o',
      kind: 'chat',
      status: 'disabled',
      contextWindow: 128000,
      pricing: { inputPerMTok: 1, outputPerMTok: 2 },
      source: 'catalog:2026.04.15',
    });
  });

  it('adds custom-only models with defaults, and leaves out the ones validation rejects', () => {
    const ms = expandModels(
      spec({ custom: [{ id: 'zeta', kind: 'embedding' }, { id: 'alpha', kind: 'chat', contextWindow: 4096 }, { id: 'no-kind' }] }),
      catalog,
    );
    expect(ms).toEqual([
      { modelId: 'alpha', kind: 'chat', status: 'active', contextWindow: 4096, pricing: null, source: 'custom' },
      { modelId: 'zeta', kind: 'embedding', status: 'active', contextWindow: null, pricing: null, source: 'custom' },
    ]);
  });

  it('treats an excluded catalog model listed in custom as a custom model', () => {
    const ms = expandModels(spec({ catalog: '2026.04.15', exclude: ['gpt-4o'], custom: [{ id: 'gpt-4o', kind: 'chat' }] }), catalog);
    expect(ms.find((m) => m.modelId === 'gpt-4o')).toMatchObject({ source: 'custom', contextWindow: null });
  });

  it('imports nothing for a catalog version that is not bundled', () => {
    expect(expandModels(spec({ catalog: '1999.01.01', custom: [{ id: 'x', kind: 'chat' }] }), catalog).map((m) => m.modelId)).toEqual(['x']);
  });

  it('does not share pricing objects with the catalog', () => {
    const m = expandModels(spec({ catalog: '2026.04.15' }), catalog).find((x) => x.modelId === 'gpt-4o')!;
    m.pricing!.inputPerMTok = 999;
    expect(catalog.find('openai', '2026.04.15', 'gpt-4o')!.pricing!.inputPerMTok).toBe(2.5);
  });
});
