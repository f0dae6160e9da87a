// What a resource type declares, once (src/resources/<type>.ts): its identity, its fields
// (target member, column, flattening, sensitivity, display label), its dependency level, its
// table and how its rows are read. Diff, serialization, the plan's checks, the apply converter
// and the renderers read these declarations instead of writing out field lists of their own.
// Pure data and pure functions: no I/O.
import type { ResourceRef, ResourceType, Targets } from '../plan/types';

/** How a field's value travels to its column (every value is sent as text and cast). */
export type SqlType = 'text' | 'jsonb' | 'boolean' | 'int' | 'timestamptz';

export interface FieldSpec {
  /** The member in targets, shapes and last-applied records; the root of plan field paths. */
  name: string;
  /** The column that stores it; null when the resource stores it its own way (credentials). */
  column: string | null;
  sqlType: SqlType;
  /**
   * `leaf`: compared as one value (`status`). `children`: compared leaf by leaf under its name
   * (`config.organization`, `labels.team`, `pricing.inputPerMTok`); the root itself never becomes
   * a leaf, so `config: {}` → `{organization: x}` is one change.
   */
  flatten: 'leaf' | 'children';
  /**
   * Shown only as `{"sensitive": true, "changed", "prefix"}`, never by value; compared by keyed
   * fingerprint. The marking lives here, beside the values, not inside them.
   */
  sensitive: boolean;
  /** The field in rendered output. */
  label: string;
}

/** A row this one belongs to (a foreign key): its parent must exist before it is written. */
export interface ParentLink<T extends ResourceType = ResourceType> {
  type: ResourceType;
  /** The column holding the parent row's id. */
  column: string;
  /** The parent's ref, from this resource's ref. */
  ref(r: ResourceRef<T>): ResourceRef;
}

export interface ResourceSpec<T extends ResourceType = ResourceType> {
  type: T;
  /** In messages: `provider 'x'`, `provider model 'x/y'`. */
  label: string;
  table: string;
  /**
   * Dependency level, as Kong's go-database-reconciler declares it in order.go: creates and
   * updates run level by level top-down (a parent before its children), deletes bottom-up.
   * One ordering, used by the plan (display order) and by apply (statement order).
   */
  level: number;
  /** The ref members that identify a resource, in sort order (the natural key). */
  identity: ReadonlyArray<Exclude<keyof ResourceRef<T>, 'type'>>;
  /**
   * The target member holding the resource's own name, its column (null: the name is a parent's,
   * as a model backend's provider model), and whether an update may change it (a rename).
   */
  name: { field: string; column: string | null; renamable: boolean };
  parents: ReadonlyArray<ParentLink<T>>;
  /** The compared and displayed fields, in display order (the name excluded). */
  fields: readonly FieldSpec[];
  /** The unique constraint on the natural key: violated while writing = created meanwhile (a stale plan). */
  uniqueConstraint: string;
  /**
   * How the current rows are read (src/state/read-state.ts): `all` reads every row of the
   * table in one statement; `byParent` one JSON array per parent row (250,000 rows).
   */
  read: 'all' | 'byParent';
  /**
   * The ref members a target repeats (a provider model's target names its id, not its provider):
   * a change's target must name its own resource (src/plan/consistency.ts).
   */
  targetRef(t: Targets[T]): Partial<ResourceRef<T>>;
}

/** Any one resource type's declaration. */
export type AnyResourceSpec = { [T in ResourceType]: ResourceSpec<T> }[ResourceType];
