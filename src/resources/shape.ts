// A resource's comparable shape, generically from its declaration: the flat map the planner
// diffs (and drift labels), and the record of its plain fields that targets and last-applied
// records hold. Sensitive fields are left out of both: they are compared by fingerprint.
import { sortKeysDeep } from '../plan/canonical';
import { flattenChildren, type FlatMap } from '../plan/paths';
import type { AnyResourceSpec } from './types';

type Shape = object;

const get = (shape: Shape, name: string): unknown => (shape as Record<string, unknown>)[name];

/** The flat map of the plain fields, preceded by the name when given (and renamable). */
export function flatOf(spec: AnyResourceSpec, shape: Shape, name?: string): FlatMap {
  const m: FlatMap = new Map();
  if (name !== undefined && spec.name.renamable) m.set(spec.name.field, name);
  for (const f of spec.fields) {
    if (f.sensitive) continue;
    if (f.flatten === 'children') flattenChildren(m, f.name, get(shape, f.name));
    else m.set(f.name, get(shape, f.name));
  }
  return m;
}

/** The plain fields as a record, user-supplied values deep-copied with sorted keys. */
export function recordOf(spec: AnyResourceSpec, shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of spec.fields) if (!f.sensitive) out[f.name] = sortKeysDeep(get(shape, f.name));
  return out;
}
