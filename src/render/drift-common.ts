// Pieces shared by the drift text and markdown renderers, on top of the plan's (values,
// credentials and cascades are described exactly as `cvctl plan` describes them).
import { assertNever } from '../domain/kinds';
import { compareStrings } from '../plan/canonical';
import { describeField, formatValue, isSensitive, markOf } from './common';
import type { Action } from '../plan/types';
import type { DriftChange, DriftField, DriftLabel } from '../plan/drift/types';
import { DRIFT_LABELS, compareLabels, labelCount } from '../plan/drift/types';

export interface DriftGroup {
  name: string;
  /** The provider's own difference; null when only its models differ. */
  change: DriftChange | null;
  models: DriftChange[];
}

/** Differences per provider (by name); a provider's models by label (most urgent first), then id. */
export function groupDrift(changes: DriftChange[]): DriftGroup[] {
  const groups = new Map<string, DriftGroup>();
  const get = (name: string): DriftGroup => {
    let g = groups.get(name);
    if (g === undefined) {
      g = { name, change: null, models: [] };
      groups.set(name, g);
    }
    return g;
  };
  for (const c of changes) {
    if (c.resource.type === 'provider') get(c.resource.name).change = c;
    else get(c.resource.provider).models.push(c);
  }
  const out = [...groups.values()].sort((a, b) => compareStrings(a.name, b.name));
  for (const g of out) {
    g.models.sort((a, b) => compareLabels(a.drift, b.drift) || compareStrings(a.resource.name, b.resource.name));
  }
  return out;
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

export function labelLegend(label: DriftLabel): string {
  switch (label) {
    case 'drift':
      return 'changed in the database since the last apply';
    case 'pending':
      return 'changed in the files, not applied yet';
    case 'conflict':
      return 'changed on both sides (or the last apply does not say which)';
    case 'unmanaged':
      return 'made outside cvctl';
    default:
      return assertNever(label, 'drift label');
  }
}
