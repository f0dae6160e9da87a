// Test fixtures for the catalog: small catalog folders written to a temp dir, so each test
// states exactly the data it depends on.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { PROVIDER_KINDS, type ProviderKind } from '../../src/domain/kinds';
import type { CatalogModel } from '../../src/catalog/catalog';

export function tempDir(prefix = 'cvctl-catalog-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Writes one file per kind at `version` into `dir` (or `dir/<version>/` when `sub`), with the
 * given models and an empty list for every other kind.
 */
export function writeCatalog(
  dir: string,
  version: string,
  models: Partial<Record<ProviderKind, CatalogModel[]>>,
  opts: { sub?: boolean } = {},
): string {
  const target = opts.sub ? path.join(dir, version) : dir;
  fs.mkdirSync(target, { recursive: true });
  for (const kind of PROVIDER_KINDS) {
    const doc = { kind, version, models: models[kind] ?? [] };
    fs.writeFileSync(path.join(target, `${kind}.yaml`), `# fixture\n${stringify(doc)}`);
  }
  return dir;
}

/** The small catalog behind the golden files: two versions, a few odd values on purpose. */
export function goldenFixture(): string {
  const dir = tempDir();
  writeCatalog(dir, '2026.04.15', {
    openai: [
      { id: 'gpt-4o', kind: 'chat', contextWindow: 128000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
      { id: 'gpt-5.4', kind: 'chat', contextWindow: 1050000, pricing: { inputPerMTok: 2.5, outputPerMTok: 15 } },
      { id: 'text-embedding-3-small', kind: 'embedding', contextWindow: 8191, pricing: { inputPerMTok: 0.02, outputPerMTok: 0 } },
      // unknown values render as "-" (text) and null (json)
      { id: 'mystery-model', kind: 'chat', contextWindow: null, pricing: null },
    ],
    cohere: [
      { id: 'command-r7b-12-2024', kind: 'chat', contextWindow: 128000, pricing: { inputPerMTok: 0.0375, outputPerMTok: 0.15 } },
    ],
  });
  // An older version in a subfolder: only shown when asked for.
  writeCatalog(dir, '2026.01.01', { openai: [{ id: 'gpt-4', kind: 'chat', contextWindow: 8192, pricing: { inputPerMTok: 30, outputPerMTok: 60 } }] }, { sub: true });
  return dir;
}
