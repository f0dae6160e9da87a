// A Plan → SQL, all or nothing. Apply reads only the plan (plus the secret values its
// references resolve to now); it never re-diffs the files.
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../state/database';
import { isChangeOf, type Change, type Plan, type ResourceRef, type ResourceType, type Summary } from '../plan/types';
import type { Kek } from '../crypto/kek';
import { fingerprintKeyFor } from '../crypto/fingerprint';
import { insertFingerprintKey } from '../state/keys';
import type { SecretResolver } from '../secrets/resolver';
import { acquireScopeLock } from '../state/lock';
import { recordRun } from '../state/runs';
import { CvctlError } from '../errors';
import { stopAt } from '../testing/stop-at';
import { checkAndLockRows, staleLead, staleTail, type LockedRows } from './stale-check';
import { checkGuards, checkPolicyGuard, checkShownPrefix } from './plan-guards';
import { checkPolicyBasis } from './policy-basis';
import type { KeyToInstall } from './plan-key';
import { locatedRefs, storeCredentials } from './credentials';
import { convertPlan, type CredentialWrite } from './convert';
import { executeStatements } from '../state/execute';
import { describeResource, identityOf, RESOURCES, resourceKey, specOf } from '../resources/registry';

export interface ApplyDeps {
  db: Database;
  /** Opened lazily: only an apply that writes credentials needs the KEK. */
  kek: () => Promise<Kek>;
  resolver: SecretResolver;
  now: () => Date;
  cwd: string;
  lockTimeoutSeconds: number;
  allowDelete: boolean;
  /** The plan was read from a file (apply --plan): refusals say "the saved plan is stale". */
  savedPlan?: boolean;
  run: { command: string; actor: string | null; gitCommit: string | null; dirty?: boolean | null };
  newId?: () => string;
  /** A verified saved plan made for a database without a key brings one (src/apply/plan-key.ts). */
  installKey?: KeyToInstall | null;
}

export interface ApplyResult {
  summary: Summary;
  changed: boolean;
}

/** What the plan deletes, per resource type: providers by name (named in the refusal), the rest counted. */
export function countDeletes(plan: Plan): { providers: string[]; counts: Map<ResourceType, number> } {
  const providers: string[] = [];
  const counts = new Map<ResourceType, number>();
  for (const c of plan.changes) {
    if (c.action !== 'delete') continue;
    if (isChangeOf(c, 'provider')) providers.push(c.resource.name);
    else counts.set(c.resource.type, (counts.get(c.resource.type) ?? 0) + 1);
  }
  return { providers, counts };
}

export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  checkPolicyGuard(plan);
  const del = countDeletes(plan);
  if ((del.providers.length > 0 || del.counts.size > 0) && !deps.allowDelete) {
    const what = [
      del.providers.length ? `${del.providers.length} provider(s): ${del.providers.slice(0, 5).join(', ')}` : '',
      ...[...del.counts].map(([type, n]) => `${n} ${specOf(type).label}(s)`),
    ].filter(Boolean);
    throw new CvctlError('DELETE_NOT_ALLOWED', `the plan deletes ${what.join(' and ')}; pass --allow-delete to apply it. Nothing was written`);
  }
  const startedAt = deps.now();
  const base = { scope: plan.scope, command: deps.run.command, actor: deps.run.actor, gitCommit: deps.run.gitCommit, dirty: deps.run.dirty ?? null, planDigest: plan.digest ?? null };
  if (plan.changes.length === 0) {
    await recordRun(deps.db, { ...base, startedAt, finishedAt: deps.now(), summary: plan.summary, result: 'noop', error: null });
    return { summary: plan.summary, changed: false };
  }

  // Secrets are resolved before the lock and the transaction: slow backends must not hold them.
  const credTargets = plan.changes.flatMap((c) =>
    isChangeOf(c, 'provider') && c.action !== 'delete' && c.target.credentials ? [c.target.credentials] : [],
  );
  const refs = credTargets.flatMap((t) => locatedRefs(t, deps.cwd));
  const values = refs.length > 0 ? await deps.resolver.resolveAll(refs) : new Map();
  const kek = credTargets.length > 0 ? await deps.kek() : null;
  stopAt('apply:secrets-resolved');

  const lock = await acquireScopeLock(deps.db, plan.scope, { timeoutSeconds: deps.lockTimeoutSeconds });
  stopAt('apply:locked');
  try {
    await deps.db.transaction(async (tx) => {
      const now = deps.now();
      const locked = await checkAndLockRows(tx, plan, { savedPlan: deps.savedPlan ?? true });
      checkGuards(plan, locked);
      await checkPolicyBasis(tx, plan, deps.savedPlan ?? true);
      if (deps.installKey) await installPlanKey(tx, deps.installKey);
      stopAt('apply:rows-locked');
      const fpKey = kek ? await fingerprintKeyFor(tx, kek, { create: true }) : null;
      const newId = deps.newId ?? randomUUID;
      const saved = deps.savedPlan ?? true;

      // Row ids: by change, every changed row (its own id, or a new one for a create); by
      // resource key, the providers the plan names as they are now and the changed rows that
      // another change names as its parent. Only those get a key, and their ids are made now;
      // the others' ids are made when the converter first asks (a first apply of L creates
      // 100,000 provider models that nothing names, and their ids need not all be alive before
      // the COPY encodes them).
      const ids = new Map<string, string>();
      const changeIds: Array<string | undefined> = new Array<string | undefined>(plan.changes.length);
      const changeId = (i: number): string => {
        let id = changeIds[i];
        if (id === undefined) {
          const c = plan.changes[i];
          id = changeIds[i] = 'id' in c.expect ? c.expect.id : newId();
        }
        return id;
      };
      for (const [name, id] of locked.providerIds) ids.set(resourceKey({ type: 'provider', name }), id);
      // Models and provider models the routing changes name without writing them, as they are now.
      for (const [key, id] of locked.routing.parentIds) ids.set(key, id);
      const named = namedParents(plan);
      plan.changes.forEach((c, i) => {
        if (isChangeOf(c, 'provider')) changeId(i);
        if (named.types.has(c.resource.type)) {
          const key = resourceKey(c.resource);
          if (named.keys.has(key)) ids.set(key, changeId(i));
        }
      });
      const credentials = new Map<string, CredentialWrite>();
      for (let i = 0; i < plan.changes.length; i++) {
        const c = plan.changes[i];
        if (c.action === 'delete' || !isChangeOf(c, 'provider')) continue;
        const key = resourceKey(c.resource);
        const stored =
          c.target.credentials && kek && fpKey
            ? await storeCredentials(changeId(i), c.resource.name, c.target.kind, c.target.credentials, values, kek, fpKey, deps.cwd)
            : null;
        if (stored) checkShownPrefix(c, c.target.kind, stored.prefix, saved);
        credentials.set(key, { stored, fingerprints: stored ? stored.fingerprints : storedFingerprints(locked, c) });
      }
      // Every parent a written row names exists, now or by this plan (in plan order: the first missing one is named).
      for (const [key, parent] of named.keys) {
        if (!ids.has(key)) throw new CvctlError('STALE_PLAN', `${staleLead(saved)}: ${describeResource(parent)} no longer exists. ${staleTail(saved)}`);
      }

      for (const { step, statements } of convertPlan({ plan, now, ids, changeId, credentials })) {
        await executeStatements(tx, statements);
        const point = STOP_AFTER[`${step.type}:${step.phase}`];
        if (point !== undefined) stopAt(point);
      }
      await recordRun(tx, { ...base, startedAt, finishedAt: deps.now(), summary: plan.summary, result: 'applied', error: null });
      stopAt('apply:before-commit');
    });
    stopAt('apply:committed');
  } catch (caught) {
    // The transaction rolled back. The caller records the refusal or failure in history
    // (src/app/record-run.ts), outside any transaction.
    throw conflictAsStale(caught, deps.savedPlan ?? true);
  } finally {
    await lock.release().catch(() => undefined);
  }
  stopAt('apply:done');
  return { summary: plan.summary, changed: true };
}

/**
 * A unique violation while writing means a row of a name the plan creates appeared after the
 * stale check (a console insert still uncommitted when the rows were locked): the plan is
 * stale, not the database broken.
 */
const BY_CONSTRAINT = new Map(Object.values(RESOURCES).map((r) => [r.uniqueConstraint, r.label]));

/** Test stop points after the steps of apply (docs/reliability.md). */
const STOP_AFTER: Record<string, string> = {
  'provider:write': 'apply:providers-written',
  'providerModel:write': 'apply:models-written',
  'provider:delete': 'apply:deleted',
};

function conflictAsStale(e: unknown, savedPlan: boolean): unknown {
  if (!(e instanceof CvctlError) || e.code !== 'DB_ERROR') return e;
  const cause = e.cause as { code?: unknown; constraint?: unknown } | undefined;
  const constraint = String(cause?.constraint ?? '');
  const label = BY_CONSTRAINT.get(constraint);
  if (cause?.code !== '23505' || label === undefined) return e;
  const what = `a ${label}`;
  return new CvctlError('STALE_PLAN', `${staleLead(savedPlan)}: ${what} the plan creates was created in the database meanwhile. ${staleTail(savedPlan)}`, { cause: e });
}

/**
 * The parents the plan's written rows name (a provider model its provider, a backend its model
 * and provider model), by resource key in plan order, and their types. Consecutive changes mostly
 * name the same parent (a provider's 100 models): its key is made once per run of them.
 */
function namedParents(plan: Plan): { types: Set<ResourceType>; keys: Map<string, ResourceRef> } {
  const keys = new Map<string, ResourceRef>();
  const types = new Set<ResourceType>();
  // The last parent named in each slot (a type's k-th parent).
  const last = new Map<ResourceType, Array<ResourceRef | undefined>>();
  for (const c of plan.changes) {
    if (c.action === 'delete') continue;
    const parents = specOf(c.resource.type).parents;
    let slots = last.get(c.resource.type);
    if (slots === undefined) last.set(c.resource.type, (slots = []));
    for (let k = 0; k < parents.length; k++) {
      const parent = parents[k].ref(c.resource as never) as ResourceRef;
      const prev = slots[k];
      if (prev !== undefined && sameRef(prev, parent)) continue;
      slots[k] = parent;
      types.add(parent.type);
      const key = resourceKey(parent);
      if (!keys.has(key)) keys.set(key, parent);
    }
  }
  return { types, keys };
}

function sameRef(a: ResourceRef, b: ResourceRef): boolean {
  if (a.type !== b.type) return false;
  const x = identityOf(a);
  const y = identityOf(b);
  return x.every((v, i) => v === y[i]);
}

function storedFingerprints(locked: LockedRows, c: Change): Record<string, string> {
  const row = 'id' in c.expect ? locked.providers.get(c.expect.id) : undefined;
  return { ...(row?.credentialFingerprints ?? {}) };
}

/** Install the key a verified saved plan brought; a key that appeared since makes the plan stale. */
async function installPlanKey(tx: Queryable, k: KeyToInstall): Promise<void> {
  if (!(await insertFingerprintKey(tx, k))) {
    throw new CvctlError('STALE_PLAN', `${staleLead(true)}: the database got its key (cvctl_keys) since the plan was made. ${staleTail(true)}`);
  }
}
