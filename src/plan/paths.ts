// Field paths: values are flattened to dotted paths (`config.x.y`, `labels.team`,
// `pricing.inputPerMTok`) so that a plan names exactly which leaf changes. Kept apart from
// diff.ts so that the resource registry (src/resources), which diff.ts reads, can flatten too.
import { isPlainObject } from './canonical';

// Keys that are not plain identifiers (label keys like `app.kubernetes.io/name`, Azure
// deployment maps keyed by `gpt-4.1`) are quoted so that a path stays unambiguous.
const SIMPLE_SEGMENT = /^[A-Za-z0-9_-]+$/;

function makePath(base: string, key: string): string {
  return SIMPLE_SEGMENT.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

// Paths repeat across resources (every model has `pricing.inputPerMTok`): one string per path
// instead of a new one per resource keeps ~200,000 strings out of a 100,000-model plan, which
// the young-generation collector would otherwise copy while the plan is alive. Emptied when it
// reaches PATHS_MAX entries, so a long-lived process (tests) does not grow it without bound.
const PATHS = new Map<string, Map<string, string>>();
const PATHS_MAX = 50_000;
let pathCount = 0;

export function joinPath(base: string, key: string): string {
  let byKey = PATHS.get(base);
  if (byKey === undefined) PATHS.set(base, (byKey = new Map()));
  let path = byKey.get(key);
  if (path === undefined) {
    if (pathCount >= PATHS_MAX) {
      PATHS.clear();
      PATHS.set(base, byKey);
      byKey.clear();
      pathCount = 0;
    }
    byKey.set(key, (path = makePath(base, key)));
    pathCount++;
  }
  return path;
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

