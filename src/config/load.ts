// `cvctl validate` and the front half of plan/apply: files -> DesiredState + diagnostics.
//
// Per file: read defensively (source-file.ts), parse to events and values (yaml-compose.ts),
// validate each document with the JSON Schema (schema-validator.ts, schema-errors.ts), run
// the catalog checks (provider-checks.ts), then look up positions only for what needs one:
// every diagnostic, every provider and every secret reference (event-index.ts). The events
// are dropped before the next file, so memory stays proportional to the largest file.
// Across files: provider and model names must be unique, the rules of models and grants
// that need no database hold (routing-checks.ts), and at most one document holds a `policy`
// (policy-spec.ts). The policy's own rules are checked only when asked (`checkPolicy`, for
// `validate`): plan checks them itself, against the database as the plan leaves it.
import * as path from 'path';
import type { Catalog } from '../catalog/catalog';
import type { AccessGrantSpec, ModelSpec } from '../domain/routing';
import type { DesiredProvider, DesiredState, ProviderSpec, SourcePos } from '../domain/types';
import { DIAGNOSTIC_CODES } from './codes';
import { sortDiagnostics, type Diagnostic } from './diagnostics';
import { discoverFiles, type SourceFileRef } from './discover';
import { EventIndex, nodeOffset, type PathSeg } from './event-index';
import { expandModels } from './expand';
import { buildProviderSpec, pricingPositions } from './build-spec';
import { buildGrantSpec, buildModelSpec } from './build-routing';
import { buildPolicySpec, checkPolicySections, type PolicySpec } from './policy-spec';
import { checkPolicyStatic } from '../plan/policy';
import { policyInputsFromDesired } from '../plan/policy-inputs';
import { checkProviders, type RelatedProblem } from './provider-checks';
import { renameDiagnostics } from './rename-checks';
import { checkGrantsDocument, duplicateNames, firstOfEachName, routingDiagnostics, type Declared } from './routing-checks';
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
  /** The time expiries are compared with (default: now). */
  now?: Date;
  /** Report violations of the policy rules that need no database (`validate`). */
  checkPolicy?: boolean;
}

interface FileContext {
  catalog: Catalog;
  now: Date;
}

interface FileOutcome {
  diagnostics: Diagnostic[];
  providers: ProviderSpec[];
  /** Every provider name written, valid provider or not, for the uniqueness check across files. */
  declared: Declared[];
  models: ModelSpec[];
  /** Every model name written, valid model or not. */
  declaredModels: Declared[];
  grants: AccessGrantSpec[];
  /** Every `policy` section (its key), with its rules when the section could be read. */
  policies: Array<{ pos: SourcePos; spec?: PolicySpec }>;
  /** `provider\0modelId` -> where a custom entry disables that provider model. */
  disabledAt: Map<string, SourcePos>;
  /** Fills in a provider's custom price positions: run only when the policy has a price rule. */
  pricedAt: Array<() => void>;
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

/** Records where custom entries disable a provider model (named by routing diagnostics). */
function noteDisabledModels(raw: Record<string, unknown>, at: PathSeg[], locator: DocLocator, out: FileOutcome): void {
  const custom = isRecord(raw.models) && Array.isArray(raw.models.custom) ? raw.models.custom : [];
  custom.forEach((c, j) => {
    if (isRecord(c) && c.status === 'disabled' && typeof c.id === 'string') {
      out.disabledAt.set(`${String(raw.name)}\u0000${c.id}`, locator.pos([...at, 'models', 'custom', j, 'status']));
    }
  });
}

/**
 * The entries of one top-level list (`providers`, `models`, `accessGrants`) that can be loaded:
 * none when the list itself is wrong, else those without an error of their own. `name`, when
 * given, records every entry's name (loadable or not) for the uniqueness checks across files.
 */
function loadableItems(
  doc: Record<string, unknown>,
  section: string,
  problems: RelatedProblem[],
  locator: DocLocator,
  declared?: Declared[],
): Array<[Record<string, unknown>, number]> {
  const items = doc[section];
  const errors = problems.filter((p) => p.severity === 'error' && p.path[0] === section);
  if (!Array.isArray(items) || errors.some((p) => p.path.length === 1)) return [];
  const broken = new Set(errors.map((p) => p.path[1]));
  const out: Array<[Record<string, unknown>, number]> = [];
  items.forEach((raw, i) => {
    if (declared && isRecord(raw) && typeof raw.name === 'string') declared.push({ name: raw.name, pos: locator.pos([section, i]) });
    if (!broken.has(i) && isRecord(raw)) out.push([raw, i]);
  });
  return out;
}

function loadDocument(doc: ComposedDoc, locator: DocLocator, file: SourceFileRef, ctx: FileContext, out: FileOutcome): void {
  if (!isRecord(doc.value)) {
    const what = Array.isArray(doc.value) ? 'a list' : quoteValue(doc.value);
    out.diagnostics.push(
      locator.diagnostic(
        problem('document-not-mapping', `a document must be a mapping with 'version' and 'providers', 'models', 'accessGrants' or 'policy', not ${what}`, []),
      ),
    );
    return;
  }
  const fromSchema = schemaProblems(validateDocument(doc.value), doc.value);
  // Text PostgreSQL cannot hold is refused here, with a position, not by the database at apply.
  const seen = new Set(fromSchema.map((p) => p.path.join('\u0000')));
  const schema = [...fromSchema, ...unstorableText(doc.value).filter((p) => !seen.has(p.path.join('\u0000')))];
  // A value the schema already rejects (e.g. catalog: "latest") is not checked again.
  const rejected = new Set(schema.filter((p) => p.severity === 'error').map((p) => p.path.join('\u0000')));
  const checks = [...checkProviders(doc.value, ctx.catalog), ...checkGrantsDocument(doc.value, ctx.now)].filter(
    (p) => !rejected.has(p.path.join('\u0000')),
  );
  const problems: RelatedProblem[] = [...schema, ...checks];
  for (const pr of problems) out.diagnostics.push(locator.diagnostic(pr));
  const pos = (p: PathSeg[]): SourcePos => locator.pos(p);
  const baseDir = path.dirname(file.abs);
  for (const [raw, i] of loadableItems(doc.value, 'providers', problems, locator, out.declared)) {
    const spec = buildProviderSpec(raw, { path: ['providers', i], pos, baseDir });
    out.providers.push(spec);
    out.pricedAt.push(() => spec.at!.pricing.push(...pricingPositions(raw, { path: ['providers', i], pos })));
    noteDisabledModels(raw, ['providers', i], locator, out);
  }
  for (const [raw, i] of loadableItems(doc.value, 'models', problems, locator, out.declaredModels)) {
    out.models.push(buildModelSpec(raw, { path: ['models', i], pos }));
  }
  for (const [raw, i] of loadableItems(doc.value, 'accessGrants', problems, locator)) {
    out.grants.push(buildGrantSpec(raw, { path: ['accessGrants', i], pos }));
  }
  if (doc.value.policy !== undefined) {
    // Rules point at their keys: `requireFallback` reads better than its `true`.
    const keyPos = (p: PathSeg[]): SourcePos => locator.pos(p, 'key');
    const raw = doc.value.policy;
    // A rule with an error of its own (reported above) is left out, not half applied.
    const broken = new Set(problems.filter((p) => p.severity === 'error' && p.path[0] === 'policy').map((p) => p.path[1]));
    const rules = isRecord(raw) ? Object.fromEntries(Object.entries(raw).filter(([k]) => !broken.has(k))) : undefined;
    out.policies.push({ pos: keyPos(['policy']), spec: rules ? buildPolicySpec(rules, { path: ['policy'], pos: keyPos }) : undefined });
  }
}

function emptyOutcome(): FileOutcome {
  return {
    diagnostics: [],
    providers: [],
    declared: [],
    models: [],
    declaredModels: [],
    grants: [],
    policies: [],
    disabledAt: new Map(),
    pricedAt: [],
    documents: 0,
    skipped: 0,
  };
}

function loadFile(file: SourceFileRef, ctx: FileContext): FileOutcome {
  const out = emptyOutcome();
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
    loadDocument(doc, new DocLocator(file.display, index, lines, doc.docEvent + 1), file, ctx, out);
  });
  // YAML-level errors (duplicate keys, bad tags, aliases) make the file's values suspect.
  if (problems.length > 0) {
    out.providers = [];
    out.models = [];
    out.grants = [];
    out.policies = out.policies.map(({ pos }) => ({ pos }));
  }
  return out;
}

function safeLoadFile(file: SourceFileRef, ctx: FileContext): FileOutcome {
  try {
    return loadFile(file, ctx);
  } catch (e) {
    // Never a stack trace for a file: report it and go on with the others.
    const message = e instanceof RangeError ? 'file is too deeply nested to process' : `could not process file: ${e instanceof Error ? e.message : String(e)}`;
    const code = e instanceof RangeError ? 'too-deep' : 'internal-error';
    return { ...emptyOutcome(), diagnostics: [{ severity: 'error', code, message, file: file.display, line: 0, column: 0 }], documents: 1 };
  }
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export async function loadConfig(paths: string[], opts: LoadOptions): Promise<LoadResult> {
  const cwd = opts.cwd ?? process.cwd();
  const found = discoverFiles(paths.length > 0 ? paths : ['.'], cwd);
  const diagnostics = [...found.diagnostics];
  const all = emptyOutcome();
  const skipped: string[] = [];
  const ctx: FileContext = { catalog: opts.catalog, now: opts.now ?? new Date() };
  for (const file of found.files) {
    const r = safeLoadFile(file, ctx);
    diagnostics.push(...r.diagnostics);
    all.providers.push(...r.providers);
    all.declared.push(...r.declared);
    all.models.push(...r.models);
    all.declaredModels.push(...r.declaredModels);
    all.grants.push(...r.grants);
    all.policies.push(...r.policies);
    all.pricedAt.push(...r.pricedAt);
    for (const [k, v] of r.disabledAt) all.disabledAt.set(k, v);
    all.documents += r.documents;
    if (r.skipped > 0 && r.documents === 0) skipped.push(file.display);
  }
  const skippedFiles = skipped.length;
  if (all.documents === 0 && skippedFiles > 0) {
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
  // Of each name declared more than once (an error at every place), the first loadable one is kept.
  diagnostics.push(...duplicateNames(all.declared, 'duplicate-provider', 'provider'));
  const unique = firstOfEachName(all.providers);
  diagnostics.push(...renameDiagnostics(unique, all.declared));
  const providers: DesiredProvider[] = unique.sort(byName).map((spec) => ({ spec, models: expandModels(spec, opts.catalog) }));
  const models = firstOfEachName(all.models).sort(byName);
  diagnostics.push(
    ...routingDiagnostics({
      providers,
      declaredProviders: all.declared,
      disabledAt: all.disabledAt,
      models,
      declaredModels: all.declaredModels,
      grants: all.grants,
    }),
  );
  const read = found.files.map((f) => f.display).filter((f) => !skipped.includes(f));
  const desired: DesiredState = { providers, models, accessGrants: all.grants };
  diagnostics.push(...checkPolicySections(all.policies.map((p) => p.pos)));
  // With two sections, which rules apply is unclear: none do until one is removed.
  const policy = all.policies.length === 1 ? all.policies[0].spec : undefined;
  if (policy) {
    if (policy.maxPricePerMTok) for (const fill of all.pricedAt) fill();
    desired.policy = policy;
    if (opts.checkPolicy) diagnostics.push(...checkPolicyStatic(policy, policyInputsFromDesired(desired)));
  }
  return { desired, diagnostics: sortDiagnostics(diagnostics), files: read, skipped };
}
