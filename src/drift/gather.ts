// `cvctl drift`'s inputs: files, one snapshot of the database, and the files' credential
// fingerprints. Read-only by construction, so it runs with a role that may only SELECT:
// reads in one READ ONLY transaction, no lock, no run record, and the fingerprint key is
// only read (never created).
import type { Context } from '../cli/context';
import type { Database } from '../state/database';
import type { DesiredState, LocatedSecretRef } from '../domain/types';
import type { CurrentState } from '../domain/rows';
import type { CredentialStatus } from '../plan/compute';
import type { PlanWarning } from '../plan/types';
import { readState } from '../state/read-state';
import { loadFingerprintKey } from '../crypto/fingerprint';
import { credentialPrefix } from '../crypto/prefix';
import { refKey, type SecretResolver } from '../secrets/resolver';
import { CATALOG_VERSION } from '../domain/kinds';
import { CvctlError } from '../errors';
import { rowsOfDeclaredProviders } from '../plan/rename';
import { cvctlVersion } from '../cli/version';
import { openKekFor } from '../app/resources';
import { loadDesired } from '../app/make-plan';
import { computeDrift } from '../plan/drift/compute';
import type { DeletedRow } from '../plan/drift/deleted';
import type { DriftReport } from '../plan/drift/types';

export interface DriftOptions {
  paths: string[];
  resolveSecrets: boolean;
  resolver: SecretResolver;
}

interface Snapshot {
  current: CurrentState;
  lastAppliedAt: Record<string, string | null>;
  deleted: DeletedRow[];
}

/** The rows, their last_applied_at and the scope's rows deleted outside cvctl, in one snapshot. */
async function readSnapshot(db: Database, scope: string): Promise<Snapshot> {
  return db.transaction(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    const current = await readState(tx);
    const r = await tx.query<{ id: string; lastAppliedAt: string | null }>(
      'select id, last_applied_at as "lastAppliedAt" from providers',
    );
    const d = await tx.query<DeletedRow>(
      `select resource_type as "resourceType", provider, model_id as "modelId", row_id as "rowId",
              managed_by as "managedBy", last_applied as "lastApplied", deleted_at as "deletedAt"
         from cvctl_deleted_rows where managed_by = $1`,
      [scope],
    );
    return { current, lastAppliedAt: Object.fromEntries(r.rows.map((x) => [x.id, x.lastAppliedAt])), deleted: d.rows };
  });
}

export async function gatherDrift(ctx: Context, db: Database, o: DriftOptions): Promise<DriftReport> {
  const desired = await loadDesired(ctx, o.paths, 'compared');
  const { current, lastAppliedAt, deleted } = await readSnapshot(db, ctx.opts.scope);
  const warnings: PlanWarning[] = [];
  const deletedProviders = new Map(deleted.filter((d) => d.resourceType === 'provider').map((d) => [d.provider, d]));
  const deletedFingerprints: Record<string, Record<string, string | null>> = {};
  const credentials = o.resolveSecrets
    ? await credentialStatus(ctx, db, desired, current, o.resolver, warnings, deletedProviders, deletedFingerprints)
    : unresolved(desired);
  return computeDrift({
    desired,
    current,
    scope: ctx.opts.scope,
    credentials,
    secretsResolved: o.resolveSecrets,
    lastAppliedAt,
    deleted,
    deletedFingerprints,
    warnings,
    now: ctx.now(),
    cvctlVersion: cvctlVersion(),
    catalogVersion: CATALOG_VERSION,
  });
}

function unresolved(desired: DesiredState): CredentialStatus {
  const status: CredentialStatus = {};
  for (const p of desired.providers) {
    status[p.spec.name] = Object.fromEntries(
      Object.keys(p.spec.credentials).map((f) => [f, { fingerprint: null, prefix: null, unknown: true }]),
    );
  }
  return status;
}

/**
 * Fingerprints of the files' credentials, keyed to each existing row (one KEK unwrap for the
 * fingerprint key, none per row). Without a key, existing rows' credentials are unknown.
 */
async function credentialStatus(
  ctx: Context,
  db: Database,
  desired: DesiredState,
  current: CurrentState,
  resolver: SecretResolver,
  warnings: PlanWarning[],
  deletedProviders: Map<string, DeletedRow>,
  deletedFingerprints: Record<string, Record<string, string | null>>,
): Promise<CredentialStatus> {
  const refs: LocatedSecretRef[] = desired.providers.flatMap((p) => Object.values(p.spec.credentials));
  const values = refs.length > 0 ? await resolver.resolveAll(refs) : new Map();
  // Fingerprints are keyed to the row id, which a rename keeps: a renamed row is found by its earlier name.
  const rowsByName = rowsOfDeclaredProviders(desired, current.providers);
  const existing = desired.providers.filter((p) => rowsByName.has(p.spec.name) && Object.keys(p.spec.credentials).length > 0);
  // A provider deleted outside cvctl: its last apply's fingerprints, keyed with its old row id.
  const gone = desired.providers.filter((p) => !rowsByName.has(p.spec.name) && deletedProviders.has(p.spec.name));
  const needKey =
    existing.some((p) => Object.keys(rowsByName.get(p.spec.name)?.credentialFingerprints ?? {}).length > 0) ||
    gone.some((p) => Object.keys((deletedProviders.get(p.spec.name)?.lastApplied?.credentials ?? {}) as object).length > 0);
  const fpKey = needKey ? await loadFingerprintKey(db, await openKekFor(ctx, false), { create: false }) : null;
  if (needKey && fpKey === null) {
    warnings.push({
      code: 'no-fingerprint-key',
      message: 'the database has no credential fingerprint key (cvctl_keys); credentials were not compared',
    });
  }
  const status: CredentialStatus = {};
  for (const p of desired.providers) {
    const row = rowsByName.get(p.spec.name);
    const fields: CredentialStatus[string] = {};
    for (const [field, located] of Object.entries(p.spec.credentials)) {
      const v = values.get(refKey(located.ref, located.baseDir));
      if (!v) throw new CvctlError('SECRET_UNRESOLVED', 'secret reference was not resolved', { pos: located.pos });
      const prefix = credentialPrefix(p.spec.kind, field, v);
      if (row === undefined) fields[field] = { fingerprint: null, prefix };
      else if (fpKey === null) fields[field] = { fingerprint: null, prefix, unknown: true };
      else fields[field] = { fingerprint: fpKey.fingerprint(row.id, field, v), prefix };
      const was = row === undefined ? deletedProviders.get(p.spec.name) : undefined;
      if (was !== undefined) (deletedFingerprints[p.spec.name] ??= {})[field] = fpKey ? fpKey.fingerprint(was.rowId, field, v) : null;
    }
    status[p.spec.name] = fields;
  }
  return status;
}
