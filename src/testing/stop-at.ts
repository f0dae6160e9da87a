// Test-only stop and pause points: the one module of hooks that exist for tests.
//
// Stop points (docs/reliability.md, "Stop points"). The crash and rotation tests need
// the process to die at an exact place in the real code (inside the apply transaction, after
// the n-th rotated batch, ...) instead of after a guessed number of milliseconds, which misses
// its window on a busy machine. With CVCTL_TEST_STOP_AT=<point>[#<n>][+tick] set, the n-th time
// (default: the first) the process reaches stopAt('<point>') it sends itself SIGKILL: none of
// cvctl's cleanup runs, exactly as with `kill -9` from outside. `+tick` kills on the next turn
// of the event loop instead, so the statement issued right after the point is already on its
// way to the database (a kill "during" it, e.g. during COMMIT).
//
// Inert unless the variable is set (one environment lookup per call); a value that does not
// parse, or names another point, does nothing. It can only end the process: it reads no other
// input, writes nothing, prints nothing, and what it is given never reaches any output.
//
// Pause points (env CVCTL_TEST_PAUSE_AT, read from the command's environment): `apply` stops
// just before or just after its COMMIT, says so on stderr and waits, so a test can send a
// signal at a known point without sleeping (test/cli/interrupt.test.ts). A value that names no
// pause point is a usage error rather than ignored: a test must never silently not pause.
import { CvctlError } from '../errors';

const SPEC = /^([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)(?:#([1-9][0-9]{0,6}))?(\+tick)?$/;

let seen = 0;

export function stopAt(point: string): void {
  const raw = process.env.CVCTL_TEST_STOP_AT;
  if (raw === undefined || raw === '') return;
  const m = SPEC.exec(raw);
  if (!m || m[1] !== point) return;
  seen += 1;
  if (seen !== Number(m[2] ?? 1)) return;
  const die = (): void => void process.kill(process.pid, 'SIGKILL');
  if (m[3]) setImmediate(die);
  else die();
}

export type PausePoint = 'before-commit' | 'after-commit';
const PAUSE_POINTS: readonly string[] = ['before-commit', 'after-commit'];

/** The pause point CVCTL_TEST_PAUSE_AT names in `env`, if any. */
export function pausePointOf(env: NodeJS.ProcessEnv): PausePoint | undefined {
  const raw = env.CVCTL_TEST_PAUSE_AT;
  if (raw === undefined || raw === '') return undefined;
  if (!PAUSE_POINTS.includes(raw)) {
    throw new CvctlError('USAGE', `CVCTL_TEST_PAUSE_AT (tests only) must be one of ${PAUSE_POINTS.join(', ')}`);
  }
  return raw as PausePoint;
}

/** At `point`, when it is the configured one: say so and wait for ever (the test ends the process). */
export async function pauseAt(point: PausePoint, configured: PausePoint | undefined, stderr: (s: string) => void): Promise<void> {
  if (configured !== point) return;
  stderr(`cvctl-test: paused at ${point}\n`);
  // Nothing else may keep the event loop alive (the embedded database): a timer does.
  await new Promise<void>(() => {
    setInterval(() => undefined, 1 << 30);
  });
}
