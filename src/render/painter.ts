// ANSI colouring shared by every text renderer (plan, drift): colour only when asked,
// which the CLI decides from the terminal, NO_COLOR and --no-color.

export const ANSI = { green: 32, yellow: 33, red: 31, bold: 1, dim: 2 } as const;
export type Style = keyof typeof ANSI;

/** Widest field name values are aligned to: one long config path must not push every value right. */
export const MAX_PAD = 40;

export class Painter {
  constructor(protected readonly on: boolean) {}
  paint(s: string, style: Style): string {
    return this.on ? `\x1b[${ANSI[style]}m${s}\x1b[0m` : s;
  }
}
