// The drift report: the Plan JSON shape (CONTRACT.md section 4) with a drift label on every
// change and on every field of a field-by-field comparison, plus counts per label. It is a
// report, not a plan: it has no digest, no row expectations and no targets, so it can never
// be mistaken for (or applied as) a saved plan.
import type { Action, Cascade, Change, PlanWarning, ResourceRef, Summary } from '../types';

export const DRIFT_LABELS = ['drift', 'pending', 'conflict', 'unmanaged'] as const;
/**
 * - drift: the database changed since the last apply; the files did not (a managed row
 *   deleted outside cvctl is drift too: ./deleted.ts).
 * - pending: the files changed since the last apply; the database did not (a row never
 *   applied, or no longer declared).
 * - conflict: both changed (or the last apply is not known well enough to tell).
 * - unmanaged: the row was made outside cvctl (managed_by is null).
 */
export type DriftLabel = (typeof DRIFT_LABELS)[number];

export interface DriftField {
  path: string;
  /** Set on every field of a field-by-field (3-way) comparison. */
  drift?: DriftLabel;
  /** The database's value (as a plan's `before`). */
  before: unknown;
  /** The files' value (as a plan's `after`). */
  after: unknown;
  /** The value recorded by the last apply, when known (never for credentials). */
  lastApplied?: unknown;
}

/**
 * What `cvctl apply` would do about a difference: a plan action, or `none` for a row no scope
 * manages that the files do not declare (cvctl never touches it; `reason` says how to take it
 * over). `summary` counts plan actions only; `driftSummary` counts every change by label.
 */
export type DriftAction = Action | 'none';

/** A plan change of the types drift reports (providers and their models, for now). */
export type ProviderSideChange = Extract<Change, { resource: { type: 'provider' | 'providerModel' } }>;

export const isProviderSide = (c: Change): c is ProviderSideChange => c.resource.type === 'provider' || c.resource.type === 'providerModel';

export interface DriftChange {
  action: DriftAction;
  resource: ResourceRef;
  drift: DriftLabel;
  fields?: DriftField[];
  cascade?: Cascade;
  /** Declared in the files but made outside cvctl: `plan --adopt` takes it over. */
  adopt?: true;
  /** A rename in the files not applied yet: the row's current name (as in a plan). */
  renamedFrom?: string;
  reason?: string;
}

export type DriftSummary = Record<DriftLabel, number> & {
  /** Field differences silenced by an active ignoreDrift entry. */
  ignored: number;
};

export interface DriftReport {
  formatVersion: 1;
  scope: string;
  summary: Summary;
  driftSummary: DriftSummary;
  changes: DriftChange[];
  warnings: PlanWarning[];
  meta: {
    createdAt: string;
    cvctlVersion: string;
    catalogVersion: string;
    secretsResolved: boolean;
  };
}

// Which label a change gets when its fields disagree: the one that most needs a human.
const SEVERITY: Record<DriftLabel, number> = { conflict: 0, drift: 1, pending: 2, unmanaged: 3 };

/** The label of a change whose fields carry `labels` (at least one). */
export function combineLabels(labels: DriftLabel[]): DriftLabel {
  return [...labels].sort((a, b) => SEVERITY[a] - SEVERITY[b])[0] ?? 'conflict';
}

/** Label order for display: most urgent first. */
export function compareLabels(a: DriftLabel, b: DriftLabel): number {
  return SEVERITY[a] - SEVERITY[b];
}

/** What a labelled difference keeps of the plan change it comes from. */
export function changeHead(c: Change): Pick<DriftChange, 'action' | 'resource' | 'cascade' | 'renamedFrom' | 'reason'> {
  return {
    action: c.action,
    resource: c.resource,
    ...(c.cascade !== undefined ? { cascade: c.cascade } : {}),
    ...(c.renamedFrom !== undefined ? { renamedFrom: c.renamedFrom } : {}),
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
  };
}
