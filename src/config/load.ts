// `cvctl validate` and the front half of plan/apply: files -> DesiredState + diagnostics.
//
// Per file: read defensively (source-file.ts), parse to events and values (yaml-compose.ts),
// validate each document with the JSON Schema (schema-validator.ts, schema-errors.ts), run
// the catalog checks (provider-checks.ts), then look up positions only for what needs one:
// every diagnostic, every provider and every secret reference (event-index.ts). The events
// are dropped before the next file, so memory stays proportional to the largest file.
// Across files: provider names must be unique.
import * as path from 'path';
import type { Catalog } from '../catalog/catalog';
import type { DesiredProvider, DesiredState, ProviderSpec, SourcePos } from '../domain/types';
import { DIAGNOSTIC_CODES } from './codes';
import { sortDiagnostics, type Diagnostic } from './diagnostics';
import { discoverFiles, type SourceFileRef } from './discover';
import { EventIndex, type PathSeg } from './event-index';
import { expandModels } from './expand';
import { buildProviderSpec } from './build-spec';
import { checkProviders, type RelatedProblem } from './provider-checks';
import { problem } from './problem';
import { schemaProblems } from './schema-errors';
import { validateDocument } from './schema-validator';
import { LineIndex, readSourceFile } from './source-file';
import { composeYaml, type ComposedDoc } from './yaml-compose';
import { quoteValue } from './text';

export interface LoadResult {
  desired: DesiredState;
  diagnostics: Diagnostic[];
  files: string[];
}

export interface LoadOptions {
  catalog: Catalog;
  /** Directory that paths are resolved against and file names shown relative to (default: process.cwd()). */
  cwd?: string;
}

interface FileOutcome {
  diagnostics: Diagnostic[];
  providers: ProviderSpec[];
  /** Every provider name written, valid provider or not, for the uniqueness check across files. */
  declared: Array<{ name: string; pos: SourcePos }>;
}

/** Everything needed to turn a path in one document into file:line:column. */
class DocLocator {
  constructor(
    private readonly file: string,
    private readonly index: EventIndex,
    private readonly lines: LineIndex,
    private readonly root: number,
  ) {}

  pos(p: PathSeg[], at: 'key' | 'value' = 'value'): SourcePos {
    const loc = this.index.locate(this.root, p);
    const { line, column } = this.lines.position(this.index.offsetFor(loc, at));
    return { file: this.file, line, column };
  }

  diagnostic(pr: RelatedProblem): Diagnostic {
    const at = this.pos(pr.path, pr.at);
    let message = pr.message;
    if (pr.related) {
      const r = this.pos(pr.related.path);
      message += ` (${pr.related.label} at line ${r.line}:${r.column})`;
    }
    return { severity: pr.severity, code: pr.code, message, file: this.file, line: at.line, column: at.column };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function loadDocument(doc: ComposedDoc, locator: DocLocator, file: SourceFileRef, catalog: Catalog, out: FileOutcome): void {
  if (!isRecord(doc.value)) {
    const what = Array.isArray(doc.value) ? 'a list' : quoteValue(doc.value);
    out.diagnostics.push(
      locator.diagnostic(problem('document-not-mapping', `a document must be a mapping with 'version' and 'providers', not ${what}`, [])),
    );
    return;
  }
  const schema = schemaProblems(validateDocument(doc.value), doc.value);
  // A value the schema already rejects (e.g. catalog: "latest") is not checked again.
  const rejected = new Set(schema.filter((p) => p.severity === 'error').map((p) => p.path.join('\u0000')));
  const checks = checkProviders(doc.value, catalog).filter((p) => !rejected.has(p.path.join('\u0000')));
  const problems: RelatedProblem[] = [...schema, ...checks];
  const broken = new Set<number>();
  for (const pr of problems) {
    out.diagnostics.push(locator.diagnostic(pr));
    if (pr.severity === 'error' && pr.path[0] === 'providers' && typeof pr.path[1] === 'number') broken.add(pr.path[1]);
  }
  const providers = doc.value.providers;
  if (!Array.isArray(providers) || problems.some((p) => p.severity === 'error' && p.path.length === 1 && p.path[0] === 'providers')) {
    return;
  }
  const baseDir = path.dirname(file.abs);
  providers.forEach((raw, i) => {
    if (isRecord(raw) && typeof raw.name === 'string') out.declared.push({ name: raw.name, pos: locator.pos(['providers', i]) });
    if (broken.has(i) || !isRecord(raw)) return;
    out.providers.push(buildProviderSpec(raw, { path: ['providers', i], pos: (p) => locator.pos(p), baseDir }));
  });
}

function loadFile(file: SourceFileRef, catalog: Catalog): FileOutcome {
  const out: FileOutcome = { diagnostics: [], providers: [], declared: [] };
  const read = readSourceFile(file.abs);
  if (!read.ok) {
    const { code, message, line, column } = read.problem;
    out.diagnostics.push({ severity: DIAGNOSTIC_CODES[code].severity, code, message, file: file.display, line, column });
    return out;
  }
  const lines = new LineIndex(read.text);
  const composed = composeYaml(read.text);
  for (const p of composed.problems) {
    const { line, column } = lines.position(p.offset);
    out.diagnostics.push({ severity: DIAGNOSTIC_CODES[p.code].severity, code: p.code, message: p.message, file: file.display, line, column });
  }
  const index = new EventIndex(read.text, composed.events);
  // A document with YAML errors other than duplicate keys (where the last value wins, as
  // everywhere) holds values that are not what was written: a dropped pair, a null for a
  // broken alias. Checking it further would only report consequences of the same mistake.
  const unsound = new Set(composed.problems.filter((p) => p.code !== 'duplicate-key').map((p) => p.doc));
  composed.docs.forEach((doc, d) => {
    if (doc.empty || doc.failed || unsound.has(d)) return;
    loadDocument(doc, new DocLocator(file.display, index, lines, doc.docEvent + 1), file, catalog, out);
  });
  // YAML-level errors (duplicate keys, bad tags, aliases) make the file's values suspect.
  if (composed.problems.length > 0) out.providers = [];
  return out;
}

function safeLoadFile(file: SourceFileRef, catalog: Catalog): FileOutcome {
  try {
    return loadFile(file, catalog);
  } catch (e) {
    // Never a stack trace for a file: report it and go on with the others.
    const message = e instanceof RangeError ? 'file is too deeply nested to process' : `could not process file: ${e instanceof Error ? e.message : String(e)}`;
    const code = e instanceof RangeError ? 'too-deep' : 'internal-error';
    return { diagnostics: [{ severity: 'error', code, message, file: file.display, line: 0, column: 0 }], providers: [], declared: [] };
  }
}

type Declared = FileOutcome['declared'][number];

/**
 * A name declared in several places (valid providers or not): a diagnostic at each place,
 * naming the others. Of the loadable providers, the first of each name is kept.
 */
function uniqueProviders(specs: ProviderSpec[], declared: Declared[], diagnostics: Diagnostic[]): ProviderSpec[] {
  const byName = new Map<string, Declared[]>();
  for (const d of declared) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
  for (const [name, group] of byName) {
    if (group.length === 1) continue;
    for (const d of group) {
      const others = group.filter((o) => o !== d).map((o) => `${o.pos.file}:${o.pos.line}:${o.pos.column}`);
      diagnostics.push({
        severity: 'error',
        code: 'duplicate-provider',
        message: `provider ${quoteValue(name)} is declared more than once; also at ${others.join(', ')}`,
        file: d.pos.file,
        line: d.pos.line,
        column: d.pos.column,
      });
    }
  }
  const seen = new Set<string>();
  return specs.filter((s) => !seen.has(s.name) && seen.add(s.name));
}

export async function loadConfig(paths: string[], opts: LoadOptions): Promise<LoadResult> {
  const cwd = opts.cwd ?? process.cwd();
  const found = discoverFiles(paths.length > 0 ? paths : ['.'], cwd);
  const diagnostics = [...found.diagnostics];
  const specs: ProviderSpec[] = [];
  const declared: Declared[] = [];
  for (const file of found.files) {
    const r = safeLoadFile(file, opts.catalog);
    diagnostics.push(...r.diagnostics);
    specs.push(...r.providers);
    declared.push(...r.declared);
  }
  const providers: DesiredProvider[] = uniqueProviders(specs, declared, diagnostics)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((spec) => ({ spec, models: expandModels(spec, opts.catalog) }));
  return { desired: { providers }, diagnostics: sortDiagnostics(diagnostics), files: found.files.map((f) => f.display) };
}
