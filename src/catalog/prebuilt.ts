// The bundled catalog as JSON, checked at build time. `npm run build` loads catalog/*.yaml
// through the full reader (YAML with positions, the JSON Schema, duplicate checks) and writes
// the result, stamped with a digest of the files' names and bytes, to dist/catalog-data.json.
// At run time the JSON is used only while that digest still matches the files beside it, so an
// edited catalog is read (and checked) the slow way; the reader (yaml + ajv, ~0.25 s of CPU per
// command that imports a catalog) is then not loaded at all.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { ProviderKind } from '../domain/kinds';
import type { CatalogData, CatalogModel } from './load';

const VERSION_DIR_RE = /^[0-9]{4}\.[0-9]{2}\.[0-9]{2}$/;
const YAML_RE = /\.ya?ml$/;

/** Where the build writes the checked catalog; the same path from src/catalog and dist/catalog. */
export const PREBUILT_CATALOG_FILE = path.resolve(__dirname, '../../dist/catalog-data.json');

/** The catalog files of a folder: top-level *.yaml, plus *.yaml in version-named subfolders. */
export function catalogFiles(dir: string): { file: string; subVersion?: string }[] {
  const files: { file: string; subVersion?: string }[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, ent.name);
    if (ent.isFile() && YAML_RE.test(ent.name)) files.push({ file: full });
    if (ent.isDirectory() && VERSION_DIR_RE.test(ent.name)) {
      for (const sub of fs.readdirSync(full, { withFileTypes: true })) {
        if (sub.isFile() && YAML_RE.test(sub.name)) files.push({ file: path.join(full, sub.name), subVersion: ent.name });
      }
    }
  }
  return files.sort((a, b) => a.file.localeCompare(b.file));
}

/** sha256 over every catalog file's path (relative to dir) and bytes. */
export function catalogDigest(dir: string): string {
  const h = createHash('sha256');
  for (const { file } of catalogFiles(dir)) {
    const bytes = fs.readFileSync(file);
    h.update(`${path.relative(dir, file).split(path.sep).join('/')}\0${bytes.length}\0`).update(bytes);
  }
  return h.digest('hex');
}

interface PrebuiltCatalog {
  digest: string;
  versions: [string, [ProviderKind, CatalogModel[]][]][];
}

export function serializeCatalog(data: CatalogData, digest: string): string {
  const out: PrebuiltCatalog = {
    digest,
    versions: [...data].map(([version, byKind]) => [version, [...byKind].map(([k, models]) => [k, [...models]])]),
  };
  return JSON.stringify(out);
}

/** The prebuilt catalog of `dir` when it exists and matches the files; undefined otherwise. */
export function loadPrebuiltCatalog(dir: string, file: string = PREBUILT_CATALOG_FILE): CatalogData | undefined {
  let pre: PrebuiltCatalog;
  try {
    pre = JSON.parse(fs.readFileSync(file, 'utf8')) as PrebuiltCatalog;
    if (pre.digest !== catalogDigest(dir)) return undefined;
  } catch {
    return undefined;
  }
  return new Map(pre.versions.map(([version, kinds]) => [version, new Map(kinds.map(([k, models]) => [k, deepFreeze(models)]))]));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
