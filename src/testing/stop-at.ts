// Test-only stop points (docs/reliability.md, "Stop points"). The crash and rotation tests need
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
