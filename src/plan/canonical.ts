// Canonical JSON: object keys sorted, `undefined` members dropped (as JSON.stringify does).
// Plans compare and hash values through this so that neither YAML key order nor the order
// in which JSON.parse hands keys back can change a diff, a digest or a saved file.

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) {
    return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  }
  if (isPlainObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  // Scalars; undefined (and anything JSON cannot express) becomes null, like inside arrays.
  const s = JSON.stringify(v);
  return s === undefined ? 'null' : s;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * out[k] = value, also for k = '__proto__' (a key the files may hold, e.g. an Azure
 * deployment named so): plain assignment would set the copy's prototype instead, and the key
 * would vanish from the copy while the diff, built from the original, still shows it.
 */
function setOwn(out: Record<string, unknown>, k: string, value: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  else out[k] = value;
}

/**
 * A deep copy with object keys in sorted order. Used for every user-supplied value that
 * goes into a plan, so the plan never aliases the caller's objects and its pretty JSON is
 * stable.
 */
export function sortKeysDeep<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => sortKeysDeep(x)) as unknown as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (v[k] !== undefined) setOwn(out, k, sortKeysDeep(v[k]));
    }
    return out as T;
  }
  return v;
}

/** Code-unit string order: identical on every machine and locale (unlike localeCompare). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Shapes one member's value when writing an object in a fixed key order. */
export type Shaper = (v: unknown) => unknown;

/**
 * `v` with `keys` first in that order, then the others sorted; members with a shaper are
 * shaped, the rest key-sorted deeply. Gives saved plans and reports a readable, stable order.
 */
export function ordered(v: unknown, keys: string[], shapers: Record<string, Shaper> = {}): unknown {
  if (!isPlainObject(v)) return sortKeysDeep(v);
  const out: Record<string, unknown> = {};
  const rest = Object.keys(v)
    .filter((k) => !keys.includes(k))
    .sort(compareStrings);
  for (const k of [...keys, ...rest]) {
    if (v[k] === undefined) continue;
    const shape = shapers[k];
    setOwn(out, k, shape ? shape(v[k]) : sortKeysDeep(v[k]));
  }
  return out;
}

/** A shaper for an array whose items each get `f`. */
export const list =
  (f: Shaper): Shaper =>
  (v) =>
    Array.isArray(v) ? v.map(f) : sortKeysDeep(v);
