// Pieces shared by the text and markdown renderers. Renderers see only the Plan (what is in
// the saved JSON), so `cvctl show plan.json` prints exactly what `cvctl plan` printed.
import { assertNever } from '../domain/kinds';
import { canonicalJson, compareStrings, isPlainObject } from '../plan/canonical';
import type { Action, Cascade, Change, FieldChange, Plan, ResourceRef, ResourceType, SensitiveValue, Summary } from '../plan/types';
import { ACTIONS } from '../plan/types';

/**
 * Marks: `+` create, `~` update, `⊘` disable, `↑` enable, `-` delete. Disable and enable get
 * marks of their own because they change traffic, which a reviewer must not mistake for a
 * plain field edit.
 */
const MARKS: Record<Action, string> = { create: '+', update: '~', disable: '⊘', enable: '↑', delete: '-' };

export function markOf(action: Action): string {
  return MARKS[action];
}

/** Widest field name values are aligned to: one long config path must not push every value right. */
export const MAX_PAD = 40;

/** `path:` padded to the widest of `paths` (at most MAX_PAD), after `indent`. */
export function fieldKey(paths: readonly { path: string }[], indent: string): (path: string) => string {
  const width = Math.min(MAX_PAD, Math.max(0, ...paths.map((f) => f.path.length + 1)));
  return (path) => `${indent}${`${path}:`.padEnd(width)}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function quoteList(names: string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

export interface ProviderGroup<C = Change> {
  /** A provider with its provider models, or a model with its backends and grants. */
  kind: 'provider' | 'model';
  name: string;
  /** The provider's own change; null when only its models change. */
  change: C | null;
  models: C[];
}

const MODEL_RANK: Record<Action, number> = { create: 0, update: 1, enable: 2, disable: 3, delete: 4 };

/** Changes per provider (by name); a provider's models by action (creates first), then id. */
export function groupByProvider(plan: Plan): ProviderGroup[] {
  return groupChanges(plan.changes, (a, b) => MODEL_RANK[a.action] - MODEL_RANK[b.action]);
}

/**
 * Changes (of a plan or a drift report) per provider, by name, then per model (the request
 * path's facades, with their backends and grants); members by `rank`, then name.
 */
export function groupChanges<C extends { resource: ResourceRef }>(changes: C[], rank: (a: C, b: C) => number): ProviderGroup<C>[] {
  const groups = new Map<string, ProviderGroup<C>>();
  const get = (kind: ProviderGroup['kind'], name: string): ProviderGroup<C> => {
    const key = `${kind}\u0000${name}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { kind, name, change: null, models: [] };
      groups.set(key, g);
    }
    return g;
  };
  for (const c of changes) {
    const r: ResourceRef = c.resource;
    if (r.type === 'provider' || r.type === 'model') get(r.type, r.name).change = c;
    else if (r.type === 'providerModel') get('provider', r.provider).models.push(c);
    else get('model', r.model).models.push(c);
  }
  // Providers first (the order of apply), then models.
  const out = [...groups.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'provider' ? -1 : 1) || compareStrings(a.name, b.name));
  for (const g of out) g.models.sort((a, b) => rank(a, b) || compareStrings(memberName(a.resource), memberName(b.resource)));
  return out;
}

/** A member of a group as its lines name it: a provider model's id, `backend P/M`, `grant group:x`. */
export function memberName(r: ResourceRef): string {
  switch (r.type) {
    case 'modelBackend':
      return `backend ${r.provider}/${r.name}`;
    case 'accessGrant':
      return `grant ${r.subject}`;
    case 'provider':
    case 'providerModel':
    case 'model':
      return r.name;
    default:
      return assertNever(r, 'resource');
  }
}

/** What a group's members are called in its header. */
export function membersLabel(kind: ProviderGroup['kind']): string {
  return kind === 'provider' ? 'provider models' : 'backends and grants';
}

export function modelCounts(models: Change[]): string {
  const parts: string[] = [];
  for (const a of ACTIONS) {
    const n = models.filter((m) => m.action === a).length;
    if (n > 0) parts.push(`${n} to ${a}`);
  }
  return parts.join(', ');
}

export function isSensitive(v: unknown): v is SensitiveValue {
  return isPlainObject(v) && v.sensitive === true;
}

/** A value as it appears in a plan: JSON for scalars and strings, compact canonical JSON otherwise. */
export function formatValue(v: unknown): string {
  if (isSensitive(v)) return sensitiveText(v);
  if (v === undefined) return 'null';
  return canonicalJson(v);
}

function sensitiveText(v: SensitiveValue): string {
  if (v.unknown) return '(sensitive, unknown: secrets not resolved)';
  const prefix = v.prefix !== null ? `, prefix ${JSON.stringify(v.prefix)}` : '';
  // changed: null is "not known" (CONTRACT.md §4), never shown as unchanged.
  const changed = v.changed === true ? ', changed' : v.changed === null ? ', change unknown' : '';
  return `(sensitive${changed}${prefix})`;
}

/**
 * The right-hand side of a field line. Creates show the new value only; updates show
 * `before → after`. A credential shows one parenthesised description, never two values.
 */
export function describeField(f: FieldChange, action: Action): string {
  if (isSensitive(f.after)) {
    if (f.before === null && action !== 'create') {
      return f.after.unknown ? '(sensitive, added, value unknown: secrets not resolved)' : `(sensitive, added${prefixPart(f.after)})`;
    }
    // A rotation shows where the key came from and where it goes, when both prefixes are known.
    if (isSensitive(f.before) && f.before.prefix !== null && f.after.prefix !== null && f.after.changed && !f.after.unknown && f.before.prefix !== f.after.prefix) {
      return `(sensitive, changed, prefix ${JSON.stringify(f.before.prefix)} → ${JSON.stringify(f.after.prefix)})`;
    }
    return sensitiveText(f.after);
  }
  if (isSensitive(f.before) && f.after === null) return '(sensitive, removed)';
  if (action === 'create') return formatValue(f.after);
  return `${formatValue(f.before)} → ${formatValue(f.after)}`;
}

function prefixPart(v: SensitiveValue): string {
  return v.prefix !== null ? `, prefix ${JSON.stringify(v.prefix)}` : '';
}

/** "deletes 12 provider models, 3 model backends; leaves model 'gpt' with no backend" */
export function describeCascade(c: Cascade | undefined, type: ResourceType): string {
  if (c === undefined) return '';
  const parts: string[] = [];
  if (type === 'provider') parts.push(plural(c.providerModels, 'provider model'));
  if (c.modelBackends > 0 || type === 'provider' || type === 'model') parts.push(plural(c.modelBackends, 'model backend'));
  if (type === 'model') parts.push(plural(c.accessGrants ?? 0, 'access grant'));
  let s = parts.length > 0 ? `deletes ${parts.join(', ')}` : '';
  const left = c.modelsLeftWithoutBackends;
  if (left.length > 0) {
    const what = `leaves ${left.length === 1 ? 'model' : 'models'} ${quoteList(left)} with no backend`;
    s = s === '' ? what : `${s}; ${what}`;
  }
  return s;
}

export function summaryLine(summary: Summary): string {
  return `Plan: ${summary.create} to create, ${summary.update} to update, ${summary.disable} to disable, ${summary.enable} to enable, ${summary.delete} to delete.`;
}

export const NO_CHANGES = 'No changes. The database matches the files.';

/** The words after the resource in a block header: rename, adopt, and why a change exists. */
export function headerNotes(c: Change): string[] {
  const notes: string[] = [];
  if (c.renamedFrom !== undefined) notes.push(`renamed from ${JSON.stringify(c.renamedFrom)}`);
  // An adopt's reason says whose row it takes over (another scope's); none: a console-made row.
  if (c.adopt) notes.push(`adopt: ${c.reason ?? 'take over a row made outside cvctl'}`);
  else if (c.reason !== undefined) notes.push(c.reason);
  return notes;
}
