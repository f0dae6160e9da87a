#!/usr/bin/env node
'use strict';
// Generates the code table of docs/diagnostics.md from src/config/codes.ts (DIAGNOSTIC_CODES):
// every code `cvctl validate` (and plan/apply, which validate first) can report, its default
// severity and meaning, grouped by the `// Section` comments of that file.
//
//   node docs/gen/diagnostics.js           rewrite docs/diagnostics.md between the markers
//   node docs/gen/diagnostics.js --check   exit 1 when the committed doc is out of date
//
// codes.ts is read with the TypeScript compiler's parser (a devDependency), not a regex, so
// any valid way of writing the object literal works. test/docs/diagnostics.test.ts checks
// that the doc is current and that this reading equals the module's runtime value.
const fs = require('fs');
const path = require('path');
const { replaceGenerated, cell, code, text, runMain } = require('./markers');

const ROOT = path.resolve(__dirname, '..', '..');
const CODES_PATH = path.join(ROOT, 'src', 'config', 'codes.ts');
const DOC_PATH = path.join(ROOT, 'docs', 'diagnostics.md');
const NAME = 'diagnostics';

/** The object literal of `const NAME = {...}` in a source file (through `as const satisfies ...`). */
function objectLiteral(ts, sf, name, where) {
  let literal = null;
  sf.forEachChild((node) => {
    if (!ts.isVariableStatement(node)) return;
    for (const d of node.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) {
        let init = d.initializer;
        // `{...} as const satisfies Record<...>`
        while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) init = init.expression;
        literal = init;
      }
    }
  });
  if (!literal || !ts.isObjectLiteralExpression(literal)) throw new Error(`${name} object literal not found in ${where}`);
  return literal;
}

/** The file `import { name } from './x'` in codes.ts names, so `...name` can be read from it. */
function importedFrom(ts, sf, name) {
  let spec = null;
  sf.forEachChild((node) => {
    if (!ts.isImportDeclaration(node) || !node.importClause || !node.importClause.namedBindings) return;
    const b = node.importClause.namedBindings;
    if (ts.isNamedImports(b) && b.elements.some((e) => e.name.text === name)) spec = node.moduleSpecifier.text;
  });
  if (!spec || !spec.startsWith('.')) throw new Error(`...${name}: not imported from a local module of src/config`);
  return path.join(path.dirname(CODES_PATH), `${spec}.ts`);
}

/** [{section, code, severity, meaning}] in source order; `...NAME` spreads are read from NAME's module. */
function readCodes(sourceText = fs.readFileSync(CODES_PATH, 'utf8')) {
  const ts = require('typescript');
  const out = [];
  const state = { section: 'Other' };
  const read = (text, file, name) => {
    const sf = ts.createSourceFile(path.basename(file), text, ts.ScriptTarget.ES2022, true);
    const literal = objectLiteral(ts, sf, name, path.relative(ROOT, file));
    readEntries(ts, text, sf, literal, state, out, (spread) => {
      const from = importedFrom(ts, sf, spread);
      read(fs.readFileSync(from, 'utf8'), from, spread);
    });
  };
  read(sourceText, CODES_PATH, 'DIAGNOSTIC_CODES');
  return out;
}

function readEntries(ts, sourceText, sf, literal, state, out, spread) {
  const str = (n, what) => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
    throw new Error(`${what}: expected a string literal, got ${ts.SyntaxKind[n.kind]}`);
  };
  for (const prop of literal.properties) {
    const comments = ts.getLeadingCommentRanges(sourceText, prop.getFullStart()) || [];
    for (const c of comments) {
      const t = sourceText.slice(c.pos, c.end);
      const m = /^\/\/\s*(.+?)\s*$/.exec(t);
      if (m) state.section = m[1];
    }
    if (ts.isSpreadAssignment(prop) && ts.isIdentifier(prop.expression)) {
      spread(prop.expression.text);
      continue;
    }
    if (!ts.isPropertyAssignment(prop)) throw new Error('DIAGNOSTIC_CODES: only `code: {...}` entries and `...NAME` spreads are supported');
    const name = ts.isIdentifier(prop.name) ? prop.name.text : str(prop.name, 'code');
    if (!ts.isObjectLiteralExpression(prop.initializer)) throw new Error(`${name}: expected {severity, meaning}`);
    const fields = {};
    for (const f of prop.initializer.properties) {
      if (!ts.isPropertyAssignment(f)) throw new Error(`${name}: unsupported member`);
      fields[ts.isIdentifier(f.name) ? f.name.text : str(f.name, 'key')] = str(f.initializer, `${name}.${f.name.getText()}`);
    }
    if (!fields.severity || !fields.meaning) throw new Error(`${name}: needs severity and meaning`);
    out.push({ section: state.section, code: name, severity: fields.severity, meaning: fields.meaning });
  }
}

function render(codes) {
  const out = [];
  const counts = codes.reduce((m, c) => ((m[c.severity] = (m[c.severity] || 0) + 1), m), {});
  out.push(
    `${codes.length} codes: ${Object.entries(counts)
      .map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`)
      .join(', ')}. Source: [\`src/config/codes.ts\`](../src/config/codes.ts).`,
    '',
  );
  const sections = [...new Set(codes.map((c) => c.section))];
  out.push('| Section | Codes |', '| --- | --- |');
  for (const s of sections) {
    out.push(`| [${cell(text(s))}](#${s.toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/ /g, '-')}) | ${codes.filter((c) => c.section === s).map((c) => code(c.code)).join(', ')} |`);
  }
  out.push('');
  for (const s of sections) {
    out.push(`### ${s}`, '', '| Code | Severity | Meaning |', '| --- | --- | --- |');
    for (const c of codes.filter((x) => x.section === s)) {
      out.push(`| <a id="${c.code}"></a>${code(c.code)} | ${c.severity} | ${cell(text(c.meaning))} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

function expectedDoc(current, codes = readCodes()) {
  return replaceGenerated(current, render(codes), NAME);
}

module.exports = { readCodes, render, expectedDoc, DOC_PATH, CODES_PATH };

if (require.main === module) runMain(NAME, DOC_PATH, (current) => expectedDoc(current));
