// The build ships the providers schema's validator as ajv standalone code (scripts/
// build-validator.js). It must report exactly what the compiled validator reports, including
// the verbose fields the diagnostics use (parentSchema for "did you mean", data for literal
// secrets), on every document we have: examples, invalid fixtures, and mutations of both.
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import * as yaml from 'js-yaml';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileSchema, sha256, standaloneValidatorSource } from '../../src/config/schema-validator';
import { ROOT, SCHEMA_PATH } from './compile';

const schemaText = fs.readFileSync(SCHEMA_PATH, 'utf8');

/** Evaluates generated CommonJS as if it were a file in src/config (so its requires resolve). */
function load(source: string): ValidateFunction & { schemaSha256: string } {
  const mod = { exports: {} as unknown };
  const req = createRequire(path.join(ROOT, 'src', 'config', 'providers-validator.js'));
  new Function('module', 'exports', 'require', source)(mod, mod.exports, req);
  return mod.exports as ValidateFunction & { schemaSha256: string };
}

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f));
}

function documents(): unknown[] {
  const out: unknown[] = [];
  for (const f of [...yamlFiles(path.join(ROOT, 'examples')), ...yamlFiles(path.join(ROOT, 'test', 'fixtures'))]) {
    try {
      yaml.loadAll(fs.readFileSync(f, 'utf8'), (d) => out.push(d));
    } catch {
      // not YAML at all (binary, alias bombs, ...): the loader rejects those before the schema
    }
  }
  return out;
}

/** Deterministic mutations: every key dropped once, every scalar replaced by a wrong type. */
function mutations(doc: unknown, limit: number): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown, edit: (replace: (v: unknown) => unknown) => void): void => {
    if (out.length >= limit || node === null || typeof node !== 'object') return;
    for (const key of Object.keys(node)) {
      const rec = node as Record<string, unknown>;
      const original = rec[key];
      for (const v of [undefined, 42, 'x', [], { bogus: true }]) {
        if (out.length >= limit) return;
        edit(() => {
          if (v === undefined && !Array.isArray(node)) delete rec[key];
          else rec[key] = v;
        });
        rec[key] = original;
      }
      walk(original, edit);
    }
  };
  walk(doc, (apply) => {
    apply(undefined);
    out.push(structuredClone(doc));
  });
  return out;
}

const strip = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => ({ ...e, schema: JSON.stringify(e.schema), parentSchema: JSON.stringify(e.parentSchema) }));

describe('the standalone providers validator', () => {
  const compiled = compileSchema(JSON.parse(schemaText) as object);
  const standalone = load(standaloneValidatorSource(schemaText));

  test('is stamped with the sha256 of the schema it was made from', () => {
    expect(standalone.schemaSha256).toBe(sha256(schemaText));
    expect(load(standaloneValidatorSource(schemaText.replace('"title"', ' "title"'))).schemaSha256).not.toBe(sha256(schemaText));
  });

  test('reports the same errors as the compiled one on every document and mutation', () => {
    const docs = documents();
    const cases = [...docs, ...docs.slice(0, 20).flatMap((d) => mutations(structuredClone(d), 150))];
    expect(docs.length).toBeGreaterThan(50);
    expect(cases.length).toBeGreaterThan(1000);
    let invalid = 0;
    let verbose = 0;
    for (const doc of cases) {
      const a = compiled(doc);
      const aErrors = strip(compiled.errors);
      const b = standalone(doc);
      expect(b).toBe(a);
      expect(strip(standalone.errors)).toEqual(aErrors);
      if (!a) invalid++;
      verbose += aErrors.filter((e) => e.parentSchema !== undefined && 'data' in e).length;
    }
    // The comparison means something only if many cases fail validation, with verbose fields.
    expect(invalid).toBeGreaterThan(cases.length / 2);
    expect(verbose).toBeGreaterThan(cases.length);
  });
});
