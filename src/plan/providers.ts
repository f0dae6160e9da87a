// Provider-level planning: create, update/enable/disable (incl. adopt and rename), and removal.
import type { ProviderRow } from '../domain/rows';
import type { DesiredProvider, RenamedFrom } from '../domain/types';
import { assertNever } from '../domain/kinds';
import { diffCredentials } from './credentials';
import { createFields, diffFlat, sortFields } from './diff';
import { planModelCreates, planModelsOfExisting } from './models';
import { providerFlat, providerTarget } from './shapes';
import type { RenameMatch } from './rename';
import type { Change } from './types';
import { emptyCascade, providerLabel, REMOVED, REMOVED_DISABLE, statusAction, takeOverReason, type Ctx } from './context';

export function planDesiredProvider(ctx: Ctx, dp: DesiredProvider, match: RenameMatch<ProviderRow, RenamedFrom>): void {
  switch (match.kind) {
    case 'none':
      return planProviderCreate(ctx, dp);
    case 'same':
      return planExisting(ctx, dp, match.row);
    case 'renamed':
      return planRename(ctx, dp, match.row, match.from);
    case 'conflict':
    case 'ambiguous':
      return refuseRename(ctx, dp, match);
    default:
      return assertNever(match, 'rename match');
  }
}

function planExisting(ctx: Ctx, dp: DesiredProvider, row: ProviderRow): void {
  const { scope, adopt } = ctx.input;
  const name = dp.spec.name;
  if (row.managedBy === scope) {
    planProviderUpdate(ctx, dp, row, false);
  } else if (row.managedBy === null) {
    if (adopt) {
      planProviderUpdate(ctx, dp, row, true);
    } else {
      ctx.out.problems.push({
        code: 'unmanaged-exists',
        message: `provider '${name}' already exists in the database but was not created by cvctl; pass --adopt to take it over`,
        resource: { type: 'provider', name },
        pos: dp.spec.pos,
      });
    }
  } else {
    ctx.out.problems.push({
      code: 'owned-by-other-scope',
      message: `provider '${name}' is managed by cvctl scope '${row.managedBy}', not '${scope}'; change it from that scope or remove it there first`,
      resource: { type: 'provider', name },
      pos: dp.spec.pos,
    });
  }
}

/**
 * `renamedFrom`: the row of an earlier name becomes this provider (same id, so its provider
 * models and the model backends wired to them stay). A row this scope does not manage (made in
 * the console, or another scope's) is renamed only with --adopt, which takes it over.
 */
function planRename(ctx: Ctx, dp: DesiredProvider, row: ProviderRow, from: RenamedFrom): void {
  const { scope, adopt } = ctx.input;
  const name = dp.spec.name;
  if (row.managedBy === scope) return planProviderUpdate(ctx, dp, row, false, from.name);
  if (adopt) return planProviderUpdate(ctx, dp, row, true, from.name);
  const owner = row.managedBy === null ? 'was not created by cvctl' : `is managed by cvctl scope '${row.managedBy}', not '${scope}'`;
  ctx.out.problems.push({
    code: row.managedBy === null ? 'unmanaged-exists' : 'owned-by-other-scope',
    message: `provider '${from.name}' (renamedFrom of '${name}') ${owner}; pass --adopt to rename it and take it over`,
    resource: { type: 'provider', name },
    pos: from.pos,
  });
}

function refuseRename(
  ctx: Ctx,
  dp: DesiredProvider,
  match: Extract<RenameMatch<ProviderRow, RenamedFrom>, { kind: 'conflict' | 'ambiguous' }>,
): void {
  const name = dp.spec.name;
  const olds = match.earlier.map((e) => `'${e.from.name}'`).join(' and ');
  const message =
    match.kind === 'conflict'
      ? `provider '${name}' is renamedFrom ${olds}, but the database has both '${name}' and ${olds}; ` +
        `delete the one that is not meant, or remove ${olds} from renamedFrom if it is an unrelated provider`
      : `provider '${name}' is renamedFrom ${olds}, and the database has each of them: which row to rename is ambiguous; ` +
        'keep only the earlier name whose row is meant in renamedFrom';
  ctx.out.problems.push({ code: 'rename-conflict', message, resource: { type: 'provider', name }, pos: match.earlier[0].from.pos });
}

function planProviderCreate(ctx: Ctx, dp: DesiredProvider): void {
  const { spec } = dp;
  const creds = diffCredentials(spec, ctx.input.credentials[spec.name], null, ctx.input.secretsResolved);
  ctx.out.changes.push({
    action: 'create',
    resource: { type: 'provider', name: spec.name },
    fields: sortFields([...createFields(providerFlat(spec, spec.name)), ...creds.fields]),
    cascade: emptyCascade(),
    expect: { absent: true },
    target: providerTarget(spec.name, spec, creds.targets, creds.fingerprints),
  });
  planModelCreates(ctx, spec.name, dp.models);
}

function planProviderUpdate(ctx: Ctx, dp: DesiredProvider, row: ProviderRow, adopt: boolean, renamedFrom?: string): void {
  const { spec } = dp;
  const plain = diffFlat(providerFlat(row), providerFlat(spec));
  if (renamedFrom !== undefined) plain.push({ path: 'name', before: row.name, after: spec.name });
  const creds = diffCredentials(spec, ctx.input.credentials[spec.name], row, ctx.input.secretsResolved);
  // Taking a row over is itself a change, even when every field already matches.
  if (plain.length > 0 || creds.changed || adopt) {
    const change: Change = {
      // Adopting and renaming are always an `update` (contract), whatever happens to the status.
      action: adopt || renamedFrom !== undefined ? 'update' : statusAction(row.status, spec.status),
      resource: { type: 'provider', name: spec.name },
      fields: sortFields([...plain, ...creds.fields, ...creds.unknownFields]),
      cascade: emptyCascade(),
      ...(adopt ? { adopt: true as const } : {}),
      ...(renamedFrom !== undefined ? { renamedFrom } : {}),
      ...(adopt ? takeOverReason(row.managedBy) : {}),
      expect: { id: row.id, rowVersion: row.rowVersion },
      target: providerTarget(spec.name, spec, creds.targets, creds.fingerprints),
    };
    ctx.out.changes.push(change);
  }
  // `--adopt` also takes over console-made models on a provider this scope already manages,
  // and, on a row taken over from another scope, that scope's models of it.
  const takeOverFrom = adopt && row.managedBy !== null && row.managedBy !== ctx.input.scope ? row.managedBy : null;
  planModelsOfExisting(ctx, dp, row, ctx.input.adopt, takeOverFrom);
}

/**
 * A provider of this scope that the files no longer declare. Protected: kept, with a
 * warning. onRemove disable: disabled (its models are left as they are). Otherwise one
 * delete for the provider; the database deletes its models and their backends.
 */
export function planProviderRemoval(ctx: Ctx, row: ProviderRow): void {
  const name = row.name;
  const resource = { type: 'provider' as const, name };
  if (row.protected) {
    ctx.out.warnings.push({
      code: 'protected',
      message: `provider '${name}' was removed from the files but is protected; it is kept`,
      resource,
    });
    return;
  }
  if (row.onRemove === 'disable') {
    if (row.status === 'disabled') return;
    const shape = { ...row, status: 'disabled' as const };
    ctx.out.changes.push({
      action: 'disable',
      resource,
      fields: [{ path: 'status', before: row.status, after: 'disabled' }],
      cascade: emptyCascade(),
      reason: REMOVED_DISABLE,
      expect: { id: row.id, rowVersion: row.rowVersion },
      target: providerTarget(name, shape, null, { ...row.credentialFingerprints }),
    });
    return;
  }
  const pmIds = (ctx.modelsByProviderId.get(row.id) ?? []).map((m) => m.id);
  ctx.out.deletes.push({
    change: {
      action: 'delete',
      resource,
      cascade: emptyCascade(),
      reason: REMOVED,
      expect: { id: row.id, rowVersion: row.rowVersion },
    },
    providerModelIds: pmIds,
    label: providerLabel(name),
  });
}
