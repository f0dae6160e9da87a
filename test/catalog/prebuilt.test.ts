// The build's checked copy of the bundled catalog (src/catalog/prebuilt.ts): used only while its
// digest matches the catalog files, and then identical to what the full reader loads.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUNDLED_CATALOG_DIR } from '../../src/catalog/catalog';
import { loadCatalogDir } from '../../src/catalog/load';
import {
  PREBUILT_CATALOG_FILE,
  catalogDigest,
  loadPrebuiltCatalog,
  serializeCatalog,
} from '../../src/catalog/prebuilt';

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-prebuilt-'));
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const plain = (d: ReturnType<typeof loadCatalogDir>) => JSON.parse(serializeCatalog(d, 'x')) as unknown;

test('the JSON round trip gives the full reader data, frozen like it', () => {
  const data = loadCatalogDir(BUNDLED_CATALOG_DIR);
  const file = path.join(work, 'catalog-data.json');
  fs.writeFileSync(file, serializeCatalog(data, catalogDigest(BUNDLED_CATALOG_DIR)));
  const pre = loadPrebuiltCatalog(BUNDLED_CATALOG_DIR, file)!;
  expect(pre).toBeDefined();
  expect(plain(pre)).toEqual(plain(data));
  const [version, byKind] = [...pre][0];
  expect(data.has(version)).toBe(true);
  const models = byKind.get('openai')!;
  expect(Object.isFrozen(models)).toBe(true);
  expect(Object.isFrozen(models[0])).toBe(true);
});

test('an edited, added or renamed catalog file makes the prebuilt copy unusable', () => {
  const dir = path.join(work, 'catalog');
  fs.cpSync(BUNDLED_CATALOG_DIR, dir, { recursive: true });
  const file = path.join(work, 'catalog-data.json');
  fs.writeFileSync(file, serializeCatalog(loadCatalogDir(dir), catalogDigest(dir)));
  expect(loadPrebuiltCatalog(dir, file)).toBeDefined();

  fs.appendFileSync(path.join(dir, 'groq.yaml'), '\n# edited\n');
  expect(loadPrebuiltCatalog(dir, file)).toBeUndefined();
  fs.writeFileSync(file, serializeCatalog(loadCatalogDir(dir), catalogDigest(dir)));
  expect(loadPrebuiltCatalog(dir, file)).toBeDefined();

  fs.mkdirSync(path.join(dir, '2025.01.01'));
  fs.copyFileSync(path.join(dir, 'groq.yaml'), path.join(dir, '2025.01.01', 'groq.yaml'));
  expect(loadPrebuiltCatalog(dir, file)).toBeUndefined();
  fs.rmSync(path.join(dir, '2025.01.01'), { recursive: true });
  expect(loadPrebuiltCatalog(dir, file)).toBeDefined();

  fs.renameSync(path.join(dir, 'groq.yaml'), path.join(dir, 'groq.yml'));
  expect(loadPrebuiltCatalog(dir, file)).toBeUndefined();
});

test('a missing or unreadable prebuilt file is not used', () => {
  expect(loadPrebuiltCatalog(BUNDLED_CATALOG_DIR, path.join(work, 'none.json'))).toBeUndefined();
  const bad = path.join(work, 'bad.json');
  fs.writeFileSync(bad, '{not json');
  expect(loadPrebuiltCatalog(BUNDLED_CATALOG_DIR, bad)).toBeUndefined();
});

test('the build ships a prebuilt catalog that matches the catalog files (npm run build)', () => {
  const pre = loadPrebuiltCatalog(BUNDLED_CATALOG_DIR, PREBUILT_CATALOG_FILE);
  expect(pre).toBeDefined();
  expect(plain(pre!)).toEqual(plain(loadCatalogDir(BUNDLED_CATALOG_DIR)));
});
