// The resource registry: every resource type's declaration (./provider.ts, ./provider-model.ts)
// and what follows from them for all types at once: the one change order of plan and apply, the
// field order inside a change, natural keys and labels. Adding a resource type: one module here,
// its ref and target in src/plan/types.ts, one converter entry per action (src/apply/convert.ts),
// its labels in the renderers (docs/architecture.md).
import { compareStrings } from '../plan/canonical';
import type { Action, ResourceRef, ResourceType } from '../plan/types';
import { PROVIDER } from './provider';
import { PROVIDER_MODEL } from './provider-model';
import { MODEL } from './model';
import { MODEL_BACKEND } from './model-backend';
import { ACCESS_GRANT } from './access-grant';
import type { AnyResourceSpec, FieldSpec, ResourceSpec } from './types';

export const RESOURCES: { readonly [T in ResourceType]: ResourceSpec<T> } = {
  provider: PROVIDER,
  providerModel: PROVIDER_MODEL,
  model: MODEL,
  modelBackend: MODEL_BACKEND,
  accessGrant: ACCESS_GRANT,
};

export function specOf<T extends ResourceType>(type: T): ResourceSpec<T> {
  return RESOURCES[type] as ResourceSpec<T>;
}

/** A type's declaration where the type is any of them (a change's): one of the union, not a spec of the union. */
export function anySpecOf(type: ResourceType): AnyResourceSpec {
  return RESOURCES[type] as AnyResourceSpec;
}

const SPECS: readonly AnyResourceSpec[] = Object.values(RESOURCES);

/** The identity values of a ref, in the declared order. */
export function identityOf(r: ResourceRef): string[] {
  const spec = anySpecOf(r.type);
  return spec.identity.map((k: string) => String((r as unknown as Record<string, unknown>)[k]));
}

/** A unique string per resource (type and natural key): map keys and the order within a type. */
export function resourceKey(r: ResourceRef): string {
  return KEYERS[r.type](r as unknown as Record<string, unknown>);
}

/**
 * resourceKey per type, without the identity array and its join: plan and apply make one or two
 * keys per change, 200,000 and more on a first apply of dataset L (docs/benchmarks-scale.md).
 * Same strings as `type \0 identity values joined by \0`.
 */
const KEYERS = Object.fromEntries(
  SPECS.map((spec) => {
    const t = spec.type;
    const [a, b, c] = spec.identity as readonly string[];
    const key =
      spec.identity.length === 1
        ? (r: Record<string, unknown>) => `${t}\u0000${String(r[a])}`
        : spec.identity.length === 2
          ? (r: Record<string, unknown>) => `${t}\u0000${String(r[a])}\u0000${String(r[b])}`
          : spec.identity.length === 3
            ? (r: Record<string, unknown>) => `${t}\u0000${String(r[a])}\u0000${String(r[b])}\u0000${String(r[c])}`
            : (r: Record<string, unknown>) => `${t}\u0000${identityOf(r as unknown as ResourceRef).join('\u0000')}`;
    return [t, key];
  }),
) as { readonly [T in ResourceType]: (r: Record<string, unknown>) => string };

/** `provider 'openai-prod'`, `provider model 'openai-prod/gpt-4o'`. */
export function describeResource(r: ResourceRef): string {
  return `${specOf(r.type).label} '${identityOf(r).join('/')}'`;
}

/** The field a path belongs to (its root segment), if the type declares it. */
export function fieldOf(type: ResourceType, path: string): FieldSpec | undefined {
  return specOf(type).fields.find((f) => path === f.name || path.startsWith(`${f.name}.`) || path.startsWith(`${f.name}[`));
}

/** True when the path is a sensitive field's (a credential): its values are never shown. */
export function isSensitivePath(type: ResourceType, path: string): boolean {
  return fieldOf(type, path)?.sensitive === true;
}

/** Every sensitive field root of any type (`credentials`). */
export const SENSITIVE_ROOTS: readonly string[] = [...new Set(SPECS.flatMap((s) => s.fields.filter((f) => f.sensitive).map((f) => f.name)))];

/**
 * The order of path roots inside a change: a renamable name first, then each type's fields as
 * declared, sensitive fields last (reviewers read what changes before which secrets rotate).
 */
export const FIELD_ROOT_ORDER: readonly string[] = (() => {
  const out: string[] = [];
  const add = (n: string): void => void (out.includes(n) ? undefined : out.push(n));
  for (const s of SPECS) if (s.name.renamable) add(s.name.field);
  for (const s of SPECS) for (const f of s.fields) if (!f.sensitive) add(f.name);
  for (const n of SENSITIVE_ROOTS) add(n);
  return out;
})();

/** One step of apply: the writes (create/update/enable/disable) or the deletes of one type. */
export interface ApplyStep {
  type: ResourceType;
  phase: 'write' | 'delete';
}

/**
 * Writes level by level top-down (a parent before its children), then deletes bottom-up
 * (children first); within a level, types in registry order. Plan display order and apply
 * statement order both come from here.
 */
export const APPLY_STEPS: readonly ApplyStep[] = (() => {
  const byLevel = [...SPECS].sort((a, b) => a.level - b.level);
  return [
    ...byLevel.map((s): ApplyStep => ({ type: s.type, phase: 'write' })),
    ...[...byLevel].reverse().map((s): ApplyStep => ({ type: s.type, phase: 'delete' })),
  ];
})();

// Step index by type, then phase: looked up per change (100,000 on a first apply), without
// building a string key each time.
const STEP_INDEX = new Map<string, { write: number; delete: number }>();
APPLY_STEPS.forEach((s, i) => {
  const e = STEP_INDEX.get(s.type) ?? { write: -1, delete: -1 };
  e[s.phase] = i;
  STEP_INDEX.set(s.type, e);
});

export function stepOf(c: { action: Action; resource: ResourceRef }): number {
  const e = STEP_INDEX.get(c.resource.type)!;
  return c.action === 'delete' ? e.delete : e.write;
}

/** The one change order: apply step, then natural key (code-unit order). */
export function compareChanges(a: { action: Action; resource: ResourceRef }, b: { action: Action; resource: ResourceRef }): number {
  return stepOf(a) - stepOf(b) || compareStrings(resourceKey(a.resource), resourceKey(b.resource));
}

/**
 * `items` in the one change order. Keys are computed once per item, not once per comparison:
 * a first apply sorts 100,000 creates.
 */
export function sortByChangeOrder<X>(items: readonly X[], changeOf: (x: X) => { action: Action; resource: ResourceRef }): X[] {
  const bySteps = stepsInOrder(items, changeOf);
  if (bySteps !== null) return bySteps.flat();
  const keyed = items.map((x) => {
    const c = changeOf(x);
    return { x, step: stepOf(c), key: resourceKey(c.resource) };
  });
  keyed.sort((a, b) => a.step - b.step || compareStrings(a.key, b.key));
  return keyed.map((k) => k.x);
}

/** Lists merged into one order that keeps each list's own order (first list first). */
function mergeOrders(lists: ReadonlyArray<readonly string[]>): string[] {
  const out: string[] = [];
  for (const list of lists) {
    list.forEach((k, i) => {
      if (out.includes(k)) return;
      const next = list.slice(i + 1).find((n) => out.includes(n));
      if (next === undefined) out.push(k);
      else out.splice(out.indexOf(next), 0, k);
    });
  }
  return out;
}

/** Member order of a written resource ref: `type`, then the identities (`provider` before `name`). */
export const REF_MEMBER_ORDER: readonly string[] = ['type', ...mergeOrders(SPECS.map((s) => s.identity as readonly string[]))];

/**
 * Member order of a written target: the parents' names a target repeats (a backend's model and
 * provider), names, a grant's subject type, then the fields in field order, then the
 * last-applied record.
 */
export const TARGET_MEMBER_ORDER: readonly string[] = [
  ...mergeOrders([['model', 'provider'], SPECS.map((s) => s.name.field), ['subject', 'subjectType'], FIELD_ROOT_ORDER]),
  'lastApplied',
];

/**
 * `items` by step, when each step's items already are in the key order (else null). The planner
 * emits each provider's change followed by its models' (a first apply's 100,000 creates, provider
 * by provider and model by model): grouping them by step is then the whole sort, and checking
 * costs no key string per item. Within a step all changes are of one type, and comparing
 * identities value by value orders as their keys do: the key joins them with U+0000, which no
 * name holds (PostgreSQL text cannot store it; the loader refuses it).
 */
function stepsInOrder<X>(items: readonly X[], changeOf: (x: X) => { action: Action; resource: ResourceRef }): X[][] | null {
  const steps: X[][] = APPLY_STEPS.map(() => []);
  const last: Array<ResourceRef | undefined> = APPLY_STEPS.map(() => undefined);
  for (const x of items) {
    const c = changeOf(x);
    const s = stepOf(c);
    const prev = last[s];
    if (prev !== undefined && compareIdentities(prev, c.resource) > 0) return null;
    last[s] = c.resource;
    steps[s].push(x);
  }
  return steps;
}

/** Identities of two refs of the same type compared value by value (code-unit order). */
function compareIdentities(a: ResourceRef, b: ResourceRef): number {
  for (const k of anySpecOf(a.type).identity) {
    const d = compareStrings(String((a as unknown as Record<string, unknown>)[k]), String((b as unknown as Record<string, unknown>)[k]));
    if (d !== 0) return d;
  }
  return 0;
}
