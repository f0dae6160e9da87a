// The saved plan file: canonical digest, stable pretty JSON, and a strict reader. A saved
// plan is applied later, possibly on another machine, so the reader refuses anything it
// cannot vouch for: other format versions, other scopes, edited files, unknown shapes.
import { createHash } from 'node:crypto';
import { CvctlError } from '../errors';
import { escapeControl, escapeOutput } from '../escape';
import { canonicalJson, compareStrings, isPlainObject, list, ordered, sortKeysDeep, type Shaper } from './canonical';
import { checkPlanShape } from './plan-schema';
import { ACTIONS, PLAN_FORMAT_VERSION, type Plan, type ResourceType } from './types';
import { isSensitivePath, REF_MEMBER_ORDER, RESOURCES, TARGET_MEMBER_ORDER } from '../resources/registry';

/**
 * sha256 (hex) over the canonical JSON (sorted keys) of the plan without its digest and its
 * auth (which covers the digest). The bytes hashed are exactly canonicalJson(plan without them), fed to the hash piece by
 * piece: for 100,000 changes that JSON is ~66 MB, and building it as one string (then
 * flattening and encoding it for the hash) took 2.5x longer than hashing it change by change.
 */
export function planDigest(plan: Plan): string {
  const { digest: _ignored, auth: _auth, ...rest } = plan;
  const h = createHash('sha256');
  feedCanonical(rest as Record<string, unknown>, (s) => h.update(s));
  return h.digest('hex');
}

/**
 * Feeds canonicalJson(record) to `update`, piece by piece (arrays item by item): the same
 * bytes as canonicalJson, without building one string for a 100,000-change plan.
 */
export function feedCanonical(record: Record<string, unknown>, update: (s: string) => void): void {
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  update('{');
  keys.forEach((k, i) => {
    update(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`);
    const v = record[k];
    if (!Array.isArray(v)) {
      update(canonicalJson(v));
      return;
    }
    let buf = '[';
    for (let j = 0; j < v.length; j++) {
      buf += (j > 0 ? ',' : '') + canonicalJson(v[j]);
      if (buf.length >= 1 << 16) {
        update(buf);
        buf = '';
      }
    }
    update(`${buf}]`);
  });
  update('}');
}

// Key order of the known objects in the written file: contract fields first, in the
// contract's order, then extensions. Values we do not know (config, targets) get sorted keys.
const PLAN_KEYS = ['formatVersion', 'scope', 'summary', 'changes', 'warnings', 'cost', 'policy', 'routing', 'meta', 'digest', 'auth'];
const COST_KEYS = ['currency', 'windowDays', 'from', 'to', 'before', 'after', 'delta', 'items', 'unattributed', 'lost', 'excluded'];
const COST_ITEM_KEYS = ['resource', 'reason', 'delta'];
const USAGE_KEYS = ['rows', 'requests', 'inputTokens', 'outputTokens', 'before', 'after', 'causes'];
const VIOLATION_KEYS = ['severity', 'code', 'message', 'file', 'line', 'column'];
const AUTH_KEYS = ['alg', 'keyId', 'kekId', 'newKey', 'tag'];
const CHANGE_KEYS = ['action', 'resource', 'fields', 'cascade', 'adopt', 'renamedFrom', 'reason', 'expect', 'target'];
const RESOURCE_KEYS = [...REF_MEMBER_ORDER];
const FIELD_KEYS = ['path', 'before', 'after'];
const CASCADE_KEYS = ['providerModels', 'modelBackends', 'modelsLeftWithoutBackends', 'accessGrants'];
const WARNING_KEYS = ['code', 'message', 'resource'];
const META_KEYS = ['createdAt', 'cvctlVersion', 'catalogVersion', 'secretsResolved'];
const SENSITIVE_KEYS = ['sensitive', 'changed', 'prefix', 'unknown'];
const TARGET_KEYS = [...TARGET_MEMBER_ORDER];
const CREDENTIAL_TARGET_KEYS = ['ref', 'baseDir', 'pos', 'fingerprint'];
const ROUTING_KEYS = ['model', 'before', 'after'];
const ROUTING_SIDE_KEYS = ['status', 'strategy', 'backends'];
const ROUTING_BACKEND_KEYS = ['provider', 'providerModel', 'priority', 'weight', 'status', 'serving'];


const resource: Shaper = (v) => ordered(v, RESOURCE_KEYS);
const routingSide: Shaper = (v) => ordered(v, ROUTING_SIDE_KEYS, { backends: list((b) => ordered(b, ROUTING_BACKEND_KEYS)) });
// A credential in a field reads like the contract: {"sensitive": true, "changed": …, "prefix": …}.
// Which fields are credentials is the registry's to say (src/resources), not the value's.
const sensitiveValue: Shaper = (v) => (isPlainObject(v) ? ordered(v, SENSITIVE_KEYS) : sortKeysDeep(v));
const SENSITIVE_SIDES: Record<string, Shaper> = { before: sensitiveValue, after: sensitiveValue };

function isSensitiveField(type: unknown, f: unknown): boolean {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(RESOURCES, type) && isPlainObject(f) &&
    typeof f.path === 'string' && isSensitivePath(type as ResourceType, f.path);
}
const credentialTargets: Shaper = (v) => {
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort(compareStrings)) {
    out[k] = ordered(v[k], CREDENTIAL_TARGET_KEYS, { ref: (r) => ordered(r, ['from']) });
  }
  return out;
};
const change: Shaper = (v) => {
  const type = isPlainObject(v) && isPlainObject(v.resource) ? v.resource.type : undefined;
  return ordered(v, CHANGE_KEYS, {
    resource,
    fields: list((f) => ordered(f, FIELD_KEYS, isSensitiveField(type, f) ? SENSITIVE_SIDES : {})),
    cascade: (c) => ordered(c, CASCADE_KEYS),
    target: (t) => ordered(t, TARGET_KEYS, { credentials: credentialTargets }),
  });
};

/** The plan with every object's keys in a fixed order: same plan, same bytes. */
export function normalizePlan(plan: Plan): Plan {
  return ordered(plan, PLAN_KEYS, {
    summary: (s) => ordered(s, [...ACTIONS]),
    changes: list(change),
    warnings: list((w) => ordered(w, WARNING_KEYS, { resource })),
    cost: (c) =>
      ordered(c, COST_KEYS, {
        items: list((i) => ordered(i, COST_ITEM_KEYS, { resource })),
        unattributed: (u) => ordered(u, USAGE_KEYS),
        lost: (u) => ordered(u, USAGE_KEYS),
        excluded: (u) => ordered(u, USAGE_KEYS, { causes: list((x) => ordered(x, ['cause', 'subject', 'rows'])) }),
      }),
    policy: (p) => ordered(p, ['violations', 'basis'], { violations: list((v) => ordered(v, VIOLATION_KEYS)), basis: list((b) => ordered(b, ['provider', 'modelId', 'serving'])) }),
    routing: list((m) => ordered(m, ROUTING_KEYS, { before: routingSide, after: routingSide })),
    meta: (m) => ordered(m, META_KEYS),
    auth: (a) => ordered(a, AUTH_KEYS),
  }) as Plan;
}

/** Pretty JSON with a trailing newline and the digest (re)computed. */
export function serializePlan(plan: Plan): string {
  return writtenText({ ...plan, digest: planDigest(plan) });
}

/** The exact text of a plan file for a plan whose digest is already set. */
function writtenText(plan: Plan): string {
  // Bidi and invisible characters as \u escapes too: the same JSON value, readable in a PR or a log.
  return escapeOutput(`${JSON.stringify(normalizePlan(plan), null, 2)}\n`);
}

function invalid(message: string): CvctlError {
  // The message may quote the file's own text (a scope, a name, a path): one line, whatever it holds.
  return new CvctlError('PLAN_INVALID', escapeControl(message));
}

export interface ParsePlanOptions {
  /** When set, the plan must have been made for this scope. */
  scope?: string;
}

/**
 * A number that JSON.stringify does not write back as itself: 1e400 parses to Infinity, which
 * canonical JSON (and so the digest and the tag) spells `null`, and -0, spelt `0`. An edit of a
 * `null` into 1e400 would keep the tag valid while `show` prints "Infinity": the tag must cover
 * every value as it is read, so such a plan is refused. (cvctl itself never writes either.)
 */
function hasUnwritableNumber(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v) || Object.is(v, -0);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(hasUnwritableNumber);
  for (const k in v) if (hasUnwritableNumber((v as Record<string, unknown>)[k])) return true;
  return false;
}

export function parsePlan(text: string, opts: ParsePlanOptions = {}): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw invalid(`the plan file is not valid JSON (${why})`);
  }
  if (!isPlainObject(raw)) throw invalid('the plan file does not hold a cvctl plan (expected a JSON object)');
  if (hasUnwritableNumber(raw)) {
    throw invalid('the plan file holds a number cvctl never writes (out of range, such as 1e400, or -0); it was not written by cvctl plan --out');
  }
  const version = raw.formatVersion;
  if (version === undefined) throw invalid('the plan file has no formatVersion; it was not written by cvctl plan --out');
  if (version !== PLAN_FORMAT_VERSION) {
    throw invalid(
      `plan format version ${JSON.stringify(version)} is not supported by this cvctl (supports ${PLAN_FORMAT_VERSION})`,
    );
  }
  const problem = checkPlanShape(raw);
  if (problem !== null) throw invalid(`invalid plan file: ${problem}`);
  const plan = raw as unknown as Plan;
  if (typeof plan.digest !== 'string') throw invalid('the plan file has no digest; it was not written by cvctl plan --out');
  if (planDigest(plan) !== plan.digest) throw invalid('the plan file was modified after it was written');
  // The digest and the tag cover the parsed value, and JSON.parse keeps the last of two equal
  // keys: `"team": "EVIL", "team": "d"` would verify while the file reads otherwise to a person
  // or to a tool that keeps the first. cvctl writes one exact text for a plan, so anything else
  // (a duplicate key, a hand edit, a reformat) is refused. One serialisation, no extra hash.
  if (writtenText(plan) !== text) {
    throw invalid('the plan file was modified after it was written (it is not the text cvctl plan --out wrote: edited, reformatted, or a key given twice)');
  }
  if (opts.scope !== undefined && plan.scope !== opts.scope) {
    throw invalid(`plan was made for scope '${plan.scope}', not '${opts.scope}'`);
  }
  return plan;
}
