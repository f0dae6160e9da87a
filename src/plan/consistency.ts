// One representation: what `show` and the PR comment display for a change (`fields`) and what
// apply writes for it (`target`) must be the same thing. This file checks what can be checked
// from the plan alone (creates, names, expectations, which credentials are rewritten); the
// before-state of an update is checked against the locked rows at apply time
// (src/apply/plan-guards.ts). A plan that fails is refused whole, whatever its tag says.
import { CvctlError } from '../errors';
import { canonicalJson, isPlainObject } from './canonical';
import { createFields } from './diff';
import { isChangeOf, type Change, type FieldChange, type Plan, type ProviderModelTarget, type ProviderTarget, type ResourceType } from './types';
import { anySpecOf, describeResource, SENSITIVE_ROOTS } from '../resources/registry';
import { flatOf } from '../resources/shape';
import { checkRoutingConsistency } from './routing-consistency';

export function describeChange(c: Change): string {
  return describeResource(c.resource);
}

export function inconsistent(c: Change, what: string): CvctlError {
  return new CvctlError(
    'PLAN_INCONSISTENT',
    `the plan is inconsistent: ${describeChange(c)} ${what}; apply writes only what the plan shows. Nothing was written`,
  );
}

/** A path under a sensitive field of any resource type (`credentials.apiKey`). */
export const isCredentialPath = (p: string): boolean => SENSITIVE_ROOTS.some((r) => p.startsWith(`${r}.`));

/** The displayed fields apply compares with the target: everything but credentials. */
export function plainFields(c: Change): FieldChange[] {
  return (c.fields ?? []).filter((f) => !isCredentialPath(f.path));
}

/** Paths whose before/after differ between two field lists (compared as canonical JSON). */
export function differingPaths(shown: FieldChange[], expected: FieldChange[]): string[] {
  // Fast path: the planner emits both lists in the same order (sortFields), so an untampered
  // change compares pairwise, scalars by identity (100,000 creates: most of the check's time).
  if (shown.length === expected.length && shown.every((f, i) => sameField(f, expected[i]))) return [];
  const key = (f: FieldChange): string => canonicalJson([f.before, f.after]);
  const a = new Map(shown.map((f) => [f.path, key(f)]));
  const b = new Map(expected.map((f) => [f.path, key(f)]));
  const out = new Set<string>();
  for (const [p, v] of a) if (b.get(p) !== v) out.add(p);
  for (const [p, v] of b) if (a.get(p) !== v) out.add(p);
  if (shown.length !== a.size) out.add('(a field shown twice)');
  return [...out].sort();
}

const sameValue = (a: unknown, b: unknown): boolean => a === b || canonicalJson(a) === canonicalJson(b);
const sameField = (a: FieldChange, b: FieldChange): boolean =>
  a.path === b.path && sameValue(a.before, b.before) && sameValue(a.after, b.after);

function list(paths: string[]): string {
  return paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` (and ${paths.length - 5} more)` : '');
}

export function providerTargetOf(c: Change): ProviderTarget | null {
  return isChangeOf(c, 'provider') && c.action !== 'delete' ? c.target : null;
}

export function modelTargetOf(c: Change): ProviderModelTarget | null {
  return isChangeOf(c, 'providerModel') && c.action !== 'delete' ? c.target : null;
}

/** How a refusal names what a target writes, per type (`writes the row named 'x'`). */
const WRITTEN_NAME: { readonly [T in ResourceType]: string } = {
  provider: 'the row named',
  providerModel: 'the model id',
  model: 'the model named',
  modelBackend: 'the backend',
  accessGrant: 'the grant',
};

/** The first ref member the target names otherwise than the change's resource, with the target's value. */
function misnamed(c: Change, t: object): string | null {
  const named = anySpecOf(c.resource.type).targetRef(t as never) as Record<string, unknown>;
  const ref = c.resource as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(named)) if (v !== ref[k]) return String(v);
  return null;
}

/**
 * Credentials: which fields a change shows as changed, added or removed, against the set
 * of references it writes. Fields written without being shown are checked at apply time
 * (they must carry the fingerprint of the value stored now).
 */
function checkCredentials(c: Change, t: ProviderTarget): void {
  const shown = (c.fields ?? []).filter((f) => isCredentialPath(f.path));
  const writes = t.credentials;
  const inTarget = (f: string): boolean => writes !== null && Object.prototype.hasOwnProperty.call(writes, f);
  const name = (f: FieldChange): string => f.path.slice('credentials.'.length);
  if (c.action === 'create') {
    const shownNames = shown.map(name).sort();
    const written = Object.keys(writes ?? {}).sort();
    if (canonicalJson(shownNames) !== canonicalJson(written) || shown.some((f) => f.before !== null || !isPlainObject(f.after))) {
      throw inconsistent(c, 'writes credentials other than those it shows');
    }
    return;
  }
  let rewrites = false;
  for (const f of shown) {
    const after = f.after;
    if (after === null) {
      // Removed: the rewritten set must leave it out.
      if (writes === null || inTarget(name(f))) throw inconsistent(c, `shows ${f.path} removed but does not remove it`);
      rewrites = true;
    } else if (isPlainObject(after) && (after.changed === true || f.before === null)) {
      if (!inTarget(name(f))) throw inconsistent(c, `shows ${f.path} changed but does not write it`);
      rewrites = true;
    } else if (!isPlainObject(after) || !(after.changed === false || (after.changed === null && after.unknown === true))) {
      // Left: shown as not changed, or as unknown (secrets not resolved), which writes nothing.
      throw inconsistent(c, `shows ${f.path} in an unknown form`);
    }
  }
  if (writes !== null && !rewrites) throw inconsistent(c, 'rewrites credentials it shows as unchanged');
}

/** Throws PLAN_INCONSISTENT at the first change whose target is not what its fields show. */
export function checkPlanConsistency(plan: Plan): void {
  for (const c of plan.changes) {
    const absent = 'absent' in c.expect;
    if ((c.action === 'create') !== absent) throw inconsistent(c, `is a ${c.action} but expects the row ${absent ? 'absent' : 'present'}`);
    if (c.action === 'delete') {
      if (c.target !== undefined || (c.fields ?? []).length > 0) throw inconsistent(c, 'is a delete that also writes fields');
      continue;
    }
    const spec = anySpecOf(c.resource.type);
    const t: object | undefined = c.target;
    if (!isPlainObject(t)) throw inconsistent(c, 'has no target of its resource type');
    const written = misnamed(c, t);
    if (written !== null) throw inconsistent(c, `writes ${WRITTEN_NAME[c.resource.type]} '${written}'`);
    if (c.action === 'create') {
      const diff = differingPaths(plainFields(c), createFields(flatOf(spec, t, String(t[spec.name.field]))));
      if (diff.length > 0) throw inconsistent(c, `writes other values than it shows (${list(diff)})`);
    }
    const pt = providerTargetOf(c);
    if (pt) checkCredentials(c, pt);
    else if ((c.fields ?? []).some((f) => isCredentialPath(f.path))) throw inconsistent(c, `shows credentials a ${spec.label} does not have`);
    const status = 'status' in t ? t.status : undefined;
    if ((c.action === 'enable' || c.action === 'disable') && status === undefined) throw inconsistent(c, `is an ${c.action} of a ${spec.label}, which has no status`);
    if (c.action === 'enable' && status !== 'active') throw inconsistent(c, 'is an enable that does not set status active');
    if (c.action === 'disable' && status !== 'disabled') throw inconsistent(c, 'is a disable that does not set status disabled');
  }
  checkRoutingConsistency(plan);
}
