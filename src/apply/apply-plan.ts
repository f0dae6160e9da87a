// A Plan → SQL, all or nothing. Apply reads only the plan (plus the secret values its
// references resolve to now); it never re-diffs the files.
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../state/database';
import type { Change, Plan, ProviderModelTarget, ProviderTarget, Summary, CredentialTarget } from '../plan/types';
import type { Kek } from '../crypto/kek';
import { fingerprintKeyFor } from './fingerprint-key';
import type { SecretResolver } from '../secrets/resolver';
import { acquireScopeLock } from '../state/lock';
import { recordRun } from '../state/runs';
import { CvctlError } from '../errors';
import { stopAt } from '../testing/stop-at';
import { checkAndLockRows, staleLead, staleTail, type LockedRows } from './stale-check';
import { checkGuards, checkShownPrefix } from './plan-guards';
import { lastAppliedOfModel, lastAppliedOfProvider } from '../plan/shapes';
import { FINGERPRINT_KEY_NAME } from '../crypto/fingerprint';
import type { KeyToInstall } from './plan-key';
import { locatedRefs, storeCredentials } from './credentials';
import {
  deleteRows,
  insertModels,
  insertProviders,
  setStatus,
  updateModels,
  updateProviders,
  type ModelWrite,
  type ProviderWrite,
} from './write-rows';

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

const isProviderTarget = (t: unknown): t is ProviderTarget => typeof t === 'object' && t !== null && 'labels' in t;

export function countDeletes(plan: Plan): { providers: string[]; models: number } {
  const providers = plan.changes.filter((c) => c.action === 'delete' && c.resource.type === 'provider').map((c) => c.resource.name);
  const models = plan.changes.filter((c) => c.action === 'delete' && c.resource.type === 'providerModel').length;
  return { providers, models };
}

export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyResult> {
  const del = countDeletes(plan);
  if ((del.providers.length > 0 || del.models > 0) && !deps.allowDelete) {
    const what = [
      del.providers.length ? `${del.providers.length} provider(s): ${del.providers.slice(0, 5).join(', ')}` : '',
      del.models ? `${del.models} provider model(s)` : '',
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
    isProviderTarget(c.target) && c.target.credentials ? [c.target.credentials] : [],
  );
  const refs = credTargets.flatMap((t: Record<string, CredentialTarget>) => locatedRefs(t, deps.cwd));
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
      if (deps.installKey) await installPlanKey(tx, deps.installKey);
      stopAt('apply:rows-locked');
      const fpKey = kek ? await fingerprintKeyFor(tx, kek, { create: true }) : null;
      const newId = deps.newId ?? randomUUID;
      const providerIds = new Map(locked.providerIds);

      const pInserts: ProviderWrite[] = [];
      const pUpdates: ProviderWrite[] = [];
      const statusOnly: Record<'providers' | 'provider_models', Record<'active' | 'disabled', string[]>> = {
        providers: { active: [], disabled: [] },
        provider_models: { active: [], disabled: [] },
      };
      const deletes: Record<'providers' | 'provider_models', string[]> = { providers: [], provider_models: [] };

      for (const c of plan.changes) {
        if (c.resource.type !== 'provider') continue;
        const id = 'id' in c.expect ? c.expect.id : newId();
        if (c.action === 'delete') {
          deletes.providers.push(id);
          continue;
        }
        if (!isProviderTarget(c.target)) {
          statusOnly.providers[statusAfter(c)].push(id);
          continue;
        }
        providerIds.set(c.resource.name, id);
        const credentials =
          c.target.credentials && kek && fpKey
            ? await storeCredentials(id, c.resource.name, c.target.kind, c.target.credentials, values, kek, fpKey, deps.cwd)
            : null;
        // The last-applied record is derived here from what is written, never read from the plan:
        // the fingerprints actually stored (a create could not know them at plan time, no row id
        // yet), or, credentials kept, those the row has; drift compares against them.
        if (credentials) checkShownPrefix(c, c.target.kind, credentials.prefix, deps.savedPlan ?? true);
        const fingerprints = credentials ? credentials.fingerprints : storedFingerprints(locked, c);
        const target = { ...c.target, lastApplied: lastAppliedOfProvider(c.target, fingerprints) };
        (c.action === 'create' ? pInserts : pUpdates).push({ id, target, credentials });
      }

      const mInserts: ModelWrite[] = [];
      const mUpdates: ModelWrite[] = [];
      for (const c of plan.changes) {
        if (c.resource.type !== 'providerModel') continue;
        const id = 'id' in c.expect ? c.expect.id : newId();
        if (c.action === 'delete') {
          deletes.provider_models.push(id);
          continue;
        }
        if (!c.target || isProviderTarget(c.target)) {
          statusOnly.provider_models[statusAfter(c)].push(id);
          continue;
        }
        const providerId = providerIds.get(c.resource.provider);
        if (!providerId) {
          const saved = deps.savedPlan ?? true;
          throw new CvctlError('STALE_PLAN', `${staleLead(saved)}: provider '${c.resource.provider}' no longer exists. ${staleTail(saved)}`);
        }
        const mt = c.target as ProviderModelTarget;
        (c.action === 'create' ? mInserts : mUpdates).push({ id, providerId, target: { ...mt, lastApplied: lastAppliedOfModel(mt) } });
      }

      await insertProviders(tx, pInserts, plan.scope, now);
      await updateProviders(tx, pUpdates, plan.scope, now);
      for (const s of ['active', 'disabled'] as const) await setStatus(tx, 'providers', statusOnly.providers[s], s, now);
      stopAt('apply:providers-written');
      await insertModels(tx, mInserts, plan.scope, now);
      await updateModels(tx, mUpdates, plan.scope, now);
      for (const s of ['active', 'disabled'] as const) await setStatus(tx, 'provider_models', statusOnly.provider_models[s], s, now);
      stopAt('apply:models-written');
      await deleteRows(tx, 'provider_models', deletes.provider_models);
      await deleteRows(tx, 'providers', deletes.providers);
      stopAt('apply:deleted');
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
const NAME_CONSTRAINTS = new Set(['providers_name_key', 'provider_models_provider_model_key']);

function conflictAsStale(e: unknown, savedPlan: boolean): unknown {
  if (!(e instanceof CvctlError) || e.code !== 'DB_ERROR') return e;
  const cause = e.cause as { code?: unknown; constraint?: unknown } | undefined;
  const constraint = String(cause?.constraint ?? '');
  if (cause?.code !== '23505' || !NAME_CONSTRAINTS.has(constraint)) return e;
  const what = constraint === 'providers_name_key' ? 'a provider' : 'a provider model';
  return new CvctlError('STALE_PLAN', `${staleLead(savedPlan)}: ${what} the plan creates was created in the database meanwhile. ${staleTail(savedPlan)}`, { cause: e });
}

function storedFingerprints(locked: LockedRows, c: Change): Record<string, string> {
  const row = 'id' in c.expect ? locked.providers.get(c.expect.id) : undefined;
  return { ...(row?.credentialFingerprints ?? {}) };
}

/** Install the key a verified saved plan brought; a key that appeared since makes the plan stale. */
async function installPlanKey(tx: Queryable, k: KeyToInstall): Promise<void> {
  const r = await tx.query(
    `insert into cvctl_keys (name, wrapped_key, kek_id, created_at) values ($1, $2, $3, now()) on conflict (name) do nothing`,
    [FINGERPRINT_KEY_NAME, k.wrapped, k.kekId],
  );
  if (r.rowCount !== 1) {
    throw new CvctlError('STALE_PLAN', `${staleLead(true)}: the database got its key (cvctl_keys) since the plan was made. ${staleTail(true)}`);
  }
}

function statusAfter(c: Change): 'active' | 'disabled' {
  return c.action === 'enable' ? 'active' : 'disabled';
}
