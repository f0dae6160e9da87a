// files + catalog + database (+ resolved secrets) → Plan. The diff itself is the pure
// computePlan in src/plan; this module gathers its inputs.
import * as path from 'node:path';
import type { Context } from '../cli/context';
import type { Database } from '../state/database';
import type { Plan } from '../plan/types';
import type { DesiredState, LocatedSecretRef } from '../domain/types';
import type { CurrentState } from '../domain/rows';
import { lazyBundledCatalog } from '../catalog/catalog';
import { loadConfig } from '../config/load';
import { formatDiagnostic, hasErrors, sortDiagnostics } from '../config/diagnostics';
import { readState } from '../state/read-state';
import { computePlan, type CredentialStatus } from '../plan/compute';
import { fingerprintKeyFor } from '../apply/fingerprint-key';
import { credentialPrefix, checkServiceAccountJson } from '../crypto/prefix';
import { refKey, type SecretResolver } from '../secrets/resolver';
import { CATALOG_VERSION } from '../domain/kinds';
import { CvctlError } from '../errors';
import { rowsOfDeclaredProviders } from '../plan/rename';
import { cvctlVersion } from '../cli/version';
import { openKekFor } from './resources';
import { stopAt } from '../testing/stop-at';

export interface MakePlanOptions {
  paths: string[];
  adopt: boolean;
  resolveSecrets: boolean;
  resolver: SecretResolver;
  /** false: no digest (a plan applied at once, never saved); see PlanInput.digest. */
  digest?: boolean;
}

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

export async function makePlan(ctx: Context, db: Database, o: MakePlanOptions): Promise<Plan> {
  const desired = await loadDesired(ctx, o.paths);
  // Plans compare with the rows, never with models' last-applied records (drift does).
  const current = await readState(db, { modelLastApplied: false });
  stopAt('plan:state-read');
  const credentials = await credentialStatus(ctx, db, desired, current, o);
  const { plan, problems } = computePlan({
    // Relative before planning, not after: the plan's digest is computed once, by computePlan
    // (re-hashing a 100,000-change plan here cost seconds).
    desired: withRelativeBaseDirs(desired, ctx.cwd),
    current,
    scope: ctx.opts.scope,
    adopt: o.adopt,
    credentials,
    now: ctx.now(),
    cvctlVersion: cvctlVersion(),
    catalogVersion: CATALOG_VERSION,
    secretsResolved: o.resolveSecrets,
    digest: o.digest,
  });
  if (problems.length > 0) {
    const lines = problems.map((p) => (p.pos ? `${p.pos.file}:${p.pos.line}:${p.pos.column}: ${p.message}` : p.message));
    throw new CvctlError('OWNERSHIP', lines.length === 1 ? lines[0] : `${lines.length} ownership problems:\n  ${lines.join('\n  ')}`);
  }
  return plan;
}

/**
 * A saved plan is applied in another checkout (the merge job, another laptop): `from: file`
 * references are stored relative to the working directory, not as absolute paths. Secrets are
 * resolved (credentialStatus) with the absolute directories; the planner gets relative ones.
 */
function withRelativeBaseDirs(desired: DesiredState, cwd: string): DesiredState {
  const memo = new Map<string, string>();
  const rel = (dir: string): string => {
    let r = memo.get(dir);
    if (r === undefined) {
      r = path.relative(cwd, path.resolve(cwd, dir)) || '.';
      memo.set(dir, r);
    }
    return r;
  };
  return {
    ...desired,
    providers: desired.providers.map((p) => {
      const credentials: Record<string, LocatedSecretRef> = {};
      for (const [field, located] of Object.entries(p.spec.credentials)) credentials[field] = { ...located, baseDir: rel(located.baseDir) };
      return { ...p, spec: { ...p.spec, credentials } };
    }),
  };
}

async function credentialStatus(
  ctx: Context,
  db: Database,
  desired: DesiredState,
  current: CurrentState,
  o: MakePlanOptions,
): Promise<CredentialStatus> {
  const status: CredentialStatus = {};
  const refs: LocatedSecretRef[] = desired.providers.flatMap((p) => Object.values(p.spec.credentials));
  if (!o.resolveSecrets) {
    for (const p of desired.providers) {
      status[p.spec.name] = Object.fromEntries(
        Object.keys(p.spec.credentials).map((f) => [f, { fingerprint: null, prefix: null, unknown: true }]),
      );
    }
    return status;
  }
  const values = refs.length > 0 ? await o.resolver.resolveAll(refs) : new Map();
  // Fingerprints are keyed to the row id, which a rename keeps: a renamed row is found by its earlier name.
  const rowsByName = rowsOfDeclaredProviders(desired, current.providers);
  // Fingerprints are only needed to compare with stored ones: one KEK unwrap, and only then.
  const needFingerprints = desired.providers.some(
    (p) => Object.keys(rowsByName.get(p.spec.name)?.credentialFingerprints ?? {}).length > 0,
  );
  const fpKey = needFingerprints
    ? await fingerprintKeyFor(db, await openKekFor(ctx, false, { unwrapOnly: true }), { create: false })
    : null;
  for (const p of desired.providers) {
    const row = rowsByName.get(p.spec.name);
    const fields: CredentialStatus[string] = {};
    for (const [field, located] of Object.entries(p.spec.credentials)) {
      const v = values.get(refKey(located.ref, located.baseDir));
      if (!v) throw new CvctlError('SECRET_UNRESOLVED', 'secret reference was not resolved', { pos: located.pos });
      if (field === 'serviceAccountJson') {
        const problem = checkServiceAccountJson(v);
        if (problem) throw new CvctlError('SECRET_UNRESOLVED', `credentials.serviceAccountJson: ${problem}`, { pos: located.pos });
      }
      fields[field] = {
        fingerprint: row && fpKey ? fpKey.fingerprint(row.id, field, v) : null,
        prefix: credentialPrefix(p.spec.kind, field, v),
      };
    }
    status[p.spec.name] = fields;
  }
  return status;
}
