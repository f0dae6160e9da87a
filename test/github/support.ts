// Shared by test/github and test/docs: the repository root, YAML loading of the workflow
// templates and the composite action, and the compiled CLI (bin/cvctl.js runs dist/).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ACTION_PATH = path.join(ROOT, '.github', 'actions', 'cvctl', 'action.yml');
// In a dot-folder, as in a user's repository: cvctl (and the examples' schema test) skip dot-folders.
export const WORKFLOW_DIR = path.join(ROOT, 'examples', 'github', '.github', 'workflows');
export const CLI = path.join(ROOT, 'bin', 'cvctl.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Yaml = any;

/** Parse with YAML 1.2 (as GitHub does: `on` is a key, not `true`); any error or warning throws. */
export function loadYaml(file: string): Yaml {
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: true, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) throw new Error(`${path.relative(ROOT, file)}: ${problems.map((e) => e.message).join('\n')}`);
  return doc.toJS({ maxAliasCount: 100 });
}

export function workflowFiles(): string[] {
  return fs
    .readdirSync(WORKFLOW_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(WORKFLOW_DIR, f));
}

/** Every step of a workflow (all jobs) or of the composite action. */
export function stepsOf(doc: Yaml): Yaml[] {
  if (doc.runs?.steps) return doc.runs.steps;
  return Object.values(doc.jobs ?? {}).flatMap((j: Yaml) => j.steps ?? []);
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function upToDate(): boolean {
  const main = path.join(ROOT, 'dist', 'cli', 'main.js');
  return fs.existsSync(main) && fs.statSync(main).mtimeMs >= newestMtime(path.join(ROOT, 'src'));
}

/**
 * `npm run build` (tsc -p tsconfig.build.json) unless dist/ is newer than every source file.
 * Two jest workers may both need it: a lock directory makes the second wait for the first
 * instead of running a second tsc over the same output files.
 */
export function ensureBuilt(): string {
  if (upToDate()) return CLI;
  const lock = path.join(os.tmpdir(), `cvctl-build-${Buffer.from(ROOT).toString('hex').slice(-40)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Held by another worker (or left by a killed one: taken over after 5 minutes).
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock}`);
      sleepSync(250);
    }
  }
  try {
    if (!upToDate()) {
      try {
        execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
      } catch (e) {
        // tsc still emits when another part of the tree has type errors; only missing output is fatal.
        if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) {
          throw new Error(`npm run build failed: ${String((e as { stdout?: Buffer }).stdout ?? e)}`);
        }
      }
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return CLI;
}
