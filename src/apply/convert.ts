// Plan → write statements, pure (as drizzle-kit's `convertors`): one converter per resource
// type × action says how a change becomes a row write (an insert, an update or a delete by id);
// the rows are batched per type and kind of write (./convert-rows.ts) and the batches come out in
// the registry's apply order (src/resources/registry.ts: writes top-down, deletes bottom-up).
// No database, secret backend, file, environment or clock here: the caller hands over the row
// ids, the already sealed credentials and `now`, and runs the statements (src/state/execute.ts).
import type { Action, Change, Plan, ResourceType, WriteAction, WriteChange } from '../plan/types';
import { lastAppliedOfModel, lastAppliedOfProvider } from '../plan/shapes';
import { APPLY_STEPS, describeResource, resourceKey, specOf, type ApplyStep } from '../resources/registry';
import { deleteByIds, type Statement } from '../state/statements';
import type { StoredCredentials } from './credentials';
import { PROVIDER_WRITERS, type RowWrite, type Rows, type Writer } from './convert-rows';
import { recordBackends, ROUTING_WRITERS } from './convert-routing';

/** Per resource type, its batched insert and update. */
const WRITERS: { readonly [T in ResourceType]: { insert: Writer; update: Writer } } = { ...PROVIDER_WRITERS, ...ROUTING_WRITERS };

/** A provider's credentials as apply writes them. */
export interface CredentialWrite {
  /** The sealed credentials, when the change replaces them; null: the stored ones stay. */
  stored: StoredCredentials | null;
  /** The fingerprints the row has after apply (what its last-applied record holds). */
  fingerprints: Record<string, string>;
}

export interface ConvertInput {
  plan: Plan;
  now: Date;
  /**
   * Row id by resource key (src/resources/registry.ts): every parent a change names, and every
   * resource changed unless `changeId` has it.
   */
  ids: ReadonlyMap<string, string>;
  /**
   * Row id of `plan.changes[i]`, used before `ids`: apply hands over each change's id (a new
   * one for a create, made when first asked and the same ever after), so that a first apply of
   * 100,000 rows neither builds and hashes each one's key again nor keeps ids alive for rows not
   * yet encoded (docs/benchmarks-scale.md, issue 13/15).
   */
  changeId?: (i: number) => string | undefined;
  /** By provider resource key, for every provider the plan writes (creates, updates, enables, disables). */
  credentials: ReadonlyMap<string, CredentialWrite>;
}

/** The statements of one apply step (one resource type's writes, or its deletes). */
export interface ConvertedStep {
  step: ApplyStep;
  statements: Statement[];
}

type WriteConverter<T extends ResourceType> = {
  batch: 'insert' | 'update';
  /** `id`: the row's own id; by default looked up by its resource key in `ids`. */
  row(c: WriteChange<T>, input: ConvertInput, id?: string): RowWrite;
};
type DeleteConverter = { batch: 'delete' };
type Converters = { readonly [T in ResourceType]: { readonly [A in Action]: A extends WriteAction ? WriteConverter<T> : DeleteConverter } };

/** A change and its index in the plan (where `changeId` finds its id). */
type Indexed = { c: Change; i: number };

/** A change's row id: by its index through `changeId` when given, else by its resource key. */
function idOf(c: Change, input: ConvertInput, i?: number): string {
  const id = (i === undefined ? undefined : input.changeId?.(i)) ?? input.ids.get(resourceKey(c.resource));
  if (id === undefined) throw new Error(`convert: no row id for ${describeResource(c.resource)}`);
  return id;
}

/**
 * The parents' ids of a change. Consecutive changes mostly share their parents (a provider's
 * 100 models follow each other), so the last result is kept per type and handed out again when
 * its keys are the same: one array per parent set rather than one per row.
 */
type LastParents = Map<ResourceType, { keys: string[]; ids: readonly string[] }>;
const LAST_PARENTS = new WeakMap<ConvertInput, LastParents>();

function parentIds(c: Change, input: ConvertInput): readonly string[] {
  const spec = specOf(c.resource.type);
  if (spec.parents.length === 0) return [];
  const keys = spec.parents.map((p) => resourceKey(p.ref(c.resource as never)));
  let last = LAST_PARENTS.get(input);
  if (last === undefined) LAST_PARENTS.set(input, (last = new Map()));
  const prev = last.get(c.resource.type);
  if (prev !== undefined && prev.keys.every((k, i) => k === keys[i])) return prev.ids;
  const ids = spec.parents.map((p, i) => {
    const id = input.ids.get(keys[i]);
    if (id === undefined) throw new Error(`convert: no row id for ${describeResource(p.ref(c.resource as never))}, parent of ${describeResource(c.resource)}`);
    return id;
  });
  last.set(c.resource.type, { keys, ids });
  return ids;
}

/**
 * The last-applied record is derived from what is written, never read from the plan: the
 * fingerprints actually stored (a create could not know them at plan time, no row id yet), or,
 * credentials kept, those the row has; drift compares against them.
 */
function providerRow(c: WriteChange<'provider'>, input: ConvertInput, id = idOf(c, input)): RowWrite {
  const creds = input.credentials.get(resourceKey(c.resource));
  if (creds === undefined) throw new Error(`convert: no credentials given for ${describeResource(c.resource)}`);
  return {
    id,
    parentIds: [],
    target: c.target,
    lastApplied: lastAppliedOfProvider(c.target, creds.fingerprints),
    credentials: creds.stored,
  };
}

/**
 * A provider model's row. Its last-applied record is made when the row is encoded, not here: a
 * first apply on L writes 100,000 of them, and made up front they all lived through the COPY
 * (young-generation collections copy every live one) only to be turned into JSON one by one.
 */
class ModelRow implements RowWrite {
  constructor(
    readonly id: string,
    readonly parentIds: readonly string[],
    readonly target: WriteChange<'providerModel'>['target'],
  ) {}

  get lastApplied(): Record<string, unknown> {
    return lastAppliedOfModel(this.target);
  }
}

function modelRow(c: WriteChange<'providerModel'>, input: ConvertInput, id = idOf(c, input)): RowWrite {
  return new ModelRow(id, parentIds(c, input), c.target);
}

/** A model, backend or grant: its own id, its parents' ids (looked up by their natural keys). */
function plainRow<T extends 'model' | 'modelBackend' | 'accessGrant'>(c: WriteChange<T>, input: ConvertInput, id = idOf(c as Change, input)): RowWrite {
  const t = c.target as { lastApplied?: Record<string, unknown> };
  return { id, parentIds: parentIds(c as Change, input), target: c.target, lastApplied: t.lastApplied ?? {} };
}

const insertProvider: WriteConverter<'provider'> = { batch: 'insert', row: providerRow };
const updateProvider: WriteConverter<'provider'> = { batch: 'update', row: providerRow };
const insertModel: WriteConverter<'providerModel'> = { batch: 'insert', row: modelRow };
const updateModel: WriteConverter<'providerModel'> = { batch: 'update', row: modelRow };
const deleteRow: DeleteConverter = { batch: 'delete' };
const insertPlain = { batch: 'insert', row: plainRow } as const;
const updatePlain = { batch: 'update', row: plainRow } as const;

/** One entry per resource type × action (an enable or a disable writes the whole target, as an update does). */
export const CONVERTERS: Converters = {
  provider: { create: insertProvider, update: updateProvider, enable: updateProvider, disable: updateProvider, delete: deleteRow },
  providerModel: { create: insertModel, update: updateModel, enable: updateModel, disable: updateModel, delete: deleteRow },
  model: { create: insertPlain, update: updatePlain, enable: updatePlain, disable: updatePlain, delete: deleteRow },
  modelBackend: { create: insertPlain, update: updatePlain, enable: updatePlain, disable: updatePlain, delete: deleteRow },
  accessGrant: { create: insertPlain, update: updatePlain, enable: updatePlain, disable: updatePlain, delete: deleteRow },
};

function converterOf(c: Change): WriteConverter<ResourceType> | DeleteConverter {
  const byAction = Object.prototype.hasOwnProperty.call(CONVERTERS, c.resource.type) ? CONVERTERS[c.resource.type] : undefined;
  const conv = byAction && Object.prototype.hasOwnProperty.call(byAction, c.action) ? byAction[c.action] : undefined;
  if (conv === undefined) {
    throw new Error(`convert: no converter for resource type ${JSON.stringify(c.resource.type)} and action ${JSON.stringify(c.action)}`);
  }
  return conv as WriteConverter<ResourceType> | DeleteConverter;
}

/** The plan's write statements, step by step in apply order (a step with nothing to write is empty). */
export function convertPlan(input: ConvertInput): ConvertedStep[] {
  // Per type, its changes by phase, then by batch: one pass, no key string per change.
  type Batches = { delete: Indexed[]; insert: Indexed[]; update: Indexed[] };
  const byType = new Map<ResourceType, Batches>(APPLY_STEPS.map((s) => [s.type, { delete: [], insert: [], update: [] }]));
  input.plan.changes.forEach((c, i) => {
    const { batch } = converterOf(c);
    const batches = byType.get(c.resource.type);
    if (batches === undefined) throw new Error(`convert: no apply step for resource type ${JSON.stringify(c.resource.type)}`);
    batches[batch].push({ c, i });
  });
  const w = { scope: input.plan.scope, now: input.now };
  return APPLY_STEPS.map((step) => {
    const batches = byType.get(step.type)!;
    if (step.phase === 'delete') {
      const deletes = deleteByIds(specOf(step.type).table, batches.delete.map(({ c, i }) => idOf(c, input, i)));
      // Once the backends are all written and deleted: each touched model's record of them.
      return { step, statements: step.type === 'modelBackend' ? [...deletes, ...recordBackends(modelsWithBackendRecords(input))] : deletes };
    }
    const writer = WRITERS[step.type];
    return { step, statements: [...writer.insert(rowsOf(batches.insert, input), w), ...writer.update(rowsOf(batches.update, input), w)] };
  });
}

/** A batch's rows, each made when the writer reads it (see Rows). */
function rowsOf(changes: readonly Indexed[], input: ConvertInput): Rows {
  return {
    length: changes.length,
    *[Symbol.iterator](): Iterator<RowWrite> {
      for (const { c, i } of changes) yield (converterOf(c) as WriteConverter<ResourceType>).row(c as WriteChange, input, idOf(c, input, i));
    },
  };
}

/** Models whose last_applied lists backends anew: every model written, every model whose backends change; not those deleted. */
function modelsWithBackendRecords(input: ConvertInput): string[] {
  const ids = new Set<string>();
  const deleted = new Set<string>();
  input.plan.changes.forEach((c, i) => {
    if (c.resource.type === 'model') (c.action === 'delete' ? deleted : ids).add(idOf(c, input, i));
    else if (c.resource.type === 'modelBackend') {
      const id = input.ids.get(resourceKey({ type: 'model', name: c.resource.model }));
      if (id !== undefined) ids.add(id);
    }
  });
  return [...ids].filter((id) => !deleted.has(id)).sort();
}
