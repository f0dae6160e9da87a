// Field-level diffs: values are flattened to dotted paths (`config.x.y`, `labels.team`,
// `pricing.inputPerMTok`) and compared leaf by leaf, so a plan names exactly what changes.
import { BoundedInterner } from './intern';
import type { FieldChange } from './types';
import { compareStrings, deepEqual, sortKeysDeep } from './canonical';
import { FIELD_ROOT_ORDER } from '../resources/registry';
import type { FlatMap } from './paths';

export { flattenChildren, joinPath, type FlatMap } from './paths';

// Field order inside a change: identity first, then what reviewers care about, sensitive fields
// (credentials) last: derived from the registry's field lists (src/resources/registry.ts).
const ROOT_RANK: readonly string[] = FIELD_ROOT_ORDER;

/**
 * The rank of a path's root segment (what precedes the first `.` or `[`); unknown roots last.
 * Compared in place against the few known roots rather than sliced out and looked up: a plan of
 * 100,000 creates ranks about two million paths, and the slice + hash was 3% of a first apply's
 * profile on dataset L (docs/benchmarks-scale.md).
 */
export function rankOf(path: string): number {
  for (let i = 0; i < ROOT_RANK.length; i++) {
    const root = ROOT_RANK[i];
    if (path.startsWith(root)) {
      if (path.length === root.length) return i;
      const next = path.charCodeAt(root.length);
      if (next === 0x2e /* . */ || next === 0x5b /* [ */) return i;
    }
  }
  return ROOT_RANK.length;
}

export function comparePaths(a: string, b: string): number {
  return rankOf(a) - rankOf(b) || compareStrings(a, b);
}

/**
 * Fields in display order. Plans of 100,000 creates sort every change's fields, which mostly come
 * in order already (createFields walks the shapes in rank order): check first (each path ranked
 * once), sort if needed.
 */
export function sortFields(fields: FieldChange[]): FieldChange[] {
  if (fields.length > 1) {
    let prev = rankOf(fields[0].path);
    for (let i = 1; i < fields.length; i++) {
      const rank = rankOf(fields[i].path);
      if (prev > rank || (prev === rank && compareStrings(fields[i - 1].path, fields[i].path) > 0)) {
        return [...fields].sort((x, y) => comparePaths(x.path, y.path));
      }
      prev = rank;
    }
  }
  return [...fields];
}

/** Leaves that differ; a leaf missing on one side counts as null there. */
export function diffFlat(before: FlatMap, after: FlatMap): FieldChange[] {
  const paths = new Set<string>([...before.keys(), ...after.keys()]);
  const out: FieldChange[] = [];
  for (const path of paths) {
    const b = before.has(path) ? before.get(path) : null;
    const a = after.has(path) ? after.get(path) : null;
    if (!deepEqual(b, a)) out.push({ path, before: sortKeysDeep(b), after: sortKeysDeep(a) });
  }
  return sortFields(out);
}

// A create's fields with a scalar value repeat across resources (`kind: chat`, `status: active`,
// `pricing.inputPerMTok: 0.1` on most of 100,000 models): one frozen object per (path, value)
// instead of one per resource. Nothing mutates a plan's fields; freezing makes sure.
const CREATE_FIELDS = new BoundedInterner<string, unknown, FieldChange>(50_000, (path, value) =>
  Object.freeze({ path, before: null, after: value }),
);

function createField(path: string, value: unknown): FieldChange {
  // (-0 is kept apart: a Map would file it under 0.)
  if ((typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') || Object.is(value, -0)) {
    return { path, before: null, after: sortKeysDeep(value) };
  }
  return CREATE_FIELDS.get(path, value);
}

/** The fields of a create: every leaf that is set, with before null. */
export function createFields(after: FlatMap): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [path, value] of after) {
    if (value !== null && value !== undefined) out.push(createField(path, value));
  }
  return sortFields(out);
}
