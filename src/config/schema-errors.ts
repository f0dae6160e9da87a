// ajv errors -> one Problem per real mistake. ajv with allErrors reports wrappers next to
// the errors that explain them ("must match \"then\" schema", "must match exactly one
// schema in oneOf", "property name must be valid"); those are folded away here, literal
// secrets are recognised before anything could quote them, and each keyword gets a stable
// code and a message written for people editing YAML, not for schema authors.
import type { ErrorObject } from 'ajv';
import type { PathSeg } from './event-index';
import { isSensitivePath, parsePointer, problem, startsWith, subject, type Problem } from './problem';
import { quoteKey, quoteValue, suggest, typeName } from './text';

type AjvError = ErrorObject<string, Record<string, unknown>, unknown>;

interface Err {
  e: AjvError;
  path: PathSeg[];
}

/** A problem under construction: value problems at one place are merged before wording. */
interface Draft extends Problem {
  /** invalid-value: what the value must be ("must match ^x$"); invalid-type: the types it may
   * have. Merged with the others at the same place. */
  requirements?: string[];
  /** invalid-value: "; got 'x'" (empty where values are sensitive); invalid-type: the actual type. */
  got?: string;
  /** unknown-key: the suggested key, which makes a missing-property for that key redundant. */
  suggestion?: string;
  /** missing-property: the key that is missing (or, for "needs a, or b", each key that would do). */
  missing?: string | string[];
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** Schema keys that only annotate; a oneOf branch with just these and `required` is a key set. */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples']);

function typeWords(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => TYPE_NAMES[String(x)] ?? String(x)).join(' or ');
}

function aTypeName(v: unknown): string {
  const t = typeName(v);
  if (t === 'null') return 'empty (null)';
  if (t === 'boolean') return 'true/false';
  return t === 'integer' ? 'a number' : `a ${t}`;
}

function got(v: unknown, path: readonly PathSeg[]): string {
  return isSensitivePath(path) ? '' : `; got ${quoteValue(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Paths of literal secrets: a scalar where a secret reference (or the credentials mapping) belongs. */
function literalSecrets(errs: Err[]): PathSeg[][] {
  const out: PathSeg[][] = [];
  for (const { e, path } of errs) {
    const placed = (path.length === 4 || path.length === 3) && isSensitivePath(path);
    const scalar = typeof e.data === 'string' || typeof e.data === 'number';
    if (placed && e.keyword === 'type' && scalar) out.push(path);
  }
  return out;
}

/** OPENAI_API_KEY for (openai, apiKey): a plausible variable name for the hint. */
function envName(doc: unknown, path: PathSeg[]): string {
  const providers = isRecord(doc) && Array.isArray(doc.providers) ? doc.providers : [];
  const p = providers[Number(path[1])];
  const kind = isRecord(p) && typeof p.kind === 'string' ? p.kind : '';
  const field = String(path[3]).replace(/([a-z0-9])([A-Z])/g, '$1_$2');
  return `${kind}_${field}`.replace(/^_/, '').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

function literalSecretProblem(path: PathSeg[], doc: unknown): Draft {
  if (path.length === 3) {
    return problem(
      'literal-secret',
      "'credentials' holds a literal value; it must be a mapping of secret references such as apiKey: {from: env, name: ...} (the value is not shown)",
      path,
    );
  }
  return problem(
    'literal-secret',
    `${quoteKey(String(path[3]))} holds a literal value, but secrets never live in git: use a secret reference such as {from: env, name: ${envName(doc, path)}} (the value is not shown)`,
    path,
  );
}

/** "apiKey, or tenantId + clientId + clientSecret" for a oneOf/anyOf of `{required: [...]}` branches. */
function requiredAlternatives(schema: unknown): string | undefined {
  if (!Array.isArray(schema)) return undefined;
  const parts: string[] = [];
  for (const branch of schema) {
    if (!isRecord(branch) || !Array.isArray(branch.required)) return undefined;
    if (Object.keys(branch).some((k) => k !== 'required' && !ANNOTATIONS.has(k))) return undefined;
    parts.push(branch.required.join(' + '));
  }
  return parts.join(', or ');
}

/** Folds oneOf/anyOf wrappers: keeps the closest branch's errors, or one summary problem. */
function foldAlternatives(errs: Err[], out: Draft[]): Err[] {
  const wrappers = errs.filter(({ e }) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const drop = new Set<Err>(wrappers);
  for (const w of wrappers) {
    const prefix = w.e.schemaPath + '/';
    const branchErrs = errs.filter((x) => x !== w && x.e.schemaPath.startsWith(prefix) && startsWith(x.path, w.path));
    const alts = requiredAlternatives(w.e.schema);
    if (Array.isArray((w.e.params as { passingSchemas?: unknown }).passingSchemas)) {
      const msg = alts ? `set only one of: ${alts}` : 'matches more than one of the allowed forms; keep the keys of only one';
      out.push(problem('ambiguous-alternative', `${subject(w.path)}: ${msg}`, w.path));
      continue;
    }
    if (branchErrs.length === 0) {
      // Branch errors reached through a $ref carry that definition's schemaPath and cannot
      // be tied to the wrapper; if any error sits at or under it, they explain it.
      if (!errs.some((x) => x !== w && !wrappers.includes(x) && startsWith(x.path, w.path))) {
        out.push(problem('schema-violation', `${subject(w.path)} does not match any of the allowed forms`, w.path));
      }
      continue;
    }
    if (alts && branchErrs.every((x) => x.e.keyword === 'required')) {
      branchErrs.forEach((x) => drop.add(x));
      // A dependentRequired error at the same place already says what is missing, more precisely.
      const dep = errs.some((x) => x.e.keyword === 'dependentRequired' && x.path.length === w.path.length && startsWith(x.path, w.path));
      const keys = (w.e.schema as Array<{ required: string[] }>).flatMap((b) => b.required);
      if (!dep) out.push({ ...problem('missing-property', `${subject(w.path)} needs ${alts}`, w.path), missing: keys });
      continue;
    }
    // Keep the branch with the fewest errors: the one the author most likely meant.
    const byBranch = new Map<string, Err[]>();
    for (const x of branchErrs) {
      const b = x.e.schemaPath.slice(prefix.length).split('/')[0];
      byBranch.set(b, [...(byBranch.get(b) ?? []), x]);
    }
    const best = [...byBranch.values()].sort((a, b) => a.length - b.length)[0];
    branchErrs.filter((x) => !best.includes(x)).forEach((x) => drop.add(x));
  }
  return errs.filter((x) => !drop.has(x));
}

/** Property-name errors: one invalid-key at the offending key, with the reasons. */
function foldPropertyNames(errs: Err[], out: Draft[]): Err[] {
  const inner = errs.filter(({ e }) => e.propertyName !== undefined);
  for (const { e, path } of errs) {
    if (e.keyword !== 'propertyNames') continue;
    const name = String((e.params as { propertyName?: unknown }).propertyName);
    const why = inner.filter((x) => x.e.propertyName === name && startsWith(x.path, path)).map((x) => x.e.message);
    out.push(problem('invalid-key', `key ${quoteKey(name)} is not allowed here${why.length ? ': ' + why.join('; ') : ''}`, [...path, name], 'key'));
  }
  return errs.filter(({ e }) => e.propertyName === undefined && e.keyword !== 'propertyNames');
}

function invalidValue(path: PathSeg[], requirement: string, data: unknown, extra = ''): Draft {
  return { ...problem('invalid-value', '', path), requirements: [requirement], got: got(data, path) + extra };
}

function keywordProblem({ e, path }: Err): Draft | undefined {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const key = String(p.missingProperty);
      return { ...problem('missing-property', `missing required key ${quoteKey(key)}`, path), missing: key };
    }
    case 'dependentRequired':
      return problem('missing-property', `${quoteKey(String(p.property))} also needs ${String(p.deps).split(', ').map(quoteKey).join(', ')}`, path);
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const s = suggest(key, allowed);
      let hint = s === undefined ? '' : ` (did you mean ${quoteKey(s)}?)`;
      if (!hint) hint = allowed.length === 0 ? ' (no keys are allowed here)' : allowed.length <= 15 ? ` (allowed: ${allowed.join(', ')})` : '';
      // Under credentials, a key that is not a plain identifier may be a pasted secret.
      const shown = isSensitivePath(path) && !PLAIN_KEY.test(key) ? '(name not shown)' : quoteKey(key);
      return { ...problem('unknown-key', `unknown key ${shown}${hint}`, [...path, key], 'key'), suggestion: s };
    }
    case 'type':
      return { ...problem('invalid-type', '', path), requirements: [typeWords(p.type)], got: aTypeName(e.data) };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const s = isSensitivePath(path) || typeof e.data !== 'string' ? undefined : suggest(e.data, allowed);
      return invalidValue(path, `must be one of ${allowed.join(', ')}`, e.data, s === undefined ? '' : ` (did you mean ${quoteKey(s)}?)`);
    }
    case 'const':
      return invalidValue(path, `must be ${JSON.stringify(p.allowedValue)}`, e.data);
    case 'pattern':
      return invalidValue(path, `must match ${String(p.pattern)}`, e.data);
    case 'format':
      return invalidValue(path, `must be a valid ${String(p.format)}`, e.data);
    case 'uniqueItems': {
      const later = Math.max(Number(p.i), Number(p.j));
      const item = Array.isArray(e.data) && !isSensitivePath(path) ? `${quoteValue(e.data[later])} ` : '';
      return problem('duplicate-item', `${item}is listed twice in ${subject(path)} (items ${Math.min(Number(p.i), Number(p.j))} and ${later})`, [...path, later]);
    }
    case 'minLength':
    case 'maxLength':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf':
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties':
      return invalidValue(path, e.message ?? 'is out of range', Array.isArray(e.data) || isRecord(e.data) ? undefined : e.data);
    case 'discriminator': {
      const tag = String(p.tag ?? 'from');
      if (p.error === 'tag') return { ...problem('missing-property', `missing required key ${quoteKey(tag)}`, path), missing: tag };
      return invalidValue([...path, tag], 'is not one of the allowed values', undefined, '');
    }
    case 'false schema':
      return problem('schema-violation', `${subject(path)} is not allowed here`, path);
    case 'if':
    case 'propertyNames':
      return undefined; // folded elsewhere
    default:
      return problem('schema-violation', `${subject(path)} ${e.message ?? 'is not allowed here'}`, path);
  }
}

/** One problem per code and place; value requirements at one place are joined. */
function merge(drafts: Draft[]): Draft[] {
  const byPlace = new Map<string, Draft>();
  for (const d of drafts) {
    const k = JSON.stringify([d.path.map(String), d.at, d.code, d.requirements ? '' : d.message]);
    const prev = byPlace.get(k);
    if (!prev) byPlace.set(k, { ...d, requirements: d.requirements && [...d.requirements] });
    else if (prev.requirements && d.requirements) prev.requirements.push(...d.requirements.filter((r) => !prev.requirements!.includes(r)));
  }
  const out = [...byPlace.values()];
  for (const d of out) {
    if (d.code === 'invalid-type' && d.requirements) d.message = `${subject(d.path)} must be ${d.requirements.join(' or ')}, not ${d.got}`;
    else if (d.requirements) d.message = `${subject(d.path)} ${d.requirements.join(', and ')}${d.got === '; got null' ? '' : d.got ?? ''}`;
  }
  // `apiKye` with "did you mean 'apiKey'?" already explains the missing apiKey.
  const suggested = new Set(
    out.filter((d) => d.suggestion !== undefined).map((d) => JSON.stringify([...d.path.slice(0, -1).map(String), d.suggestion])),
  );
  const explained = (d: Draft): boolean =>
    [d.missing ?? []].flat().some((key) => suggested.has(JSON.stringify([...d.path.map(String), key])));
  return out.filter((d) => !explained(d));
}

function strip(d: Draft): Problem {
  return { severity: d.severity, code: d.code, message: d.message, path: d.path, at: d.at };
}

/** Turns ajv's errors for one document into problems, each mistake once. `doc` is the validated value. */
export function schemaProblems(errors: readonly ErrorObject[], doc?: unknown): Problem[] {
  let errs: Err[] = errors.map((e) => ({ e: e as AjvError, path: parsePointer(e.instancePath) }));
  const out: Draft[] = [];
  // 1. Literal secrets first: nothing else about those nodes may be said (or quoted).
  const secrets = literalSecrets(errs);
  for (const s of secrets) out.push(literalSecretProblem(s, doc));
  errs = errs.filter((x) => !secrets.some((s) => startsWith(x.path, s)));
  // 2. "must match then/else schema" only wraps the errors of its branch, which are present.
  errs = errs.filter((x) => x.e.keyword !== 'if');
  errs = foldPropertyNames(errs, out);
  errs = foldAlternatives(errs, out);
  for (const x of errs) {
    const p = keywordProblem(x);
    if (p) out.push(p);
  }
  return merge(out).map(strip);
}
