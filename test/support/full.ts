// How much of the long randomized trials a run does (docs/reliability.md, "Default and full runs").
// `npm test` runs a smaller seeded sample of each (every fuzz operator, every crash stop point,
// both databases), so the whole suite answers in minutes; CVCTL_TEST_FULL=1 (set by .ci/run)
// runs the full counts. A test's own variable (CVCTL_FUZZ_CASES, CVCTL_CRASH_TRIALS, ...) wins
// over both.
export const FULL = process.env.CVCTL_TEST_FULL === '1';

/** The count to run: the named variable if set (a non-negative integer), else the full or the default count. */
export function sampleSize(variable: string, byDefault: number, full: number): number {
  const raw = process.env[variable];
  const n = raw === undefined || raw === '' ? (FULL ? full : byDefault) : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${variable} must be a non-negative integer, not ${JSON.stringify(raw)}`);
  return n;
}

/** Printed with each sampled test's figures, so a log says which run it was. */
export const RUN_KIND = FULL ? 'full run (CVCTL_TEST_FULL=1)' : 'default sample (CVCTL_TEST_FULL=1 for the full run)';
