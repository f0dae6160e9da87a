// Pieces shared by the drift text and markdown renderers, on top of the plan's (values,
// credentials and cascades are described exactly as `cvctl plan` describes them).
import { assertNever } from '../domain/kinds';
import { describeField, formatValue, groupChanges, isSensitive, markOf, type ProviderGroup } from './common';
import type { Action } from '../plan/types';
import type { DriftChange, DriftField, DriftLabel } from '../plan/drift/types';
import { DRIFT_LABELS, compareLabels, type DriftSummary } from '../plan/drift/types';

export type DriftGroup = ProviderGroup<DriftChange>;

/** Differences per provider (by name); a provider's models by label (most urgent first), then id. */
export function groupDrift(changes: DriftChange[]): DriftGroup[] {
  return groupChanges(changes, (a, b) => compareLabels(a.drift, b.drift));
}

/** The most urgent label in a group: where it is sorted and how it is headed. */
export function groupLabel(g: DriftGroup): DriftLabel {
  const labels = [...(g.change ? [g.change.drift] : []), ...g.models.map((m) => m.drift)];
  return [...labels].sort(compareLabels)[0] ?? 'conflict';
}

/** `?` for rows no scope manages (cvctl would not touch them); otherwise the plan's mark. */
export function driftMark(c: DriftChange): string {
  return c.drift === 'unmanaged' || c.action === 'none' ? '?' : markOf(c.action);
}

/** The plan action to describe a change's fields with (`none` changes carry no fields). */
export function describedAs(c: DriftChange): Action {
  return c.action === 'none' ? 'update' : c.action;
}

/** "2 drifted, 1 pending" over the labels present. */
export function labelCounts(changes: DriftChange[]): string {
  return DRIFT_LABELS.map((l) => [l, changes.filter((c) => c.drift === l).length] as const)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => labelCount(l, n))
    .join(', ');
}

/** Whether a change's fields disagree on their label (then each field shows its own). */
export function mixedLabels(c: DriftChange): boolean {
  return new Set((c.fields ?? []).map((f) => f.drift ?? c.drift)).size > 1;
}

/**
 * A field's right-hand side: the plan's description (database → files), then its own label
 * when the change mixes labels, then the last-applied value of a conflict (neither side's).
 */
export function describeDriftField(f: DriftField, c: DriftChange): string {
  let s = describeField(f, describedAs(c));
  if (f.drift !== undefined && mixedLabels(c)) s += ` [${f.drift}]`;
  if (f.drift === 'conflict' && f.lastApplied !== undefined && !isSensitive(f.before) && !isSensitive(f.after)) {
    s += ` (last applied ${formatValue(f.lastApplied)})`;
  }
  return s;
}

/** Short words for a change's header after the resource, e.g. its reason. */
export function driftNotes(c: DriftChange): string[] {
  return c.reason !== undefined ? [c.reason] : [];
}

const LEGENDS: Record<DriftLabel, string> = {
  drift: 'changed in the database since the last apply',
  pending: 'changed in the files, not applied yet',
  conflict: 'changed on both sides (or the last apply does not say which)',
  unmanaged: 'made outside cvctl',
};

export function labelLegend(label: DriftLabel): string {
  return LEGENDS[label];
}

/** `2 drifted`, `1 pending`, `0 conflicts`, `1 unmanaged` */
export function labelCount(label: DriftLabel, n: number): string {
  switch (label) {
    case 'drift':
      return `${n} drifted`;
    case 'pending':
      return `${n} pending`;
    case 'conflict':
      return `${n} ${n === 1 ? 'conflict' : 'conflicts'}`;
    case 'unmanaged':
      return `${n} unmanaged`;
    default:
      return assertNever(label, 'drift label');
  }
}

export const NO_DRIFT = 'No drift: the database matches the files and the last apply.';

export function driftSummaryLine(s: DriftSummary): string {
  return `Drift: ${DRIFT_LABELS.map((l) => labelCount(l, s[l])).join(', ')}.`;
}
