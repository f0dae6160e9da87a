// The shape of a plan before its details: identical changes grouped with counts ("3,000
// providers ~ update credentials.apiKey: (sensitive, changed, prefix …)"), for `--compact` and
// the top of the markdown PR comment. Rotating one key across 3,000 providers is one line here,
// not 9,000. Groups come from the Plan alone, so `show --compact` prints what `plan --compact` did.
import { compareStrings } from '../plan/canonical';
import type { Action, Change, Plan, ResourceType } from '../plan/types';
import { identityOf, specOf } from '../resources/registry';
import { ACTIONS } from '../plan/types';
import { describeCascade, describeField, groupByProvider, headerNotes, markOf, membersLabel, modelCounts } from './common';

export interface ChangeGroup {
  type: ResourceType;
  action: Action;
  /** What each change of the group does, identical for all of them. */
  what: string;
  /** provider names, or PROVIDER/MODEL for provider models, in plan order. */
  names: string[];
}

/** Longest description kept; a group's key is the full one, so truncation never merges groups. */
const MAX_WHAT = 240;

function clip(s: string): string {
  return s.length > MAX_WHAT ? `${s.slice(0, MAX_WHAT - 1)}…` : s;
}

/** What a change does, without what differs between otherwise identical changes (names, counts). */
function describeChange(c: Change): string {
  const notes = headerNotes(c);
  if (c.action === 'delete') return notes.join('; ');
  if (c.action === 'create') {
    // Creates differ in every name; group them by kind (their details are in the full plan).
    const kind = c.fields?.find((f) => f.path === 'kind');
    return kind !== undefined ? `kind ${describeField(kind, 'create')}` : '';
  }
  const fields = (c.fields ?? []).map((f) => `${f.path}: ${describeField(f, c.action)}`);
  return [...notes, ...fields].join('; ');
}

function displayName(c: Change): string {
  return identityOf(c.resource).join('/');
}

const TYPE_RANK: { readonly [T in ResourceType]: number } = { provider: 0, providerModel: 1, model: 2, modelBackend: 3, accessGrant: 4 };

/** Identical changes together: by type, action, then largest group first, then description. */
export function groupChanges(plan: Plan): ChangeGroup[] {
  const groups = new Map<string, ChangeGroup>();
  for (const c of plan.changes) {
    const what = describeChange(c);
    const key = `${c.resource.type}\u0000${c.action}\u0000${what}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { type: c.resource.type, action: c.action, what, names: [] };
      groups.set(key, g);
    }
    g.names.push(displayName(c));
  }
  return [...groups.values()].sort(
    (a, b) =>
      TYPE_RANK[a.type] - TYPE_RANK[b.type] ||
      ACTIONS.indexOf(a.action) - ACTIONS.indexOf(b.action) ||
      b.names.length - a.names.length ||
      compareStrings(a.what, b.what),
  );
}

/** "3,000 providers" / "1 provider model". */
export function groupCount(g: ChangeGroup): string {
  const n = g.names.length;
  const word = specOf(g.type).label;
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : `${word}s`}`;
}

/** "(a, b, c)" or "(a, b, c, … 2,997 more)". */
export function someNames(names: string[], shown = 3): string {
  const head = names.slice(0, shown).join(', ');
  const rest = names.length - shown;
  return rest > 0 ? `(${head}, … ${rest.toLocaleString('en-US')} more)` : `(${head})`;
}

export function groupLine(g: ChangeGroup): { count: string; mark: string; what: string; names: string } {
  return { count: groupCount(g), mark: `${markOf(g.action)} ${g.action}`, what: clip(g.what), names: someNames(g.names) };
}

/** Providers with the same line (but for the name) beyond this many are folded into one line. */
export const FOLD_AT = 5;

/**
 * One line per provider: what changes on it and how many of its models change, by action.
 * Providers whose lines are identical but for the name, when more than FOLD_AT of them, are one
 * line with their count ("~ 3,000 providers (tenant-0001, …)  credentials.apiKey").
 */
export function providerLines(plan: Plan): Array<{ action: Action | null; text: string }> {
  const entries = groupByProvider(plan).map((g) => {
    const c = g.change;
    const parts: string[] = [];
    if (c !== null) {
      if (c.action === 'delete') {
        parts.push(...headerNotes(c));
        const cascade = describeCascade(c.cascade, c.resource.type);
        if (cascade !== '') parts.push(cascade);
      } else if (c.action === 'create') {
        parts.push(describeChange(c));
      } else {
        parts.push(...headerNotes(c), ...(c.fields ?? []).map((f) => f.path));
      }
    }
    // A provider's members are its provider models; a model's, its backends and grants.
    if (g.models.length > 0) parts.push(`${g.kind === 'provider' ? 'models' : membersLabel(g.kind)}: ${modelCounts(g.models)}`);
    return { action: c?.action ?? null, kind: g.kind, name: g.name, desc: parts.filter((p) => p !== '').join('; ') };
  });
  const same = new Map<string, string[]>();
  for (const e of entries) {
    const key = `${e.kind}\u0000${e.action ?? ''}\u0000${e.desc}`;
    same.set(key, [...(same.get(key) ?? []), e.name]);
  }
  const out: Array<{ action: Action | null; text: string }> = [];
  const folded = new Set<string>();
  for (const e of entries) {
    const key = `${e.kind}\u0000${e.action ?? ''}\u0000${e.desc}`;
    const names = same.get(key) ?? [];
    const mark = e.action !== null ? markOf(e.action) : ' ';
    const tail = e.desc !== '' ? `  ${e.desc}` : '';
    if (names.length <= FOLD_AT) {
      // A model (the request path's facade) is named as one, beside the providers.
      out.push({ action: e.action, text: `${mark} ${e.kind === 'model' ? `model ${e.name}` : e.name}${tail}` });
    } else if (!folded.has(key)) {
      folded.add(key);
      out.push({ action: e.action, text: `${mark} ${names.length.toLocaleString('en-US')} ${e.kind}s ${someNames(names)}${tail}` });
    }
  }
  return out;
}

/** The plain lines of the grouped view (no colour), with aligned columns. */
export function groupedLines(plan: Plan, indent = '  '): string[] {
  const rows = groupChanges(plan).map(groupLine);
  const w1 = Math.max(0, ...rows.map((r) => r.count.length));
  const w2 = Math.max(0, ...rows.map((r) => r.mark.length));
  return rows.map((r) => `${indent}${r.count.padStart(w1)}  ${r.mark.padEnd(w2)}  ${r.what === '' ? '' : `${r.what}  `}${r.names}`);
}
