// What `kek rotate` prints: a progress bar on stderr while it runs (terminals only), and a
// summary on stdout at the end, as text or JSON. Only ids of KEKs and counts, never key bytes.
import type { RotateProgress, RotateSummary } from '../app/kek-rotate';

/** Counts with thousands separators, the same on every machine. */
function n(x: number): string {
  return x.toLocaleString('en-US');
}

export function renderRotateSummary(s: RotateSummary, output: 'text' | 'json'): string {
  if (output === 'json') return JSON.stringify(s, null, 2) + '\n';
  const lines: string[] = [];
  const row = (label: string, value: string): void => void lines.push(`  ${(label + ':').padEnd(24)}${value}`);
  if (s.dryRun) {
    lines.push(`Dry run: nothing was written. Rotation from ${s.source} to ${s.target} would re-wrap:`);
    const from = Object.entries(s.fromKeks).map(([k, c]) => `${n(c)} on ${k}`);
    row('rows to re-wrap', `${n(s.rows.rewrapped)}${from.length > 0 ? ` (${from.join(', ')})` : ''}`);
    row('already on the target', n(s.rows.alreadyOnTarget));
    row('without credentials', n(s.rows.withoutCredentials));
    row('fingerprint key', fingerprintText(s.fingerprintKey));
    row('KMS calls', kmsText(s));
    return lines.join('\n') + '\n';
  }
  lines.push(
    s.rows.remaining > 0
      ? `Rotation to ${s.target} is NOT complete: ${n(s.rows.remaining)} row(s) are still on other KEKs`
      : s.rows.rewrapped === 0 && s.fingerprintKey !== 'rewrapped'
        ? `Nothing to do: every data key is already wrapped by ${s.target}`
        : `Rotated the key-encryption key: ${s.source} -> ${s.target}`,
  );
  row('rows re-wrapped', n(s.rows.rewrapped));
  row('already on the target', n(s.rows.alreadyOnTarget));
  const redone = s.passes
    .filter((p) => p.pass > 1 && p.rewrapped > 0)
    .map((p) => `${n(p.rewrapped)} re-done in pass ${p.pass}`);
  row('changed concurrently', `${n(s.rows.changedConcurrently)}${redone.length > 0 ? ` (${redone.join(', ')})` : ''}`);
  if (s.rows.remaining > 0) row('still to do', `${n(s.rows.remaining)} (run the same command again)`);
  row('without credentials', n(s.rows.withoutCredentials));
  row('fingerprint key', fingerprintText(s.fingerprintKey));
  row('KMS calls', kmsText(s));
  row('elapsed', `${(s.elapsedMs / 1000).toFixed(1)} s (${n(s.rowsPerSecond)} rows/s)`);
  return lines.join('\n') + '\n';
}

function fingerprintText(f: RotateSummary['fingerprintKey']): string {
  switch (f) {
    case 'rewrapped':
      return 're-wrapped';
    case 'already-on-target':
      return 'already on the target';
    case 'absent':
      return 'none yet (created by the first apply)';
    case 'would-rewrap':
      return 'would be re-wrapped';
    case 'skipped':
      return 'not re-wrapped: rows remain (the old KEK still opens it)';
  }
}

function kmsText(s: RotateSummary): string {
  const c = s.kmsCalls;
  if (c.total === 0) return '0 (local KEKs make none)';
  const parts = [`source ${n(c.source)}`, `target ${n(c.target)}`];
  if (c.other > 0) parts.push(`other keys ${n(c.other)}`);
  return `${n(c.total)} (${parts.join(', ')}; opening the keys and the preflight check included)`;
}

/**
 * `\r`-redrawn single line, at most ~10 times a second: redrawing on every row would cost
 * more than the rotation at local-KEK speeds and flood slow terminals.
 */
export class ProgressBar {
  #last = -Infinity;
  #drawn = false;
  #startedAt: number | null = null;

  constructor(
    private readonly write: (s: string) => void,
    private readonly clock: () => number = () => performance.now(),
    private readonly intervalMs = 100,
  ) {}

  update(p: RotateProgress): void {
    const now = this.clock();
    this.#startedAt ??= now;
    const final = p.phase !== 'rows';
    if (!final && now - this.#last < this.intervalMs) return;
    this.#last = now;
    this.write(`\r${this.line(p, now)}\x1b[K`);
    this.#drawn = true;
  }

  /** Clears the bar so the summary starts on a clean line. */
  end(): void {
    if (this.#drawn) this.write('\r\x1b[K');
    this.#drawn = false;
  }

  line(p: RotateProgress, now: number): string {
    const width = 30;
    const total = Math.max(p.total, p.rewrapped, 1);
    const frac = Math.min(1, p.rewrapped / total);
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const secs = Math.max((now - (this.#startedAt ?? now)) / 1000, 0.001);
    const rate = Math.round(p.committed / secs);
    const phase = p.phase === 'fingerprint' ? ' fingerprint key' : p.pass > 1 ? ` pass ${p.pass}` : '';
      return `[${bar}] ${n(p.rewrapped)}/${n(p.total)} rows ${Math.floor(frac * 100)}% ${n(rate)} rows/s${phase}`;
  }
}
