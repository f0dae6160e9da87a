// The folder boundaries of docs/architecture.md, checked on every file of src/ (issue 14's
// "Done when"). Reads and parses files only: no database, no build, about a second.
// A rule that finds a violation lists each one as file:line, so the message is the to-do list.
// An exception is an entry of ALLOWED, with its reason; an entry that no longer matches fails too.
import { exitCodeFor } from '../../src/cli/exit';
import { CvctlError, ERROR_CODES, ERROR_TABLE } from '../../src/errors';
import { listSourceFiles, looksLikeSql, readFacts, type SourceFacts } from './source-facts';

const MAX_LINES = 400;

type Rule = 'sql-outside-state' | 'formatter-outside-render';

interface Allowed {
  rule: Rule;
  /** File relative to src/, or a pattern of such files. */
  file: string | RegExp;
  /** The exported function allowed (formatter rule only). */
  name?: string;
  reason: string;
}

const ALLOWED: Allowed[] = [
  {
    rule: 'formatter-outside-render',
    file: 'config/diagnostics.ts',
    name: 'formatDiagnostic',
    reason:
      "a diagnostic's one-line form (`file:line:col severity CODE message`), printed both by validate " +
      '(src/render/validate.ts) and by the loader for warnings; moves to src/render/ with render/validate.ts',
  },
];

const files: SourceFacts[] = listSourceFiles().map((f) => readFacts(f));
const byRel = new Map(files.map((f) => [f.rel, f]));
const used = new Set<Allowed>();

function allowed(rule: Rule, rel: string, name?: string): boolean {
  const a = ALLOWED.find(
    (e) => e.rule === rule && (typeof e.file === 'string' ? e.file === rel : e.file.test(rel)) && e.name === name,
  );
  if (a) used.add(a);
  return a !== undefined;
}

const inFolder = (rel: string, folder: string): boolean => rel.startsWith(`${folder}/`);

/** The pure stages: the planner (with drift) and the converter. */
const isPure = (rel: string): boolean => inFolder(rel, 'plan') || /^apply\/convert[^/]*\.ts$/.test(rel);

/** Packages that reach a database, a cloud API or the file system. */
const IMPURE_PACKAGE = /^(?:pg|pg-[\w-]+|@electric-sql\/pglite|@aws-sdk\/[\w-]+|(?:node:)?fs|(?:node:)?fs\/promises)(?:\/.*)?$/;

test('the rules see the whole tree', () => {
  // A parser or path mistake would make every rule pass vacuously.
  expect(files.length).toBeGreaterThan(100);
  for (const folder of ['app', 'apply', 'cli', 'plan', 'render', 'state']) {
    expect(files.some((f) => inFolder(f.rel, folder))).toBe(true);
  }
  expect(files.some((f) => f.strings.some((s) => looksLikeSql(s.text)))).toBe(true);
});

test(`no file in src/ has more than ${MAX_LINES} lines`, () => {
  const long = files.filter((f) => f.lineCount > MAX_LINES).map((f) => `${f.rel}: ${f.lineCount} lines`);
  expect(long).toEqual([]);
});

test('SQL statements appear only in src/state/', () => {
  const found: string[] = [];
  for (const f of files) {
    if (inFolder(f.rel, 'state')) continue;
    for (const s of f.strings) {
      if (looksLikeSql(s.text) && !allowed('sql-outside-state', f.rel)) {
        found.push(`${f.rel}:${s.line}: ${s.text.replace(/\s+/g, ' ').trim().slice(0, 60)}`);
      }
    }
  }
  expect(found).toEqual([]);
});

test('no module outside src/cli/ imports src/cli/', () => {
  const found = files
    .filter((f) => !inFolder(f.rel, 'cli'))
    .flatMap((f) => f.imports.filter((i) => i.target !== undefined && inFolder(i.target, 'cli')).map((i) => `${f.rel}:${i.line}: ${i.spec}`));
  expect(found).toEqual([]);
});

test('src/plan/ and the converter import no pg, AWS SDK or fs, and read no process.env, clock or randomness', () => {
  const found: string[] = [];
  for (const f of files.filter((x) => isPure(x.rel))) {
    for (const i of f.imports) if (IMPURE_PACKAGE.test(i.spec)) found.push(`${f.rel}:${i.line}: imports ${i.spec}`);
    for (const a of f.ambient) found.push(`${f.rel}:${a.line}: ${a.what}`);
  }
  expect(found).toEqual([]);
});

test('nothing the pure stages load at run time reaches pg, the AWS SDK, fs, process.env, a clock or randomness', () => {
  // The modules of src/ reachable from src/plan/ and the converter through imports that
  // survive compilation (an `import type` is erased): the helpers they use must be pure too.
  const seen = new Set<string>();
  const path = new Map<string, string>();
  const queue = files.filter((f) => isPure(f.rel)).map((f) => f.rel);
  for (const r of queue) path.set(r, r);
  const found: string[] = [];
  while (queue.length > 0) {
    const rel = queue.shift()!;
    if (seen.has(rel)) continue;
    seen.add(rel);
    const f = byRel.get(rel);
    if (!f) continue; // a JSON file or generated code: no imports of its own to follow here
    const via = path.get(rel)!;
    for (const i of f.imports) {
      if (i.typeOnly) continue;
      if (IMPURE_PACKAGE.test(i.spec)) found.push(`${via}: ${rel}:${i.line} imports ${i.spec}`);
      if (i.target !== undefined && !path.has(i.target)) {
        path.set(i.target, `${via} → ${i.target}`);
        queue.push(i.target);
      }
    }
    for (const a of f.ambient) found.push(`${via}: ${rel}:${a.line} ${a.what}`);
  }
  expect(seen.size).toBeGreaterThan(files.filter((f) => isPure(f.rel)).length);
  expect(found).toEqual([]);
});

describe('renderers live in src/render/', () => {
  const RENDERER_NAME = /^(?:render|format|print|draw)[A-Z]/;

  test('no module outside src/render/ is named like a renderer', () => {
    const found = files.filter((f) => !inFolder(f.rel, 'render') && /(?:^|\/)[^/]*render[^/]*$/i.test(f.rel)).map((f) => f.rel);
    expect(found).toEqual([]);
  });

  test('no module outside src/render/ exports a render*/format* function', () => {
    const found = files
      .filter((f) => !inFolder(f.rel, 'render'))
      .flatMap((f) =>
        f.exportedFunctions
          .filter((fn) => RENDERER_NAME.test(fn.name) && !allowed('formatter-outside-render', f.rel, fn.name))
          .map((fn) => `${f.rel}:${fn.line}: ${fn.name}`),
      );
    expect(found).toEqual([]);
  });

  test('only src/cli/ writes to the process streams (renderers return text, use cases return results)', () => {
    const found = files
      .filter((f) => !inFolder(f.rel, 'cli'))
      .flatMap((f) => f.streams.map((s) => `${f.rel}:${s.line}: ${s.what}`));
    expect(found).toEqual([]);
  });
});

describe('exit codes come from error codes, in one table', () => {
  test('an error exits with its code\'s exit code from ERROR_TABLE', () => {
    for (const code of ERROR_CODES) {
      expect(Number.isInteger(ERROR_TABLE[code].exit)).toBe(true);
      expect(exitCodeFor({ kind: 'error', error: new CvctlError(code, 'x') })).toBe(ERROR_TABLE[code].exit);
    }
  });

  test('only src/cli/exit.ts turns an error code into an exit code; only src/cli/main.ts exits', () => {
    const found: string[] = [];
    for (const f of files) {
      const text = f.text;
      if (f.rel !== 'cli/exit.ts' && /ERROR_TABLE\s*\[[^\]]+\]\s*\.\s*exit\b/.test(text)) found.push(`${f.rel}: reads ERROR_TABLE[…].exit`);
      if (f.rel !== 'cli/exit.ts' && /\bexport const EXIT_\w+\s*=/.test(text)) found.push(`${f.rel}: defines an EXIT_ constant`);
      if (f.rel !== 'cli/main.ts' && /\bprocess\s*\.\s*(?:exit\s*\(|exitCode\b)/.test(text.replace(/\/\/[^\n]*/g, ''))) {
        found.push(`${f.rel}: sets the process's exit code`);
      }
    }
    expect(found).toEqual([]);
  });
});

test('every ALLOWED entry is still needed', () => {
  // Runs last (jest runs a file's tests in order): the rules above have marked what they used.
  expect(ALLOWED.filter((a) => !used.has(a)).map((a) => `${a.rule} ${String(a.file)} ${a.name ?? ''}`)).toEqual([]);
});
