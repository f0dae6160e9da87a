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
import { EventIndex, nodeOffset, type PathSeg } from './event-index';
import { expandModels } from './expand';
import { buildProviderSpec } from './build-spec';
import { checkProviders, type RelatedProblem } from './provider-checks';
import { renameDiagnostics } from './rename-checks';
import { problem, subject, type Problem } from './problem';
import { schemaProblems } from './schema-errors';
import { validateDocument } from './schema-validator';
import { LineIndex, readSourceFile } from './source-file';
import { composeYaml, type ComposedDoc } from './yaml-compose';
import { quoteKey, quoteValue } from './text';
import { hasSchemaComment, looksLikeCvctlDocument, NOT_CVCTL_MESSAGE } from './recognise';

export interface LoadResult {
  desired: DesiredState;
  diagnostics: Diagnostic[];
  /** The files read as cvctl's (at least one document of theirs was). */
  files: string[];
  /** Files found by walking a folder that held only other tools' YAML (recognise.ts). */
  skipped?: string[];
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
  /** Documents read as cvctl's, and documents skipped as another tool's (recognise.ts). */
  documents: number;
  skipped: number;
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

/** NUL or any surrogate: the only strings worth a closer look (a paired surrogate is fine). */
const SUSPECT_TEXT = /[\u0000\ud800-\udfff]/;

/**
 * Why a string cannot be stored as it is, if it cannot: PostgreSQL's text and jsonb refuse NUL,
 * and an unpaired UTF-16 surrogate (YAML's "\ud800") is not Unicode, so it has no UTF-8 form
 * (the driver would store U+FFFD instead, and every plan would then show a change).
 */
function unstorable(s: string): string | undefined {
  if (!SUSPECT_TEXT.test(s)) return undefined;
  if (s.includes('\u0000')) return 'a NUL character (\\u0000)';
  const m = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(s);
  if (m) return `an unpaired UTF-16 surrogate (\\u${m[0].charCodeAt(0).toString(16)})`;
  return undefined;
}

/** A node on the walk of unstorableText: its path is rebuilt from the parent links only when needed. */
interface WalkNode {
  value: unknown;
  parent: WalkNode | null;
  seg: PathSeg | null;
}

function pathOf(n: WalkNode): PathSeg[] {
  const out: PathSeg[] = [];
  for (let x: WalkNode | null = n; x && x.seg !== null; x = x.parent) out.push(x.seg);
  return out.reverse();
}

/**
 * Every key and string value of a document that cannot be stored. Iterative (nesting is bounded
 * by the parser, but an explicit stack costs nothing), and each collection is visited once even
 * when aliases repeat it.
 */
function unstorableText(root: unknown): Problem[] {
  const out: Problem[] = [];
  const visited = new Set<object>();
  const stack: WalkNode[] = [{ value: root, parent: null, seg: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) out.push(problem('invalid-value', `${subject(pathOf(node))} contains ${why}, which cannot be stored; remove it`, pathOf(node)));
      continue;
    }
    if (v === null || typeof v !== 'object' || visited.has(v)) continue;
    visited.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] !== 'number' && typeof v[i] !== 'boolean') stack.push({ value: v[i], parent: node, seg: i });
      continue;
    }
    for (const k of Object.keys(v)) {
      const why = unstorable(k);
      const child: WalkNode = { value: (v as Record<string, unknown>)[k], parent: node, seg: k };
      if (why) out.push(problem('invalid-key', `key ${quoteKey(k)} contains ${why}, which cannot be stored; remove it`, pathOf(child), 'key'));
      const cv = child.value;
      if (cv !== null && typeof cv !== 'number' && typeof cv !== 'boolean') stack.push(child);
    }
  }
  return out;
}

function loadDocument(doc: ComposedDoc, locator: DocLocator, file: SourceFileRef, catalog: Catalog, out: FileOutcome): void {
  if (!isRecord(doc.value)) {
    const what = Array.isArray(doc.value) ? 'a list' : quoteValue(doc.value);
    out.diagnostics.push(
      locator.diagnostic(problem('document-not-mapping', `a document must be a mapping with 'version' and 'providers', not ${what}`, [])),
    );
    return;
  }
  const fromSchema = schemaProblems(validateDocument(doc.value), doc.value);
  // Text PostgreSQL cannot hold is refused here, with a position, not by the database at apply.
  const seen = new Set(fromSchema.map((p) => p.path.join('\u0000')));
  const schema = [...fromSchema, ...unstorableText(doc.value).filter((p) => !seen.has(p.path.join('\u0000')))];
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
  const out: FileOutcome = { diagnostics: [], providers: [], declared: [], documents: 0, skipped: 0 };
  const read = readSourceFile(file.abs);
  if (!read.ok) {
    const { code, message, line, column } = read.problem;
    out.diagnostics.push({ severity: DIAGNOSTIC_CODES[code].severity, code, message, file: file.display, line, column });
    return out;
  }
  const lines = new LineIndex(read.text);
  const composed = composeYaml(read.text);
  // Another tool's document (found by walking a folder) is skipped with its YAML problems: it
  // is none of cvctl's business. A document whose value could not be built is never skipped.
  const allMine = file.explicit === true || hasSchemaComment(read.text);
  const skip = new Set<number>();
  composed.docs.forEach((doc, d) => {
    if (allMine || doc.empty || doc.failed || looksLikeCvctlDocument(doc.value)) return;
    skip.add(d);
    const first = composed.events[doc.docEvent + 1];
    const { line, column } = lines.position(first ? nodeOffset(read.text, first) : 0);
    out.diagnostics.push({ severity: 'info', code: 'not-cvctl-document', message: NOT_CVCTL_MESSAGE, file: file.display, line, column });
  });
  out.skipped = skip.size;
  const problems = composed.problems.filter((p) => !skip.has(p.doc));
  for (const p of problems) {
    const { line, column } = lines.position(p.offset);
    out.diagnostics.push({ severity: DIAGNOSTIC_CODES[p.code].severity, code: p.code, message: p.message, file: file.display, line, column });
  }
  const index = new EventIndex(read.text, composed.events);
  // A document with YAML errors other than duplicate keys (where the last value wins, as
  // everywhere) holds values that are not what was written: a dropped pair, a null for a
  // broken alias. Checking it further would only report consequences of the same mistake.
  const unsound = new Set(problems.filter((p) => p.code !== 'duplicate-key').map((p) => p.doc));
  composed.docs.forEach((doc, d) => {
    if (doc.empty || skip.has(d)) return;
    out.documents++;
    if (doc.failed || unsound.has(d)) return;
    loadDocument(doc, new DocLocator(file.display, index, lines, doc.docEvent + 1), file, catalog, out);
  });
  // YAML-level errors (duplicate keys, bad tags, aliases) make the file's values suspect.
  if (problems.length > 0) out.providers = [];
  return out;
}

function safeLoadFile(file: SourceFileRef, catalog: Catalog): FileOutcome {
  try {
    return loadFile(file, catalog);
  } catch (e) {
    // Never a stack trace for a file: report it and go on with the others.
    const message = e instanceof RangeError ? 'file is too deeply nested to process' : `could not process file: ${e instanceof Error ? e.message : String(e)}`;
    const code = e instanceof RangeError ? 'too-deep' : 'internal-error';
    return { diagnostics: [{ severity: 'error', code, message, file: file.display, line: 0, column: 0 }], providers: [], declared: [], documents: 1, skipped: 0 };
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
  let documents = 0;
  const skipped: string[] = [];
  for (const file of found.files) {
    const r = safeLoadFile(file, opts.catalog);
    diagnostics.push(...r.diagnostics);
    specs.push(...r.providers);
    declared.push(...r.declared);
    documents += r.documents;
    if (r.skipped > 0 && r.documents === 0) skipped.push(file.display);
  }
  const skippedFiles = skipped.length;
  if (documents === 0 && skippedFiles > 0) {
    // Only other tools' YAML: planning "nothing declared" would delete every provider.
    const where = paths.length === 0 ? '.' : paths.join(', ');
    diagnostics.push({
      severity: 'error',
      code: 'no-documents',
      message: `no cvctl document found in ${where}: ${skippedFiles === 1 ? '1 YAML file was' : `${skippedFiles} YAML files were`} skipped as not cvctl's (run with -v to list them)`,
      file: paths[0] ?? '.',
      line: 0,
      column: 0,
    });
  }
  const unique = uniqueProviders(specs, declared, diagnostics);
  diagnostics.push(...renameDiagnostics(unique, declared));
  const providers: DesiredProvider[] = unique
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((spec) => ({ spec, models: expandModels(spec, opts.catalog) }));
  const read = found.files.map((f) => f.display).filter((f) => !skipped.includes(f));
  return { desired: { providers }, diagnostics: sortDiagnostics(diagnostics), files: read, skipped };
}
