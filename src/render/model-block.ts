// A model's block in the text plan and in the markdown PR comment's diff block: its routing as
// the plan's routing view has it (every backend in the order traffic tries it, with priority,
// weight and share before → after: routing.ts), then its grants as who may call what, with
// limits. Backend changes are read in the routing rows, so they get no lines of their own; a
// plan without a routing view (none of its models re-routes) shows them as plain members.
import type { GrantLimits } from '../domain/routing';
import type { ModelRouting } from '../plan/routing-view';
import { isChangeOf, type Change, type Plan } from '../plan/types';
import { escapeControl } from '../escape';
import type { ProviderGroup } from './common';
import { grantText, routingLines, type GrantView, type RowMarks } from './routing';
import { routingRows, type RowMark } from './routing-view';

/** The plan's routing view by model name. */
export function routingByModel(plan: Plan): Map<string, ModelRouting> {
  return new Map((plan.routing ?? []).map((v) => [v.model, v]));
}

/**
 * The plan's groups (groupByProvider), plus a group with no change of its own for each model
 * re-routed by changes elsewhere (its provider disabled, a provider model deleted), after the
 * other models.
 */
export function withRoutingGroups(groups: ProviderGroup[], plan: Plan): ProviderGroup[] {
  const named = new Set(groups.filter((g) => g.kind === 'model').map((g) => g.name));
  const extra = (plan.routing ?? []).filter((v) => !named.has(v.model)).map((v): ProviderGroup => ({ kind: 'model', name: v.model, change: null, models: [] }));
  return [...groups, ...extra];
}

type GrantChange = Extract<Change, { resource: { type: 'accessGrant' } }>;

/** The grant as it was: the target with each shown field's `before` put back. */
function grantBefore(c: GrantChange): GrantView | null {
  if (c.action === 'delete' || c.action === 'create') return null;
  const t = c.target;
  const limits: Record<string, unknown> = { ...t.limits };
  let expiresAt = t.expiresAt;
  for (const f of c.fields ?? []) {
    if (f.path === 'expiresAt') expiresAt = typeof f.before === 'string' ? f.before : null;
    else if (f.path.startsWith('limits.')) {
      const key = f.path.slice('limits.'.length);
      if (f.before === null || f.before === undefined) delete limits[key];
      else limits[key] = f.before;
    }
  }
  return { model: t.model, subject: `${t.subjectType}:${t.subject}`, limits: limits as GrantLimits, expiresAt };
}

function grantAfter(c: GrantChange): GrantView | null {
  if (c.action === 'delete') return null;
  const t = c.target;
  return { model: t.model, subject: `${t.subjectType}:${t.subject}`, limits: t.limits, expiresAt: t.expiresAt };
}

/** `group:engineering → chat-default  600 req/min` (a delete: who loses access, and why). */
function grantLine(c: GrantChange): string {
  if (c.action !== 'delete') return grantText(grantBefore(c), grantAfter(c));
  const why = c.reason !== undefined ? `  (${c.reason})` : '';
  return `${escapeControl(c.resource.subject)} → ${escapeControl(c.resource.model)}  access removed${why}`;
}

const GRANT_MARK: Record<Change['action'], RowMark> = { create: 'added', update: 'changed', enable: 'changed', disable: 'changed', delete: 'removed' };

/** One line of the block, with the row's kind so the text plan can colour it. */
export interface BlockLine {
  text: string;
  mark: RowMark;
}

export interface ModelBlock {
  lines: BlockLine[];
  /** Members the lines do not show (backends, when there is no routing view): listed as before. */
  rest: Change[];
}

/**
 * The routing rows (when the model has a routing view) and the grant lines, after `indent`.
 * Marks are the text plan's or the markdown diff block's.
 */
export function modelBlock(g: ProviderGroup, view: ModelRouting | undefined, indent: string, marks: RowMarks): ModelBlock {
  const lines: BlockLine[] = [];
  if (view !== undefined) {
    const rows = routingRows(view);
    const text = routingLines(view, indent, marks, rows);
    const whole: RowMark | null = view.before === null ? 'added' : view.after === null ? 'removed' : null;
    lines.push({ text: text[0], mark: 'same' });
    if (rows.length === 0) lines.push({ text: text[1], mark: 'same' });
    rows.forEach((r, i) => lines.push({ text: text[i + 1], mark: whole ?? r.mark }));
  }
  const grants = g.models.filter((m): m is GrantChange => isChangeOf(m, 'accessGrant'));
  if (grants.length > 0) {
    lines.push({ text: `${indent}  access grants:`, mark: 'same' });
    for (const c of grants) {
      const mark = GRANT_MARK[c.action];
      lines.push({ text: `${indent}${marks[mark]} ${grantLine(c)}`, mark });
    }
  }
  // A backend the view does not list (its provider model unknown to the state read) keeps its own line.
  const shown = new Set([...(view?.before?.backends ?? []), ...(view?.after?.backends ?? [])].map((b) => JSON.stringify([b.provider, b.providerModel])));
  const inRows = (m: Change): boolean => m.resource.type === 'modelBackend' && shown.has(JSON.stringify([m.resource.provider, m.resource.name]));
  const rest = g.models.filter((m) => !isChangeOf(m, 'accessGrant') && !inRows(m));
  return { lines, rest };
}
