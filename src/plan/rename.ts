// Which row a declared resource stands for, when it may have been renamed (`renamedFrom`).
// Generic over the row type and the lookup so that every resource type with names and earlier
// names (providers now, user-facing models later) decides the same way:
//
//   row under the declared name, none under an earlier one  -> that row (`same`)
//   no row under the declared name, one under an earlier one -> rename that row (`renamed`)
//   no row under any of the names                           -> a new row (`none`)
//   a row under the declared name AND under an earlier one  -> refused (`conflict`): which one
//                                                              is meant is not ours to guess
//   no row under the declared name, rows under several      -> refused (`ambiguous`)
//   earlier names

import type { ProviderRow } from '../domain/rows';
import type { DesiredState } from '../domain/types';

export interface EarlierName {
  name: string;
}

export type RenameMatch<R, E extends EarlierName = EarlierName> =
  | { kind: 'none' }
  | { kind: 'same'; row: R }
  | { kind: 'renamed'; row: R; from: E }
  | { kind: 'conflict'; row: R; earlier: Array<{ from: E; row: R }> }
  | { kind: 'ambiguous'; earlier: Array<{ from: E; row: R }> };

export function matchRenamed<R, E extends EarlierName>(
  name: string,
  renamedFrom: readonly E[] | undefined,
  lookup: (name: string) => R | undefined,
): RenameMatch<R, E> {
  const row = lookup(name);
  const earlier: Array<{ from: E; row: R }> = [];
  for (const from of renamedFrom ?? []) {
    if (from.name === name) continue;
    const r = lookup(from.name);
    if (r !== undefined) earlier.push({ from, row: r });
  }
  if (row !== undefined) return earlier.length === 0 ? { kind: 'same', row } : { kind: 'conflict', row, earlier };
  if (earlier.length === 0) return { kind: 'none' };
  if (earlier.length === 1) return { kind: 'renamed', row: earlier[0].row, from: earlier[0].from };
  return { kind: 'ambiguous', earlier };
}

/** The row a declared resource compares with (same or renamed), if there is exactly one. */
export function matchedRow<R>(m: RenameMatch<R>): R | undefined {
  return m.kind === 'same' || m.kind === 'renamed' ? m.row : undefined;
}

/** Every row a match stands for or is refused over: none of them is planned for removal. */
export function rowsOfMatch<R>(m: RenameMatch<R>): R[] {
  switch (m.kind) {
    case 'none':
      return [];
    case 'same':
    case 'renamed':
      return [m.row];
    case 'conflict':
      return [m.row, ...m.earlier.map((e) => e.row)];
    case 'ambiguous':
      return m.earlier.map((e) => e.row);
  }
}

/** Declared provider name -> the row it stands for (its own, or the one it renames), where there is one. */
export function rowsOfDeclaredProviders(desired: DesiredState, rows: ProviderRow[]): Map<string, ProviderRow> {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const out = new Map<string, ProviderRow>();
  for (const p of desired.providers) {
    const row = matchedRow(matchRenamed(p.spec.name, p.spec.renamedFrom, (n) => byName.get(n)));
    if (row !== undefined) out.set(p.spec.name, row);
  }
  return out;
}
