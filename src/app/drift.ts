// `cvctl drift`: files, one snapshot of the database and the files' credential fingerprints,
// compared three ways (src/drift/compute.ts). Read-only by construction, so it runs with a role
// that may only SELECT: reads in one READ ONLY transaction, no lock, no run record, and the
// fingerprint key is only read (never created).
import type { Context } from './context';
import type { PlanWarning } from '../plan/types';
import type { DeletedRow } from '../plan/drift/deleted';
import type { DriftReport } from '../plan/drift/types';
import { readDriftSnapshot } from '../state/drift-snapshot';
import { CATALOG_VERSION } from '../domain/kinds';
import { cvctlVersion } from '../version';
import { computeDrift } from '../plan/drift/compute';
import { openDb } from './resources';
import { credentialStatus, loadDesired, type SecretsOptions } from './inputs';

export interface DriftOptions extends SecretsOptions {
  paths: string[];
}

/** The drift report of the files against the database (opened and closed here). */
export async function gatherDrift(ctx: Context, o: DriftOptions): Promise<DriftReport> {
  const db = await openDb(ctx, { purpose: 'drift' });
  try {
    const desired = await loadDesired(ctx, o.paths, 'compared');
    const { current, lastAppliedAt, deleted, deletedRouting } = await readDriftSnapshot(db, ctx.opts.scope);
    const warnings: PlanWarning[] = [];
    const deletedProviders = new Map<string, DeletedRow>(deleted.filter((d) => d.resourceType === 'provider').map((d) => [d.provider, d]));
    const deletedFingerprints: Record<string, Record<string, string | null>> = {};
    const credentials = await credentialStatus(ctx, db, desired, current, o, { for: 'drift', warnings, deletedProviders, deletedFingerprints });
    return computeDrift({
      desired,
      current,
      scope: ctx.opts.scope,
      credentials,
      secretsResolved: o.resolveSecrets,
      lastAppliedAt,
      deleted,
      deletedRouting,
      deletedFingerprints,
      warnings,
      now: ctx.now(),
      cvctlVersion: cvctlVersion(),
      catalogVersion: CATALOG_VERSION,
    });
  } finally {
    await db.close();
  }
}
