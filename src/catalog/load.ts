// Reading and checking catalog files. A catalog directory holds `<kind>.yaml` for the current
// version and, optionally, `<version>/<kind>.yaml` for older versions still pinned by users
// (so bumping the bundled catalog never breaks a provider that pins the previous one).
// Everything is checked up front: a broken bundled catalog is a packaging bug and must fail
// loudly, with file:line:column, on the first command that needs it, never half-load.
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { PROVIDER_KINDS, type ModelKind, type ProviderKind } from '../domain/kinds';
import type { Pricing } from '../domain/types';
import { CatalogError } from './error';
import { catalogFiles } from './prebuilt';

/** One model of the catalog, as the catalog file states it. */
export interface CatalogModel {
  id: string;
  kind: ModelKind;
  contextWindow: number | null;
  pricing: Pricing | null;
}

export { CatalogError } from './error';

/** version -> kind -> models, in file order. */
export type CatalogData = Map<string, Map<ProviderKind, readonly CatalogModel[]>>;

const SCHEMA_PATH = path.resolve(__dirname, '../../schemas/catalog.schema.json');
const YAML_RE = /\.ya?ml$/;

let validator: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!validator) {
    let schema: object;
    try {
      schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')) as object;
    } catch (e) {
      throw new CatalogError(`cannot read the catalog schema ${SCHEMA_PATH}: ${(e as Error).message}`);
    }
    // allowUnionTypes: contextWindow is ["integer", "null"]; strict otherwise, so a typo in the
    // schema itself fails here instead of silently accepting everything.
    validator = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true }).compile(schema);
  }
  return validator;
}

/** Where a JSON pointer from ajv lands in the YAML source, as "line:column" (best effort). */
function positionOf(doc: Document, lc: LineCounter, pointer: string): string {
  const segs: (string | number)[] = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
  // Walk up until a node with a source range is found (the root always has one).
  for (let n = segs.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(segs.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) {
      const { line, col } = lc.linePos(range[0]);
      return `${line}:${col}`;
    }
  }
  return '1:1';
}

function describeAjvError(err: ErrorObject): string {
  const at = err.instancePath || '(top level)';
  const p = err.params as Record<string, unknown>;
  if (err.keyword === 'additionalProperties') return `${at}: unknown property "${String(p.additionalProperty)}"`;
  if (err.keyword === 'enum') return `${at}: must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
  return `${at}: ${err.message ?? 'is invalid'}`;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

interface LoadedFile {
  kind: ProviderKind;
  version: string;
  models: CatalogModel[];
}

/** Parses and validates one file; `shown` is the path used in messages. */
function loadFile(file: string, shown: string): LoadedFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CatalogError(`${shown}: cannot read: ${(e as Error).message}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const { line, col } = lc.linePos(e.pos[0]);
    throw new CatalogError(`${shown}:${line}:${col}: ${e.message.split('\n')[0]}`);
  }
  const value: unknown = doc.toJS();
  const validate = schemaValidator();
  if (!validate(value)) {
    const err = validate.errors![0];
    throw new CatalogError(`${shown}:${positionOf(doc, lc, err.instancePath)}: ${describeAjvError(err)}`);
  }
  const data = value as LoadedFile;
  const expected = path.basename(file).replace(YAML_RE, '');
  if (data.kind !== expected) {
    throw new CatalogError(`${shown}: declares kind "${data.kind}" but the file name says "${expected}"`);
  }
  const seen = new Set<string>();
  data.models.forEach((m, i) => {
    if (seen.has(m.id)) {
      throw new CatalogError(`${shown}:${positionOf(doc, lc, `/models/${i}/id`)}: duplicate model id "${m.id}"`);
    }
    seen.add(m.id);
  });
  return data;
}

/**
 * Loads every catalog file under `dir` (top level, plus version-named subfolders; anything
 * else, like the build/ folder, is ignored). Every version present must cover every kind.
 */
export function loadCatalogDir(dir: string): CatalogData {
  const shownBase = path.dirname(path.resolve(dir));
  const show = (f: string) => path.relative(shownBase, f) || f;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new CatalogError(`cannot read the catalog folder ${dir}: ${(e as Error).message}`);
  }

  // The same listing as the prebuilt catalog's digest (./prebuilt).
  const files = entries.length ? catalogFiles(dir) : [];
  if (!files.length) throw new CatalogError(`no catalog files (*.yaml) in ${dir}`);

  const data: CatalogData = new Map();
  const origin = new Map<string, string>(); // "version/kind" -> file, to report duplicates
  for (const { file, subVersion } of files) {
    const f = loadFile(file, show(file));
    if (subVersion && f.version !== subVersion) {
      throw new CatalogError(`${show(file)}: version "${f.version}" does not match its folder ${subVersion}/`);
    }
    const key = `${f.version}/${f.kind}`;
    const prev = origin.get(key);
    if (prev) throw new CatalogError(`${show(file)}: kind ${f.kind} at version ${f.version} is also defined in ${prev}`);
    origin.set(key, show(file));
    let byKind = data.get(f.version);
    if (!byKind) data.set(f.version, (byKind = new Map()));
    byKind.set(f.kind, deepFreeze(f.models));
  }

  for (const [version, byKind] of data) {
    const missing = PROVIDER_KINDS.filter((k) => !byKind.has(k));
    if (missing.length) {
      throw new CatalogError(`catalog version ${version} in ${dir} has no file for kind(s): ${missing.join(', ')}`);
    }
  }
  return data;
}
