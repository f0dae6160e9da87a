// Pieces shared by every text renderer (plan, drift): ANSI colouring (only when asked, which
// the CLI decides from the terminal, NO_COLOR and --no-color), and the blocks both print the
// same way: a provider's block frame, aligned field lines, cascades and warnings.
import type { Cascade, ResourceType } from '../plan/types';
import { describeCascade, fieldKey, membersLabel } from './common';

export const ANSI = { green: 32, yellow: 33, red: 31, bold: 1, dim: 2 } as const;
export type Style = keyof typeof ANSI;

/** Paints in a style, or in the style `styles` gives a kind (a plan action, a drift label). */
export class Painter<K extends string = never> {
  constructor(
    private readonly on: boolean,
    private readonly styles = {} as Record<K, Style>,
  ) {}
  paint(s: string, style: Style): string {
    return this.on ? `\x1b[${ANSI[style]}m${s}\x1b[0m` : s;
  }
  as(s: string, kind: K): string {
    return this.paint(s, this.styles[kind]);
  }
}

/** One line per field: its aligned name, then what `describe` says about it. */
export function fieldLines<F extends { path: string }>(fields: F[], indent: string, describe: (f: F) => string): string[] {
  const key = fieldKey(fields, indent);
  return fields.map((f) => `${key(f.path)} ${describe(f)}`);
}

/** What a delete takes with it, in red, or nothing. */
export function cascadeLines(c: Cascade | undefined, type: ResourceType, indent: string, p: Painter): string[] {
  const cascade = describeCascade(c, type);
  return cascade === '' ? [] : [`${indent}${p.paint(cascade, 'red')}`];
}

/**
 * A provider's block: `own` gives the lines of its own change (from the title), or the block
 * says it is unchanged; then the count of its models' changes and their lines.
 */
export function providerBlock(
  group: { kind: 'provider' | 'model'; name: string },
  own: ((title: string) => string[]) | null,
  models: { counts: string; lines: () => string[] } | null,
  p: Painter,
): string[] {
  const title = `${group.kind} ${JSON.stringify(group.name)}`;
  const out = own === null ? [`  ${title} ${p.paint(`(${group.kind} unchanged)`, 'dim')}`] : own(title);
  if (models !== null) out.push(`    ${membersLabel(group.kind)}: ${models.counts}`, ...models.lines());
  return out;
}

export function warningLines(warnings: readonly { code: string; message: string }[], p: Painter): string[] {
  if (warnings.length === 0) return [];
  const out = [p.paint('Warnings:', 'yellow')];
  for (const w of warnings) out.push(`  ${p.paint('!', 'yellow')} ${w.code}: ${w.message}`);
  out.push('');
  return out;
}
