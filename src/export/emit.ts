// Provider, model and grant blocks → YAML text of the file format, with the editor's schema comment first.
// cvctl reads files with the YAML 1.2 core schema, which the `yaml` package quotes for; a
// string that YAML 1.1 tools (older editors, linters) would read as a boolean, number or date
// (`on`, `0o12`, `2024-10-21`) is quoted too, so every tool reads the same file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, Scalar, parse, visit, isScalar, isMap } from 'yaml';
import { PROVIDERS_SCHEMA_PATH } from '../config/schema-validator';
import { escapeYamlQuoted, hasInvisible } from '../escape';

// Only these can be read as something other than a string by YAML 1.1; the rest is skipped cheaply.
const MAYBE_AMBIGUOUS = /^(?:[-+.]?[0-9.]|[yYnN]$|(?:yes|no|on|off|true|false|null)$|~$|\.)/i;

function ambiguousIn11(s: string): boolean {
  if (!MAYBE_AMBIGUOUS.test(s)) return false;
  try {
    return parse(s, { version: '1.1' }) !== s;
  } catch {
    return true;
  }
}

// Characters a YAML file may not hold raw (DEL, C1 controls, U+FFFE, U+FFFF; cvctl's reader
// refuses them as non-printable), and those no reviewer should see raw: bidi controls and
// invisible format characters (src/escape.ts). The `yaml` package escapes C0 controls in
// double quotes but writes these raw, so such strings are double-quoted and these escaped
// after writing (a YAML reader decodes \uXXXX back: the exported value is the same).
const NON_PRINTABLE_ALL = /[\uFFFE\uFFFF]/g;
const nonPrintable = (s: string): boolean => hasInvisible(s, { ignoreC0: true }) || /[\uFFFE\uFFFF]/.test(s);
const escapeNonPrintable = (text: string): string =>
  escapeYamlQuoted(text).replace(NON_PRINTABLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** One YAML document holding the given provider blocks, with the schema comment on top. */
export function providersDocument(blocks: Record<string, unknown>[], schemaRef: string): string {
  return yamlDocument({ providers: blocks }, schemaRef);
}

// Maps that read best on one line, like the examples: `pricing: {inputPerMTok: 2.5, outputPerMTok: 10}`,
// `subject: {group: engineering}`, `limits: {requestsPerMinute: 600}`.
const FLOW_KEYS = new Set(['pricing', 'subject', 'limits']);

/** One YAML document (`version: 1`, then `body`'s keys: providers, models, accessGrants), schema comment on top. */
export function yamlDocument(body: Record<string, unknown>, schemaRef: string): string {
  const doc = new Document({ version: 1, ...body });
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key === 'string' && FLOW_KEYS.has(key) && isMap(pair.value)) pair.value.flow = true;
      // The schema asks for a quoted catalog version ("2026.04.15").
      if (key === 'catalog' && isScalar(pair.value)) pair.value.type = Scalar.QUOTE_DOUBLE;
    },
    Scalar(_, node) {
      if (typeof node.value !== 'string') return;
      if (nonPrintable(node.value)) node.type = Scalar.QUOTE_DOUBLE;
      else if (node.type === undefined && ambiguousIn11(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  // Written by hand rather than as doc.commentBefore, which would add a blank line after it.
  // Every raw non-printable left is inside a double-quoted scalar (forced above), where \uXXXX is an escape.
  const text = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  return `# yaml-language-server: $schema=${schemaRef}\n${escapeNonPrintable(text)}`;
}

/** The schema's $id: where editors can fetch it when no relative path makes sense. */
export function schemaId(): string {
  const schema = JSON.parse(fs.readFileSync(PROVIDERS_SCHEMA_PATH, 'utf8')) as { $id?: string };
  return schema.$id ?? 'https://codevector.dev/schemas/cvctl/providers.schema.json';
}

/** The git work tree holding `dir` (the nearest folder with a .git entry), or null. */
export function repoRoot(dir: string): string | null {
  let d = path.resolve(dir);
  for (;;) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
}

function inside(p: string, root: string): boolean {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
}

/**
 * What the schema comment points at: a relative path from the output folder to this package's
 * schema when both are in the cwd's repository (an installed node_modules, or this repo), so
 * editors resolve it offline and the path is valid for everyone who clones; otherwise the
 * schema's $id URL (a relative path out of the repo would only work on this machine).
 */
export function schemaRefFor(outDir: string, cwd: string, schemaPath: string = PROVIDERS_SCHEMA_PATH): string {
  const root = repoRoot(cwd);
  const dir = path.resolve(cwd, outDir);
  if (root !== null && inside(dir, root) && inside(schemaPath, root)) {
    return path.relative(dir, schemaPath).split(path.sep).join('/');
  }
  return schemaId();
}
