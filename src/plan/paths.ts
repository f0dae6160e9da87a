// Field paths: values are flattened to dotted paths (`config.x.y`, `labels.team`,
// `pricing.inputPerMTok`) so that a plan names exactly which leaf changes. Kept apart from
// diff.ts so that the resource registry (src/resources), which diff.ts reads, can flatten too.
import { isPlainObject } from './canonical';
import { BoundedInterner } from './intern';

// Keys that are not plain identifiers (label keys like `app.kubernetes.io/name`, Azure
// deployment maps keyed by `gpt-4.1`) are quoted so that a path stays unambiguous.
const SIMPLE_SEGMENT = /^[A-Za-z0-9_-]+$/;

function makePath(base: string, key: string): string {
  return SIMPLE_SEGMENT.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

// Paths repeat across resources (every model has `pricing.inputPerMTok`): one string per path
// instead of a new one per resource keeps ~200,000 strings out of a 100,000-model plan.
const PATHS = new BoundedInterner<string, string, string>(50_000, makePath);

export function joinPath(base: string, key: string): string {
  return PATHS.get(base, key);
}

export type FlatMap = Map<string, unknown>;

/** Leaves of a nested value; a non-empty object is descended into, anything else is a leaf. */
function flattenInto(out: FlatMap, path: string, value: unknown): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    flattenChildren(out, path, value);
  } else {
    out.set(path, value === undefined ? null : value);
  }
}

/**
 * The children of a root object (config, labels, pricing). The root itself never becomes
 * a leaf, so `config: {}` → `{organization: x}` is one change, not two.
 */
export function flattenChildren(out: FlatMap, root: string, value: unknown): void {
  if (!isPlainObject(value)) return;
  for (const k of Object.keys(value).sort()) {
    if (value[k] !== undefined) flattenInto(out, joinPath(root, k), value[k]);
  }
}

