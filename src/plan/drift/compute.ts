// The drift core: files × database × last-applied records → DriftReport. Pure: no I/O, no
// clock (input.now). The planner computes the 2-way differences (files vs database: the
// same paths, cascades and order as `cvctl plan`); this module labels each one with the
// last-applied record, adds the rows no scope manages, and applies the ignore lists.
import type { CurrentState, ProviderModelRow, ProviderRow } from '../../domain/rows';
import type { DesiredProvider, DesiredState } from '../../domain/types';
import { assertNever } from '../../domain/kinds';
import { identityOf } from '../../resources/registry';
import { computePlan, type CredentialStatus } from '../compute';
import { REMOVED_DISABLE } from '../context';
import { compareStrings, isPlainObject, sortKeysDeep } from '../canonical';
import { diffFlat, type FlatMap } from '../diff';
import { modelFlat, providerFlat, type ModelShape, type ProviderShape } from '../shapes';
import { ACTIONS, PLAN_FORMAT_VERSION, type Change, type FieldChange, type PlanWarning, type ResourceRef, type Summary } from '../types';
import { ABSENT, PRESENT, fpSide, labelCredential, labelValues, lastAppliedCredential, type CredentialSide } from './label';
import { applyIgnores } from './ignore';
import { deletedKey, labelCreate, type DeletedRow } from './deleted';
import { declaredGrantKey, isRoutingChange, labelRouting, routingIndex, unmanagedRouting, type DeletedRoutingRow } from './routing';
import { changeHead, combineLabels, DRIFT_LABELS, isProviderSide, type DriftChange, type DriftField, type ProviderSideChange, type DriftReport, type DriftSummary } from './types';

export interface DriftInput {
  desired: DesiredState;
  current: CurrentState;
  scope: string;
  /** The files' credentials, per provider and field (as for computePlan). */
  credentials: CredentialStatus;
  /** false with --no-resolve-secrets: credentials are not compared at all. */
  secretsResolved: boolean;
  /** providers.last_applied_at by provider id (only drift needs it, so it is not in ProviderRow). */
  lastAppliedAt: Record<string, string | null>;
  /** Managed rows of this scope deleted outside cvctl, with their last-applied records (./deleted). */
  deleted?: DeletedRow[];
  /** Managed models and grants of this scope deleted outside cvctl (cvctl_deleted_routing_rows). */
  deletedRouting?: DeletedRoutingRow[];
  /** The files' credentials fingerprinted with a deleted provider's row id, by provider name. */
  deletedFingerprints?: Record<string, Record<string, string | null>>;
  /** Warnings found while gathering the inputs (e.g. no fingerprint key). */
  warnings?: PlanWarning[];
  now: Date;
  cvctlVersion: string;
  catalogVersion: string;
}

interface Index {
  input: DriftInput;
  rows: Map<string, ProviderRow>;
  models: Map<string, ProviderModelRow>;
  desired: Map<string, DesiredProvider>;
  deleted: Map<string, DeletedRow>;
  /** Renames the files make that are not applied yet: new name -> the row's current name. */
  renamedFrom: Map<string, string>;
}

const modelKey = (providerId: string, modelId: string): string => `${providerId}\u0000${modelId}`;

export function computeDrift(input: DriftInput): DriftReport {
  // adopt: true so that rows made outside cvctl but declared in the files are compared (as
  // `plan --adopt` would) instead of failing; they are labelled `unmanaged`.
  const { plan, problems } = computePlan({ ...input, adopt: true });
  const ix: Index = {
    input,
    rows: new Map(input.current.providers.map((r) => [r.name, r])),
    models: new Map(input.current.providerModels.map((m) => [modelKey(m.providerId, m.modelId), m])),
    desired: new Map(input.desired.providers.map((d) => [d.spec.name, d])),
    deleted: new Map(
      (input.deleted ?? []).filter((d) => d.managedBy === input.scope).map((d) => [deletedKey(d.provider, d.modelId), d]),
    ),
    renamedFrom: new Map(plan.changes.filter(isProviderSide).flatMap((c) => (c.renamedFrom !== undefined ? [[c.resource.name, c.renamedFrom] as const] : []))),
  };
  const changes: DriftChange[] = [];
  for (const c of plan.changes.filter(isProviderSide)) {
    const d = annotate(ix, c);
    if (d !== null) changes.push(d);
  }
  const rix = routingIndex(input.current.routing, input.deletedRouting ?? [], plan.changes);
  for (const c of plan.changes.filter(isRoutingChange)) {
    const d = labelRouting(rix, c);
    if (d !== null) changes.push(d);
  }
  changes.push(...unmanagedRows(ix));
  const declaredModels = new Set((input.desired.models ?? []).flatMap((m) => [m.name, ...(m.renamedFrom ?? []).map((r) => r.name)]));
  const declaredGrants = new Set((input.desired.accessGrants ?? []).map((g) => declaredGrantKey(g.model, g.subject.type, g.subject.name)));
  changes.push(...unmanagedRouting(input.current.routing, input.scope, declaredModels, declaredGrants));
  const warnings: PlanWarning[] = [...(input.warnings ?? []), ...plan.warnings];
  for (const p of problems) {
    const declared = p.code === 'unmanaged-exists' ? declaredUnmanagedModel(ix, p.resource) : null;
    if (declared !== null) changes.push(declared);
    else warnings.push({ code: p.code, message: p.message, resource: p.resource });
  }
  const filtered = applyIgnores(changes, input.desired, input.now);
  return finishReport({
    scope: input.scope,
    changes: filtered.changes,
    warnings: [...warnings, ...filtered.warnings],
    ignored: filtered.ignored,
    meta: {
      createdAt: input.now.toISOString(),
      cvctlVersion: input.cvctlVersion,
      catalogVersion: input.catalogVersion,
      secretsResolved: input.secretsResolved,
    },
  });
}

const head = changeHead;

function isUnknownSecret(v: unknown): boolean {
  return isPlainObject(v) && v.sensitive === true && v.unknown === true;
}

/** A plan change → a labelled difference, or null when nothing provably differs. */
function annotate(ix: Index, c: ProviderSideChange): DriftChange | null {
  if (c.adopt) {
    // A stored credential compared with an unresolved one is an unknown, not a difference
    // (one the row lacks is: the field is added either way).
    const fields = (c.fields ?? []).filter((f) => !(isUnknownSecret(f.after) && f.before !== null));
    return {
      ...head(c),
      drift: 'unmanaged',
      fields,
      adopt: true,
      reason: 'made outside cvctl; declared in the files: `cvctl plan --adopt` takes it over',
    };
  }
  switch (c.action) {
    case 'create': {
      // Not in the database: never applied (pending), or deleted outside cvctl (./deleted).
      const r = c.resource;
      const key = r.type === 'provider' ? deletedKey(r.name) : deletedKey(r.provider, r.name);
      const fps = r.type === 'provider' ? ix.input.deletedFingerprints?.[r.name] : undefined;
      return labelCreate(c, ix.deleted.get(key), fps);
    }
    case 'delete':
      return { ...head(c), drift: 'pending' };
    case 'update':
    case 'enable':
    case 'disable':
      if (c.reason === REMOVED_DISABLE) return { ...head(c), drift: 'pending', fields: c.fields ?? [] };
      return threeWay(ix, c);
    default:
      return assertNever(c, 'action');
  }
}

function flatOf(record: Record<string, unknown> | null, flatten: (r: Record<string, unknown>) => FlatMap): FlatMap | null {
  return record === null ? null : flatten(record);
}

/** An update of a managed row: label every differing field with the last apply. */
function threeWay(ix: Index, c: ProviderSideChange): DriftChange | null {
  let record: Record<string, unknown> | null;
  let credentialSides: ((field: string) => [CredentialSide, CredentialSide, CredentialSide]) | null = null;
  let flat: FlatMap | null;
  if (c.resource.type === 'provider') {
    // A rename not applied yet: the row still has its earlier name.
    const row = ix.rows.get(c.renamedFrom ?? c.resource.name);
    const dp = ix.desired.get(c.resource.name);
    if (row === undefined || dp === undefined) return null;
    record = row.lastApplied;
    // Records written before names were recorded hold none: the row's name is what was applied.
    flat = flatOf(record, (r) => providerFlat(r as unknown as ProviderShape, typeof r.name === 'string' ? r.name : row.name));
    credentialSides = (field) => credentialThreeWay(ix, row, dp, field);
  } else {
    const provider = ix.rows.get(ix.renamedFrom.get(c.resource.provider) ?? c.resource.provider);
    const row = provider && ix.models.get(modelKey(provider.id, c.resource.name));
    if (row === undefined) return null;
    record = row.lastApplied;
    flat = flatOf(record, (r) => modelFlat(r as unknown as ModelShape));
  }
  const fields: DriftField[] = [];
  for (const f of c.fields ?? []) {
    const field = labelField(ix, f, flat, credentialSides);
    if (field !== null) fields.push(field);
  }
  if (fields.length === 0) return null;
  return { ...head(c), drift: combineLabels(fields.map((f) => f.drift ?? 'conflict')), fields };
}

function labelField(
  ix: Index,
  f: FieldChange,
  flat: FlatMap | null,
  credentialSides: ((field: string) => [CredentialSide, CredentialSide, CredentialSide]) | null,
): DriftField | null {
  if (f.path.startsWith('credentials.') && credentialSides !== null) {
    // --no-resolve-secrets: credentials are not compared, in either direction.
    if (!ix.input.secretsResolved) return null;
    const [files, db, last] = credentialSides(f.path.slice('credentials.'.length));
    const label = labelCredential(files, db, last);
    return label === null ? null : { path: f.path, drift: label, before: f.before, after: f.after };
  }
  // No record at all: undefined (unknown). A record without this leaf: null, as diffFlat does.
  const last = flat === null ? undefined : flat.has(f.path) ? flat.get(f.path) : null;
  const label = labelValues(f.after, f.before, last);
  return {
    path: f.path,
    drift: label,
    before: f.before,
    after: f.after,
    ...(last !== undefined ? { lastApplied: sortKeysDeep(last) } : {}),
  };
}

/** [files, database, last apply] for one credential field of a provider. */
function credentialThreeWay(
  ix: Index,
  row: ProviderRow,
  dp: DesiredProvider,
  field: string,
): [CredentialSide, CredentialSide, CredentialSide] {
  const declared = Object.prototype.hasOwnProperty.call(dp.spec.credentials, field);
  const st = ix.input.credentials[dp.spec.name]?.[field];
  const files = !declared ? ABSENT : st && !st.unknown && st.fingerprint !== null ? fpSide(st.fingerprint) : PRESENT;
  const stored = row.credentialFingerprints[field];
  const db = typeof stored === 'string' ? fpSide(stored) : ABSENT;
  const last = lastAppliedCredential(row.lastApplied, field, db, row.credentialUpdatedAt, ix.input.lastAppliedAt[row.id] ?? null);
  return [files, db, last];
}

/**
 * A model made outside cvctl that the files declare on a provider this scope already manages.
 * The planner refuses those even with adopt (it adopts models only with their provider), so
 * it reports a problem; here it is what it is, an unmanaged row, with its differences.
 */
function declaredUnmanagedModel(ix: Index, r: ResourceRef): DriftChange | null {
  if (r.type !== 'providerModel') return null;
  const provider = ix.rows.get(ix.renamedFrom.get(r.provider) ?? r.provider);
  const row = provider && ix.models.get(modelKey(provider.id, r.name));
  const desired = ix.desired.get(r.provider)?.models.find((m) => m.modelId === r.name);
  if (row === undefined || desired === undefined) return null;
  return {
    action: 'update',
    resource: r,
    drift: 'unmanaged',
    fields: diffFlat(modelFlat(row), modelFlat(desired)),
    reason: 'made outside cvctl; declared in the files',
  };
}

/**
 * Rows no scope manages that the files do not declare (declared ones came through the
 * planner as adopt updates): providers, and models on providers this scope manages.
 */
function unmanagedRows(ix: Index): DriftChange[] {
  const out: DriftChange[] = [];
  const { scope } = ix.input;
  const modelsOf = new Map<string, ProviderModelRow[]>();
  for (const m of ix.input.current.providerModels) {
    const list = modelsOf.get(m.providerId);
    if (list === undefined) modelsOf.set(m.providerId, [m]);
    else list.push(m);
  }
  const renamedTo = new Map([...ix.renamedFrom].map(([to, from]) => [from, to]));
  for (const row of ix.input.current.providers) {
    const to = renamedTo.get(row.name);
    const dp = ix.desired.get(to ?? row.name);
    if (row.managedBy === null && dp === undefined) {
      const n = modelsOf.get(row.id)?.length ?? 0;
      out.push({
        // Nothing: cvctl leaves rows it does not manage alone (see DriftChange.action).
        action: 'none',
        resource: { type: 'provider', name: row.name },
        drift: 'unmanaged',
        reason: `made outside cvctl, not in the files, with ${n} provider model${n === 1 ? '' : 's'}: \`cvctl export --include-unmanaged\` writes it out`,
      });
    } else if (row.managedBy === scope && dp !== undefined) {
      const declared = new Set(dp.models.map((m) => m.modelId));
      for (const m of modelsOf.get(row.id) ?? []) {
        if (m.managedBy !== null || declared.has(m.modelId)) continue;
        out.push({
          action: 'none',
          resource: { type: 'providerModel', provider: to ?? row.name, name: m.modelId },
          drift: 'unmanaged',
          reason: 'made outside cvctl, not in the files',
        });
      }
    }
  }
  return out;
}

// The last step: one fixed order and the counts. The order is the plan's (provider
// creates/updates, model creates/updates, model deletes, provider deletes; each by name), so a
// report reads like the plan that would resolve it.
// Models, backends and grants follow, in the same order among themselves (writes, then deletes).
const LEVEL: Record<ResourceRef['type'], number> = { provider: 0, providerModel: 1, model: 2, modelBackend: 3, accessGrant: 4 };

function rank(c: DriftChange): number {
  const level = LEVEL[c.resource.type];
  if (level < 2) return c.action === 'delete' ? 3 - level : level;
  return c.action === 'delete' ? 12 - level : 2 + level;
}

function key(c: DriftChange): string {
  return identityOf(c.resource).join('\u0000');
}

function sortChanges(changes: DriftChange[]): DriftChange[] {
  return [...changes].sort((a, b) => rank(a) - rank(b) || compareStrings(key(a), key(b)));
}

interface FinishInput {
  scope: string;
  changes: DriftChange[];
  warnings: PlanWarning[];
  ignored: number;
  meta: DriftReport['meta'];
}

function finishReport(i: FinishInput): DriftReport {
  const changes = sortChanges(i.changes);
  const summary = Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Summary;
  const driftSummary = { ...Object.fromEntries(DRIFT_LABELS.map((l) => [l, 0])), ignored: i.ignored } as DriftSummary;
  for (const c of changes) {
    if (c.action !== 'none') summary[c.action] += 1;
    driftSummary[c.drift] += 1;
  }
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    scope: i.scope,
    summary,
    driftSummary,
    changes,
    warnings: i.warnings,
    meta: i.meta,
  };
}
