// Planning of the request path past the providers (CONTRACT.md section 5): user-facing models
// (create, update, disable/enable, rename, adopt, removal), each model's backends, and access
// grants (./routing-members.ts). Ownership as for providers: rows of this scope are planned,
// another scope's are refused, console rows (managed_by NULL) are reported and left alone
// unless `--adopt` takes them over.
import type { ModelSpec } from '../domain/routing';
import type { ModelRow } from '../domain/routing-rows';
import type { RenamedFrom } from '../domain/types';
import { assertNever } from '../domain/kinds';
import { compareStrings } from './canonical';
import { emptyCascade, REMOVED, REMOVED_DISABLE, statusAction, takeOverReason, type Ctx } from './context';
import { createFields, diffFlat, sortFields } from './diff';
import { matchRenamed, rowsOfMatch, type RenameMatch } from './rename';
import { planBackends } from './routing-members';
import { facadeFlat, facadeOfRow, facadeOfSpec, facadeTarget, modelRef } from './routing-shapes';
import type { Change } from './types';
import type { RoutingIndex } from './routing-index';

const label = (name: string): string => `model '${name}'`;

/** Every declared model; then this scope's models the files no longer declare. */
export function planModels(ctx: Ctx, ix: RoutingIndex): void {
  const desired = [...(ctx.input.desired.models ?? [])].sort((a, b) => compareStrings(a.name, b.name));
  const claimed = new Set<string>();
  for (const m of desired) {
    const match = matchRenamed(m.name, m.renamedFrom, (n) => ix.models.get(n));
    for (const r of rowsOfMatch(match)) claimed.add(r.id);
    planDesiredModel(ctx, ix, m, match);
  }
  const removed = ctx.input.current.routing?.models
    .filter((r) => r.managedBy === ctx.input.scope && !claimed.has(r.id))
    .sort((a, b) => compareStrings(a.name, b.name));
  for (const row of removed ?? []) planModelRemoval(ctx, ix, row);
}

function planDesiredModel(ctx: Ctx, ix: RoutingIndex, m: ModelSpec, match: RenameMatch<ModelRow, RenamedFrom>): void {
  switch (match.kind) {
    case 'none':
      return planCreate(ctx, ix, m);
    case 'same':
      return planExisting(ctx, ix, m, match.row);
    case 'renamed':
      return planExisting(ctx, ix, m, match.row, match.from);
    case 'conflict':
    case 'ambiguous': {
      const olds = match.earlier.map((e) => `'${e.from.name}'`).join(' and ');
      const message =
        match.kind === 'conflict'
          ? `${label(m.name)} is renamedFrom ${olds}, but the database has both '${m.name}' and ${olds}; ` +
            `delete the one that is not meant, or remove ${olds} from renamedFrom if it is an unrelated model`
          : `${label(m.name)} is renamedFrom ${olds}, and the database has each of them: which row to rename is ambiguous; ` +
            'keep only the earlier name whose row is meant in renamedFrom';
      ctx.out.problems.push({ code: 'rename-conflict', message, resource: modelRef(m.name), pos: match.earlier[0].from.pos });
      return;
    }
    default:
      return assertNever(match, 'rename match');
  }
}

function planCreate(ctx: Ctx, ix: RoutingIndex, m: ModelSpec): void {
  const shape = facadeOfSpec(m);
  ctx.out.changes.push({
    action: 'create',
    resource: modelRef(m.name),
    fields: createFields(facadeFlat(shape, m.name)),
    expect: { absent: true },
    target: facadeTarget(m.name, shape),
  });
  planBackends(ctx, ix, m, null);
}

/**
 * A declared model whose row exists (under its name, or an earlier one). This scope's: planned.
 * Made in the console: a warning, untouched, unless --adopt. Another scope's: refused, unless a
 * rename with --adopt takes it over (as for providers).
 */
function planExisting(ctx: Ctx, ix: RoutingIndex, m: ModelSpec, row: ModelRow, from?: RenamedFrom): void {
  const { scope, adopt } = ctx.input;
  if (row.managedBy === scope) return planUpdate(ctx, ix, m, row, false, from?.name);
  if (row.managedBy === null) {
    if (adopt) return planUpdate(ctx, ix, m, row, true, from?.name);
    const what = from ? `${label(from.name)} (renamedFrom of '${m.name}')` : label(m.name);
    ix.skippedModels.add(m.name);
    ctx.out.warnings.push({
      code: 'unmanaged-model',
      message: `${what} exists in the database but was not created by cvctl; it is left as it is (its backends too). Pass --adopt to take it over`,
      resource: modelRef(m.name),
    });
    return;
  }
  if (from && adopt) return planUpdate(ctx, ix, m, row, true, from.name);
  const what = from ? `${label(from.name)} (renamedFrom of '${m.name}')` : label(m.name);
  ctx.out.problems.push({
    code: 'owned-by-other-scope',
    message: `${what} is managed by cvctl scope '${row.managedBy}', not '${scope}'; change it from that scope or remove it there first`,
    resource: modelRef(m.name),
    pos: from?.pos ?? m.pos,
  });
}

function planUpdate(ctx: Ctx, ix: RoutingIndex, m: ModelSpec, row: ModelRow, adopt: boolean, renamedFrom?: string): void {
  const shape = facadeOfSpec(m);
  // With names: a rename shows (and writes) the name; otherwise both are the same.
  const fields = diffFlat(facadeFlat(facadeOfRow(row), row.name), facadeFlat(shape, m.name));
  if (fields.length > 0 || adopt) {
    const change: Change = {
      // Adopting and renaming are always an `update` (contract), whatever happens to the status.
      action: adopt || renamedFrom !== undefined ? 'update' : statusAction(row.status, m.status),
      resource: modelRef(m.name),
      fields: sortFields(fields),
      ...(adopt ? { adopt: true as const, ...takeOverReason(row.managedBy) } : {}),
      ...(renamedFrom !== undefined ? { renamedFrom } : {}),
      expect: { id: row.id, rowVersion: row.rowVersion },
      target: facadeTarget(m.name, shape),
    };
    ctx.out.changes.push(change);
  }
  planBackends(ctx, ix, m, row);
}

/**
 * A model of this scope the files no longer declare. Protected: kept, with a warning. onRemove
 * disable: disabled (its backends and grants stay). Otherwise one delete; the database deletes
 * its backends and grants with it (ON DELETE CASCADE), counted in the change's cascade.
 */
function planModelRemoval(ctx: Ctx, ix: RoutingIndex, row: ModelRow): void {
  const resource = modelRef(row.name);
  if (row.protected) {
    ctx.out.warnings.push({ code: 'protected', message: `${label(row.name)} was removed from the files but is protected; it is kept`, resource });
    ix.keptRemoved.push(row);
    return;
  }
  if (row.onRemove === 'disable') {
    if (row.status === 'disabled') return;
    ctx.out.changes.push({
      action: 'disable',
      resource,
      fields: [{ path: 'status', before: row.status, after: 'disabled' }],
      reason: REMOVED_DISABLE,
      expect: { id: row.id, rowVersion: row.rowVersion },
      target: facadeTarget(row.name, { ...facadeOfRow(row), status: 'disabled' }),
    });
    return;
  }
  ix.deletedModels.add(row.name);
  ctx.out.routingDeletes.push({
    action: 'delete',
    resource,
    cascade: {
      ...emptyCascade(),
      modelBackends: ix.backendsByModelId.get(row.id)?.length ?? 0,
      accessGrants: ix.grantsByModelId.get(row.id)?.length ?? 0,
    },
    reason: REMOVED,
    expect: { id: row.id, rowVersion: row.rowVersion },
  });
}
