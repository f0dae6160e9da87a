// `catalog list` rendering, checked against committed golden files in test/catalog/golden/.
// To (re)write them after an intended change: UPDATE_GOLDEN=1 npx jest test/catalog
// and review the diff. Without the variable a missing golden is a failure, not a silent pass.
import * as fs from 'fs';
import * as path from 'path';
import { catalogFromFiles } from '../../src/catalog/catalog';
import { formatPrice, renderCatalogList } from '../../src/render/catalog-list';
import { goldenFixture } from './helpers';

const GOLDEN_DIR = path.join(__dirname, 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) {
    throw new Error(`golden file ${path.relative(process.cwd(), file)} is missing; run with UPDATE_GOLDEN=1 to create it`);
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

describe('renderCatalogList', () => {
  const cat = catalogFromFiles(goldenFixture());

  test('text, all kinds', () => {
    expectGolden('list-all.txt', renderCatalogList(cat, { output: 'text' }));
  });

  test('text, one kind', () => {
    expectGolden('list-openai.txt', renderCatalogList(cat, { kind: 'openai', output: 'text' }));
  });

  test('json, all kinds', () => {
    expectGolden('list-all.json', renderCatalogList(cat, { output: 'json' }));
  });

  test('json, one kind', () => {
    expectGolden('list-cohere.json', renderCatalogList(cat, { kind: 'cohere', output: 'json' }));
  });

  test('json shape: version plus only the requested kind', () => {
    const out = JSON.parse(renderCatalogList(cat, { kind: 'openai', output: 'json' }));
    expect(out.version).toBe('2026.04.15');
    expect(Object.keys(out.kinds)).toEqual(['openai']);
    expect(out.kinds.openai[0]).toEqual({
      id: 'gpt-4o', kind: 'chat', contextWindow: 128000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 },
    });
  });

  test('an older version on request', () => {
    const out = renderCatalogList(cat, { kind: 'openai', output: 'text', version: '2026.01.01' });
    expect(out.split('\n')[0]).toBe('openai (catalog 2026.01.01): 1 model');
    expect(out).toContain('gpt-4');
    expect(() => renderCatalogList(cat, { output: 'text', version: '1999.01.01' })).toThrow(/unknown catalog version/);
  });

  test('text output ends with a newline and has no trailing spaces', () => {
    const out = renderCatalogList(cat, { output: 'text' });
    expect(out.endsWith('\n')).toBe(true);
    expect(out.split('\n').filter((l) => l !== l.trimEnd())).toEqual([]);
  });
});

test('formatPrice keeps every significant digit, at least two decimals', () => {
  expect([2.5, 10, 0, 0.0375, 0.035, 2.1875, 0.165, 600].map(formatPrice)).toEqual([
    '2.50', '10.00', '0.00', '0.0375', '0.035', '2.1875', '0.165', '600.00',
  ]);
});
