// Shared test helpers for src/config: a small fixed catalog (so fixtures do not change
// when the bundled catalog is updated), temp folders, and a one-call loader.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Catalog, CatalogModel } from '../../src/catalog/catalog';
import type { ProviderKind } from '../../src/domain/kinds';
import { loadConfig, type LoadResult } from '../../src/config/load';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures');

const MODELS: Record<string, Partial<Record<ProviderKind, CatalogModel[]>>> = {
  '2026.04.15': {
    openai: [
      { id: 'gpt-4o', kind: 'chat', contextWindow: 128000, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
      { id: 'gpt-4o-mini', kind: 'chat', contextWindow: 128000, pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } },
      { id: 'gpt-3.5-turbo', kind: 'chat', contextWindow: 16385, pricing: null },
      { id: 'text-embedding-3-small', kind: 'embedding', contextWindow: 8191, pricing: { inputPerMTok: 0.02, outputPerMTok: 0 } },
    ],
    anthropic: [{ id: 'claude-sonnet-4-6', kind: 'chat', contextWindow: 200000, pricing: { inputPerMTok: 3, outputPerMTok: 15 } }],
  },
  '2025.10.01': {
    openai: [{ id: 'gpt-4o', kind: 'chat', contextWindow: 128000, pricing: null }],
  },
};

/** A catalog with two versions and a handful of openai/anthropic models. */
export function fakeCatalog(): Catalog {
  return {
    versions: () => Object.keys(MODELS).sort(),
    has: (v) => Object.prototype.hasOwnProperty.call(MODELS, v),
    models: (kind, v) => {
      if (!MODELS[v]) throw new Error(`unknown catalog version ${v}`);
      return [...(MODELS[v][kind] ?? [])];
    },
    find: (kind, v, id) => (MODELS[v]?.[kind] ?? []).find((m) => m.id === id),
  };
}

/** A fresh temp folder with the given files (name -> content). */
export function tempRepo(files: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-config-'));
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

export function removeRepo(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** loadConfig with the fake catalog, paths relative to `cwd`. */
export function load(paths: string[], cwd: string, catalog: Catalog = fakeCatalog()): Promise<LoadResult> {
  return loadConfig(paths, { catalog, cwd });
}

/** "code line:col" of each diagnostic, for compact assertions. */
export function summarize(r: LoadResult): string[] {
  return r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
}

/** A minimal valid provider document (YAML), with optional extra provider lines. */
export function providerDoc(name: string, extra = ''): string {
  return `version: 1\nproviders:\n  - name: ${name}\n    kind: openai\n    credentials:\n      apiKey: {from: env, name: OPENAI_API_KEY}\n${extra}`;
}
