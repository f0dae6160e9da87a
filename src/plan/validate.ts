// Shape check of a plan read from a file. Apply trusts nothing else about a saved plan, so
// every field it reads is checked here; the first problem is reported in one line.
import { MODEL_KINDS, ON_REMOVE, PROVIDER_KINDS, PROVIDER_STATUSES, SECRET_SOURCES } from '../domain/kinds';
import { isPlainObject } from './canonical';
import { ACTIONS } from './types';

type Obj = Record<string, unknown>;

class ShapeError extends Error {}

function fail(where: string, what: string): never {
  throw new ShapeError(`${where}: ${what}`);
}

function obj(v: unknown, where: string): Obj {
  if (!isPlainObject(v)) fail(where, 'expected an object');
  return v;
}

function str(o: Obj, key: string, where: string): string {
  if (typeof o[key] !== 'string') fail(where, `'${key}' must be a string`);
  return o[key] as string;
}

function count(o: Obj, key: string, where: string): void {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(where, `'${key}' must be a non-negative integer`);
}

function oneOf(o: Obj, key: string, allowed: readonly string[], where: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string' || !allowed.includes(v)) fail(where, `unknown ${what} ${JSON.stringify(v)}`);
  return v;
}

function describe(c: Obj, i: number): string {
  const r = isPlainObject(c.resource) ? c.resource : {};
  const name = typeof r.provider === 'string' ? `${r.provider}/${String(r.name)}` : String(r.name ?? '?');
  return `change ${i + 1} (${name})`;
}

function checkResource(v: unknown, where: string): 'provider' | 'providerModel' {
  const r = obj(v, `${where} resource`);
  const type = oneOf(r, 'type', ['provider', 'providerModel'], where, 'resource type') as 'provider' | 'providerModel';
  str(r, 'name', where);
  if (type === 'providerModel') str(r, 'provider', where);
  return type;
}

function checkCredentials(v: unknown, where: string): void {
  if (v === null) return;
  const creds = obj(v, `${where} target.credentials`);
  for (const [field, t] of Object.entries(creds)) {
    const ct = obj(t, `${where} credential '${field}'`);
    oneOf(obj(ct.ref, `${where} credential '${field}' ref`), 'from', SECRET_SOURCES, where, 'secret source');
    str(ct, 'baseDir', where);
    obj(ct.pos, `${where} credential '${field}' pos`);
  }
}

/**
 * A credential as the contract shows it: {"sensitive": true, "changed": true|false|null,
 * "prefix": string|null} plus `"unknown": true` (then `changed` is null: "don't know" is
 * never spelt `false`). A credential field holds that or null, never a value.
 */
function checkSensitive(v: unknown, where: string): void {
  if (v === null) return;
  if (!isPlainObject(v) || v.sensitive !== true) fail(where, 'a credential must be {"sensitive": true, ...} or null');
  const extra = Object.keys(v).filter((k) => !['sensitive', 'changed', 'prefix', 'unknown'].includes(k));
  if (extra.length > 0) fail(where, `a credential has only sensitive, changed, prefix and unknown, not '${extra[0]}'`);
  if (v.changed !== true && v.changed !== false && v.changed !== null) fail(where, "'changed' must be true, false or null");
  if (v.prefix !== null && typeof v.prefix !== 'string') fail(where, "'prefix' must be a string or null");
  if (v.unknown !== undefined && v.unknown !== true) fail(where, "'unknown' must be true when present");
  if (v.unknown === true && v.changed !== null) fail(where, "an unknown credential has 'changed': null");
}

function checkTarget(v: unknown, type: 'provider' | 'providerModel', where: string): void {
  const t = obj(v, `${where} target`);
  obj(t.lastApplied, `${where} target.lastApplied`);
  oneOf(t, 'status', PROVIDER_STATUSES, where, 'status');
  if (type === 'provider') {
    str(t, 'name', where);
    oneOf(t, 'kind', PROVIDER_KINDS, where, 'provider kind');
    oneOf(t, 'onRemove', ON_REMOVE, where, 'onRemove');
    obj(t.config, `${where} target.config`);
    obj(t.labels, `${where} target.labels`);
    if (typeof t.protected !== 'boolean') fail(where, "'protected' must be a boolean");
    checkCredentials(t.credentials, where);
  } else {
    str(t, 'modelId', where);
    oneOf(t, 'kind', MODEL_KINDS, where, 'model kind');
    str(t, 'source', where);
    if (t.contextWindow !== null && typeof t.contextWindow !== 'number') fail(where, "'contextWindow' must be a number or null");
    if (t.pricing !== null) obj(t.pricing, `${where} target.pricing`);
  }
}

const PROVIDER_NAME = /^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/;

/** A rename is an update of an existing provider row to a new, different, valid name. */
function checkRename(c: Obj, action: string, type: 'provider' | 'providerModel', where: string): void {
  const from = str(c, 'renamedFrom', where);
  if (type !== 'provider' || action !== 'update') fail(where, "'renamedFrom' is only allowed on a provider update");
  if (!PROVIDER_NAME.test(from)) fail(where, "'renamedFrom' must be a provider name");
  if (isPlainObject(c.resource) && c.resource.name === from) fail(where, "'renamedFrom' must differ from the provider's name");
  if (!isPlainObject(c.expect) || c.expect.absent === true) fail(where, 'a rename must name the row it renames');
}

function checkChange(v: unknown, i: number): string {
  const c = obj(v, `change ${i + 1}`);
  const where = describe(c, i);
  const action = oneOf(c, 'action', ACTIONS, where, 'action');
  const type = checkResource(c.resource, where);
  if (c.fields !== undefined) {
    if (!Array.isArray(c.fields)) fail(where, "'fields' must be a list");
    for (const f of c.fields) {
      const fc = obj(f, `${where} field`);
      str(fc, 'path', where);
      if (!('before' in fc) || !('after' in fc)) fail(where, `field '${String(fc.path)}' needs 'before' and 'after'`);
      if ((fc.path as string).startsWith('credentials.')) {
        checkSensitive(fc.before, `${where} field '${fc.path as string}' before`);
        checkSensitive(fc.after, `${where} field '${fc.path as string}' after`);
      }
    }
  }
  if (c.cascade !== undefined) {
    const k = obj(c.cascade, `${where} cascade`);
    count(k, 'providerModels', where);
    count(k, 'modelBackends', where);
    if (!Array.isArray(k.modelsLeftWithoutBackends) || k.modelsLeftWithoutBackends.some((n) => typeof n !== 'string')) {
      fail(where, "'cascade.modelsLeftWithoutBackends' must be a list of names");
    }
  }
  if (c.adopt !== undefined && c.adopt !== true) fail(where, "'adopt' must be true when present");
  if (c.renamedFrom !== undefined) checkRename(c, action, type, where);
  if (c.reason !== undefined) str(c, 'reason', where);
  const e = obj(c.expect, `${where} expect`);
  if (e.absent !== true) {
    str(e, 'id', where);
    count(e, 'rowVersion', where);
  }
  if (action === 'delete') {
    if (e.absent === true) fail(where, 'a delete must name the row it deletes');
  } else {
    checkTarget(c.target, type, where);
    // Apply writes the target's name (a provider update sets it: renames): it must be the name shown.
    const shown = (c.resource as Obj).name;
    const written = type === 'provider' ? (c.target as Obj).name : (c.target as Obj).modelId;
    if (written !== shown) fail(where, `the target's ${type === 'provider' ? 'name' : 'modelId'} is not the resource's name`);
  }
  return action;
}

function checkAuth(v: unknown): void {
  const a = obj(v, 'auth');
  if (a.alg !== 'HMAC-SHA256') fail('auth', `unsupported algorithm ${JSON.stringify(a.alg)}`);
  if (typeof a.keyId !== 'string' || !/^[0-9a-f]{16}$/.test(a.keyId)) fail('auth', "'keyId' must be 16 hex digits");
  str(a, 'kekId', 'auth');
  if (typeof a.tag !== 'string' || !/^[0-9a-f]{64}$/.test(a.tag)) fail('auth', "'tag' must be 64 hex digits");
  if (a.newKey !== undefined) {
    const k = obj(a.newKey, 'auth.newKey');
    if (typeof k.wrapped !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(k.wrapped)) fail('auth.newKey', "'wrapped' must be base64");
    str(k, 'kekId', 'auth.newKey');
  }
}

/** null when the plan has the shape apply relies on; otherwise what is wrong, in one line. */
export function validatePlanShape(raw: Obj): string | null {
  try {
    if (typeof raw.scope !== 'string' || raw.scope === '') fail('plan', "'scope' must be a non-empty string");
    const summary = obj(raw.summary, 'summary');
    for (const a of ACTIONS) count(summary, a, 'summary');
    if (!Array.isArray(raw.changes)) fail('plan', "'changes' must be a list");
    const seen: Record<string, number> = {};
    raw.changes.forEach((c, i) => {
      const a = checkChange(c, i);
      seen[a] = (seen[a] ?? 0) + 1;
    });
    for (const a of ACTIONS) {
      if ((seen[a] ?? 0) !== summary[a]) fail('summary', `says ${String(summary[a])} to ${a} but the plan has ${seen[a] ?? 0}`);
    }
    if (!Array.isArray(raw.warnings)) fail('plan', "'warnings' must be a list");
    raw.warnings.forEach((w, i) => {
      const o = obj(w, `warning ${i + 1}`);
      str(o, 'code', `warning ${i + 1}`);
      str(o, 'message', `warning ${i + 1}`);
    });
    if (raw.meta !== undefined) obj(raw.meta, 'meta');
    if (raw.auth !== undefined) checkAuth(raw.auth);
    return null;
  } catch (e) {
    if (e instanceof ShapeError) return e.message;
    throw e;
  }
}
