// The inputs every use case that compares files with the database gathers (plan, apply,
// drift), gathered here and only here: the checked files, and the files' credentials resolved
// and turned into what the planner compares (fingerprints keyed to each row, prefixes). This is
// the one place that resolves secrets and reads the fingerprint key for a comparison.
import type { Context } from './context';
import type { Database } from '../state/database';
import type { DesiredState, LocatedSecretRef } from '../domain/types';
import type { CurrentState } from '../domain/rows';
import type { CredentialStatus } from '../plan/compute';
import type { PlanWarning } from '../plan/types';
import type { DeletedRow } from '../plan/drift/deleted';
import { lazyBundledCatalog } from '../catalog/catalog';
import { loadConfig } from '../config/load';
import { formatDiagnostic, hasErrors, sortDiagnostics } from '../config/diagnostics';
import { fingerprintKeyFor } from '../crypto/fingerprint';
import { credentialPrefix, checkServiceAccountJson } from '../crypto/prefix';
import { refKey, type SecretResolver } from '../secrets/resolver';
import { CvctlError } from '../errors';
import { rowsOfDeclaredProviders } from '../plan/rename';
import { openKekFor } from './resources';

/**
 * Load and check the files; print warnings; throw when there are errors. `nothing` finishes
 * the error message: what did not happen because of them ("planned", "compared").
 */
export async function loadDesired(ctx: Context, paths: string[], nothing = 'planned'): Promise<DesiredState> {
  const load = await loadConfig(paths, { catalog: lazyBundledCatalog(), cwd: ctx.cwd });
  const ds = sortDiagnostics(load.diagnostics);
  for (const d of ds) if (d.severity !== 'info' || ctx.opts.verbose) ctx.io.stderr(formatDiagnostic(d) + '\n');
  if (hasErrors(ds)) {
    const n = ds.filter((d) => d.severity === 'error').length;
    throw new CvctlError('INVALID_CONFIG', `${n} error${n === 1 ? '' : 's'} in the files (see above); nothing was ${nothing}`);
  }
  return load.desired;
}

export interface SecretsOptions {
  /** false (`--no-resolve-secrets`): nothing is read; every credential is unknown. */
  resolveSecrets: boolean;
  resolver: SecretResolver;
}

/**
 * What the comparison is for. The two differ where a plan must decide a write and drift only
 * reports:
 * - plan: a service-account JSON that is not usable is an error (apply would store it); a row
 *   whose fingerprints cannot be computed (no key yet) compares as changed (apply rewrites its
 *   credentials); the KEK is opened for unwrapping only (one KMS call on a no-op plan).
 * - drift: such a row's credentials are unknown, with a `no-fingerprint-key` warning when the
 *   database has no key; the files' credentials of providers deleted outside cvctl are also
 *   fingerprinted with the deleted row's id (`deleted`), to compare with their last apply.
 */
export type CredentialPurpose =
  | { for: 'plan' }
  | {
      for: 'drift';
      warnings: PlanWarning[];
      /** Providers deleted outside cvctl, by name. */
      deletedProviders: Map<string, DeletedRow>;
      /** Filled: provider name -> field -> fingerprint with the deleted row's id (null without a key). */
      deletedFingerprints: Record<string, Record<string, string | null>>;
    };

/** Every declared credential unknown: secrets were not read. */
function unresolved(desired: DesiredState): CredentialStatus {
  const status: CredentialStatus = {};
  for (const p of desired.providers) {
    status[p.spec.name] = Object.fromEntries(Object.keys(p.spec.credentials).map((f) => [f, { fingerprint: null, prefix: null, unknown: true }]));
  }
  return status;
}

/**
 * Fingerprints of the files' credentials, keyed to each existing row (one KEK unwrap for the
 * fingerprint key, and only when some stored fingerprint needs comparing; none per row).
 */
export async function credentialStatus(
  ctx: Context,
  db: Database,
  desired: DesiredState,
  current: CurrentState,
  o: SecretsOptions,
  purpose: CredentialPurpose,
): Promise<CredentialStatus> {
  if (!o.resolveSecrets) return unresolved(desired);
  const refs: LocatedSecretRef[] = desired.providers.flatMap((p) => Object.values(p.spec.credentials));
  const values = refs.length > 0 ? await o.resolver.resolveAll(refs) : new Map();
  // Fingerprints are keyed to the row id, which a rename keeps: a renamed row is found by its earlier name.
  const rowsByName = rowsOfDeclaredProviders(desired, current.providers);
  const drift = purpose.for === 'drift' ? purpose : null;
  const deletedRowOf = (name: string): DeletedRow | undefined => (rowsByName.has(name) ? undefined : drift?.deletedProviders.get(name));
  // A plan also opens the KEK for a row whose provider no longer declares credentials (the
  // configured KEK is then checked all the same); drift only when there is something to compare.
  const needKey = desired.providers.some(
    (p) =>
      (Object.keys(rowsByName.get(p.spec.name)?.credentialFingerprints ?? {}).length > 0 &&
        (!drift || Object.keys(p.spec.credentials).length > 0)) ||
      Object.keys((deletedRowOf(p.spec.name)?.lastApplied?.credentials ?? {}) as object).length > 0,
  );
  const kek = needKey ? await openKekFor(ctx, false, { unwrapOnly: !drift }) : null;
  const fpKey = kek ? await fingerprintKeyFor(db, kek, { create: false }) : null;
  if (drift && needKey && fpKey === null) {
    drift.warnings.push({
      code: 'no-fingerprint-key',
      message: 'the database has no credential fingerprint key (cvctl_keys); credentials were not compared',
    });
  }
  const status: CredentialStatus = {};
  for (const p of desired.providers) {
    const row = rowsByName.get(p.spec.name);
    const was = deletedRowOf(p.spec.name);
    const fields: CredentialStatus[string] = {};
    for (const [field, located] of Object.entries(p.spec.credentials)) {
      const v = values.get(refKey(located.ref, located.baseDir));
      if (!v) throw new CvctlError('SECRET_UNRESOLVED', 'secret reference was not resolved', { pos: located.pos });
      if (!drift && field === 'serviceAccountJson') {
        const problem = checkServiceAccountJson(v);
        if (problem) throw new CvctlError('SECRET_UNRESOLVED', `credentials.serviceAccountJson: ${problem}`, { pos: located.pos });
      }
      const prefix = credentialPrefix(p.spec.kind, field, v);
      if (row === undefined) fields[field] = { fingerprint: null, prefix };
      else if (fpKey !== null) fields[field] = { fingerprint: fpKey.fingerprint(row.id, field, v), prefix };
      else fields[field] = drift ? { fingerprint: null, prefix, unknown: true } : { fingerprint: null, prefix };
      if (drift && was !== undefined) (drift.deletedFingerprints[p.spec.name] ??= {})[field] = fpKey ? fpKey.fingerprint(was.rowId, field, v) : null;
    }
    status[p.spec.name] = fields;
  }
  return status;
}
