// Guards re-checked inside the apply transaction, against the rows as they are now (locked
// FOR UPDATE by the stale check): a plan is applied only if `plan` would still have made it.
// - protected: a protected provider is never deleted;
// - ownership: a row is changed only by the scope that manages it, or adopted (`adopt: true`)
//   when no scope manages it; deletes only of this scope's rows;
// - one representation: an update writes exactly the fields it shows, computed from the row
//   and the target, and rewrites no credential it shows as unchanged.
// --allow-delete and the policy (checkPolicyGuard) are checked by applyPlan before anything
// else; creates by src/plan/consistency.ts.
import { CvctlError } from '../errors';
import { diffFlat } from '../plan/diff';
import { modelFlat, providerFlat } from '../plan/shapes';
import {
  describeChange,
  differingPaths,
  inconsistent,
  modelTargetOf,
  plainFields,
  providerTargetOf,
} from '../plan/consistency';
import { isChangeOf, type Change, type Plan } from '../plan/types';
import { isPlainObject } from '../plan/canonical';
import { primaryCredentialField, type ProviderKind } from '../domain/kinds';
import { staleLead, staleTail, type LockedRows } from './stale-check';
import { checkRoutingGuards } from './routing-guards';

export function guard(c: Change, what: string): CvctlError {
  return new CvctlError('PLAN_GUARD', `${describeChange(c)} ${what}. Nothing was written`);
}

/** takeOver: the plan renames the row's provider with --adopt, which may take it from another scope. */
export function checkOwner(c: Change, managedBy: string | null, scope: string, takeOver = false): void {
  if (managedBy === scope) return;
  if (takeOver && c.adopt === true && c.action !== 'delete') return;
  if (managedBy === null) {
    if (c.action === 'delete') throw guard(c, 'was not created by cvctl; the plan deletes it, and cvctl never deletes a row it does not manage');
    if (c.adopt !== true) throw guard(c, 'was not created by cvctl and the plan does not adopt it (plan it with --adopt)');
    return;
  }
  throw guard(c, `is managed by cvctl scope '${managedBy}', not '${scope}'; change it from that scope`);
}

function list(paths: string[]): string {
  return paths.slice(0, 5).join(', ') + (paths.length > 5 ? ` (and ${paths.length - 5} more)` : '');
}

/**
 * A plan with policy violations is never applied (CONTRACT.md section 7), with or without
 * --plan. A saved plan's violations are covered by its tag like every other member (an edit that
 * drops them is refused before this runs); this is the gate itself, one place for both paths.
 */
export function checkPolicyGuard(plan: Plan): void {
  const vs = plan.policy?.violations ?? [];
  if (vs.length === 0) return;
  const lines = vs.map((v) => `${v.file}:${v.line}:${v.column}: ${v.code}: ${v.message}`);
  throw new CvctlError(
    'PLAN_GUARD',
    `the plan violates the policy (${vs.length} violation${vs.length === 1 ? '' : 's'}); apply refuses it. Nothing was written:\n  ${lines.join('\n  ')}`,
  );
}

export function checkGuards(plan: Plan, rows: LockedRows): void {
  checkRoutingGuards(plan, rows.routing);
  // Providers renamed with --adopt (renamedFrom + adopt): the planner takes these over, and their
  // declared models, from whichever scope managed them.
  const renamedAdopted = new Set(plan.changes.flatMap((c) => (isChangeOf(c, 'provider') && c.adopt === true && c.renamedFrom !== undefined ? [c.resource.name] : [])));
  // Models of a provider the plan renames are still under its earlier name in the database.
  const renamedTo = new Map(plan.changes.flatMap((c) => (isChangeOf(c, 'provider') && c.renamedFrom !== undefined ? [[c.renamedFrom, c.resource.name] as const] : [])));
  for (const c of plan.changes) {
    if (!isChangeOf(c, 'provider') && !isChangeOf(c, 'providerModel')) continue; // the routing types: routing-guards.ts
    if (!('id' in c.expect)) continue; // creates: checked without the database
    if (c.resource.type === 'provider') {
      const row = rows.providers.get(c.expect.id);
      if (!row) continue; // the stale check has refused a vanished row already
      // (A rename, when planned, names the row's current name.)
      const renamedFrom = (c as { renamedFrom?: unknown }).renamedFrom;
      if (row.name !== c.resource.name && row.name !== renamedFrom) throw inconsistent(c, `is row '${row.name}' in the database`);
      if (c.action === 'delete' && row.protected) {
        throw guard(c, 'is protected: the plan deletes it, and cvctl never deletes a protected provider');
      }
      checkOwner(c, row.managedBy, plan.scope, renamedAdopted.has(c.resource.name));
      const t = providerTargetOf(c);
      if (c.action === 'delete' || !t) continue;
      // With names: a rename writes (and shows) the name; any other update leaves it as it is.
      const diff = differingPaths(plainFields(c), diffFlat(providerFlat(row, row.name), providerFlat(t, t.name)));
      if (diff.length > 0) throw inconsistent(c, `writes other values than it shows (${list(diff)})`);
      // Every credential it rewrites without showing a change must be the value stored now.
      const shownChanged = new Set((c.fields ?? []).filter((f) => f.path.startsWith('credentials.')).map((f) => f.path.slice(12)));
      for (const [field, ct] of Object.entries(t.credentials ?? {})) {
        if (shownChanged.has(field)) continue;
        const stored = row.credentialFingerprints?.[field];
        if (ct.fingerprint === undefined || stored === undefined || ct.fingerprint !== stored) {
          throw inconsistent(c, `rewrites credentials.${field}, which it shows as unchanged`);
        }
      }
    } else {
      const row = rows.models.get(c.expect.id);
      if (!row) continue;
      const provider = renamedTo.get(row.provider) ?? row.provider;
      if (c.resource.type === 'providerModel' && (provider !== c.resource.provider || row.modelId !== c.resource.name)) {
        throw inconsistent(c, `is row '${row.provider}/${row.modelId}' in the database`);
      }
      checkOwner(c, row.managedBy, plan.scope, c.resource.type === 'providerModel' && renamedAdopted.has(c.resource.provider));
      const t = modelTargetOf(c);
      if (c.action === 'delete' || !t) continue;
      const diff = differingPaths(plainFields(c), diffFlat(modelFlat(row), modelFlat(t)));
      if (diff.length > 0) throw inconsistent(c, `writes other values than it shows (${list(diff)})`);
    }
  }
}

/**
 * A credential the plan shows as written (create, or changed) shows the prefix it resolved to
 * at plan time; the value stored now must have the same one. A create has no fingerprint (no
 * row id at plan time): this is what ties its stored value to the displayed one. Only the
 * primary field has a stored prefix.
 */
export function checkShownPrefix(c: Change, kind: ProviderKind, storedPrefix: string | null, savedPlan: boolean): void {
  const field = primaryCredentialField(kind);
  const shown = (c.fields ?? []).find((f) => f.path === `credentials.${field}`)?.after;
  if (!isPlainObject(shown) || shown.unknown === true || !('prefix' in shown)) return;
  if ((shown.prefix ?? null) !== storedPrefix) {
    throw new CvctlError(
      'STALE_PLAN',
      `${staleLead(savedPlan)}: credentials.${field} of ${describeChange(c)} does not resolve to the value the plan showed ` +
        `(its prefix differs). ${staleTail(savedPlan)}`,
    );
  }
}
