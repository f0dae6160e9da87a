// What the architecture test needs to know of each file in src/, read from its syntax tree
// (TypeScript's parser only: no type checking, so the whole tree parses in well under a second).
// A syntax tree, not regular expressions over the text, so that comments, a word in an error
// message or an import split over lines neither hide nor fake a finding.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

export const SRC = path.resolve(__dirname, '../../src');

export interface Located {
  /** 1-based line in the file. */
  line: number;
}

export interface ImportFact extends Located {
  /** The module specifier as written: 'pg', '../cli/context', 'node:fs'. */
  spec: string;
  /** Resolved to a file of src/ (relative, posix, with .ts) for a relative import; undefined for a package. */
  target: string | undefined;
  /** `import type` / `export type ... from`: erased at run time. */
  typeOnly: boolean;
}

export interface StringFact extends Located {
  /** The literal's text; a template's substitutions become `$x`. */
  text: string;
}

export interface SourceFacts {
  /** Relative to src/, posix separators: 'plan/diff.ts'. */
  rel: string;
  text: string;
  lineCount: number;
  imports: ImportFact[];
  strings: StringFact[];
  /** `process.env`, the clock (`Date.now()`, `new Date()` without an argument, `performance.now()`), randomness. */
  ambient: (Located & { what: string })[];
  /** `process.stdout`, `process.stderr`, `console.*`. */
  streams: (Located & { what: string })[];
  /** Functions the module exports by name: declarations and `export const f = (…) => …`. */
  exportedFunctions: (Located & { name: string })[];
}

/** Calls whose result depends on when or where they run: the clock and randomness. */
const AMBIENT_CALL = /^(?:Date\.now|performance\.now|process\.hrtime(?:\.bigint)?|Math\.random|(?:\w+\.)?(?:randomUUID|randomBytes|randomInt|getRandomValues))$/;

export function listSourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listSourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

export function relOf(file: string): string {
  return path.relative(SRC, file).split(path.sep).join('/');
}

/** A relative specifier resolved to a source file of src/ (`x` → `x.ts` or `x/index.ts`). */
function resolveImport(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const cand of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (cand.endsWith('.ts') && fs.existsSync(cand)) return relOf(cand);
  }
  // A JSON file or a generated module: still placed, so folder rules apply to it.
  return relOf(base);
}

export function readFacts(file: string, text = fs.readFileSync(file, 'utf8')): SourceFacts {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const facts: SourceFacts = {
    rel: relOf(file),
    text,
    lineCount: text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length,
    imports: [],
    strings: [],
    ambient: [],
    streams: [],
    exportedFunctions: [],
  };
  const addImport = (node: ts.Node, spec: string, typeOnly: boolean): void => {
    facts.imports.push({ spec, target: resolveImport(file, spec), typeOnly, line: lineOf(node) });
  };
  const isExported = (n: ts.Node): boolean =>
    ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      addImport(node, node.moduleSpecifier.text, node.importClause?.isTypeOnly === true);
      return; // the specifier is no string of interest
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      addImport(node, node.moduleSpecifier.text, node.isTypeOnly);
      return;
    }
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) addImport(node, e.text, node.isTypeOnly);
      return;
    }
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const arg = node.arguments[0];
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if ((isRequire || callee.kind === ts.SyntaxKind.ImportKeyword) && arg && ts.isStringLiteralLike(arg)) {
        addImport(node, arg.text, false);
      }
      const called = callee.getText(sf);
      if (AMBIENT_CALL.test(called)) facts.ambient.push({ what: `${called}()`, line: lineOf(node) });
    }
    if (ts.isNewExpression(node) && node.expression.getText(sf) === 'Date' && (node.arguments?.length ?? 0) === 0) {
      facts.ambient.push({ what: 'new Date()', line: lineOf(node) });
    }
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const obj = node.expression.text;
      const prop = node.name.text;
      if (obj === 'process' && prop === 'env') facts.ambient.push({ what: 'process.env', line: lineOf(node) });
      if (obj === 'process' && (prop === 'stdout' || prop === 'stderr')) facts.streams.push({ what: `process.${prop}`, line: lineOf(node) });
      if (obj === 'console') facts.streams.push({ what: `console.${prop}`, line: lineOf(node) });
    }
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      facts.strings.push({ text: node.text, line: lineOf(node) });
    }
    if (ts.isTemplateExpression(node)) {
      const text = node.head.text + node.templateSpans.map((s) => `$x${s.literal.text}`).join('');
      facts.strings.push({ text, line: lineOf(node) });
    }
    if (ts.isFunctionDeclaration(node) && node.name && isExported(node)) {
      facts.exportedFunctions.push({ name: node.name.text, line: lineOf(node) });
    }
    if (ts.isVariableStatement(node) && isExported(node)) {
      for (const d of node.declarationList.declarations) {
        const init = d.initializer;
        if (ts.isIdentifier(d.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
          facts.exportedFunctions.push({ name: d.name.text, line: lineOf(d) });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return facts;
}

/**
 * Does this string literal hold an SQL statement? A statement's opening words, at the start of
 * the literal (after blanks and `--` comments), with what must follow them (`select … from`,
 * `insert into`, `update X set`, `create table` …), or a whole DML clause anywhere in it. Prose
 * ("select a provider", "update the key") does not have that shape; a message quoting SQL
 * (e.g. "run `alter table …`") would be caught, and would belong in an allow-list entry.
 */
export function looksLikeSql(text: string): boolean {
  const s = text
    .replace(/^(?:\s*--[^\n]*\n)*/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  const opening =
    /^(?:select (?:[\s\S]*? from |[\w$*(]+(?: as \w+)?$|[\w$(]+\()|with (?:recursive )?\w+ as \(|insert into |update [\w".]+(?: (?:as )?\w+)? set |delete from |(?:create|alter|drop) (?:table|(?:unique )?index|schema|extension|trigger|(?:or replace )?function|view|sequence|type|policy|role) |truncate |copy [\w".$]+ ?\(|lock table |set (?:local |session )?[\w.]+ ?(?:=|to) |begin$|start transaction|(?:commit|rollback)(?:;| work| transaction| to savepoint)|savepoint |release savepoint |do \$\w*\$|(?:listen|notify) \w|(?:grant|revoke) (?:all|select|insert|update|delete|usage|execute|connect|create)\b)/;
  if (opening.test(s)) return true;
  return /\b(?:insert into [\w".]+ ?\(|delete from [\w".]+ where |update [\w".]+(?: (?:as )?\w+)? set [\w"]+ ?=|select [^']*? from [\w".]+ (?:\w+ )?(?:where|join|order by|group by)\b|on conflict (?:\(|on constraint|do ))/.test(s);
}
