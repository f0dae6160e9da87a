// Scenario folders: test/scenarios/NNN-name/scenario.json describes steps (SQL as the console
// would run it, then cvctl commands on versions of the files); each step's stdout, exit code
// and the resulting rows are compared with golden files in the folder. Every scenario runs
// on real PostgreSQL and on the embedded database. UPDATE_GOLDEN=1 rewrites the goldens.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { dumpRows } from '../support/dump';
import { freshDatabase, targets } from '../support/db';
import { openDatabase } from '../../src/state/connect';
import type { Database } from '../../src/state/database';

interface Step {
  /** SQL file in the scenario folder, run directly against the database (a console edit). */
  sql?: string;
  /** cvctl arguments; `{files}` in an argument is replaced by the files folder. */
  cvctl?: string[];
  files?: string;
  exit?: number;
  /** Compare stdout with step-N.stdout.txt (default true for plan/show). */
  stdout?: boolean;
  /** Compare stderr with step-N.stderr.txt. */
  stderr?: boolean;
  /** Compare the dumped rows with step-N.rows.json. */
  rows?: boolean;
  env?: Record<string, string>;
}

interface Scenario {
  description: string;
  env?: Record<string, string>;
  steps: Step[];
}

const root = __dirname;
const update = process.env.UPDATE_GOLDEN === '1';
const folders = fs
  .readdirSync(root)
  .filter((d) => /^\d{3}-/.test(d))
  .sort();

function golden(file: string, actual: string): void {
  if (update || !fs.existsSync(file)) {
    if (!update && process.env.CI) throw new Error(`missing golden file ${file}`);
    fs.writeFileSync(file, actual);
    return;
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

describe.each(targets)('scenarios on %s', (target) => {
  test.each(folders)('%s', async (folder) => {
    const dir = path.join(root, folder);
    const sc = JSON.parse(fs.readFileSync(path.join(dir, 'scenario.json'), 'utf8')) as Scenario;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `cvctl-sc-${folder}-`));
    fs.cpSync(dir, work, { recursive: true });
    const fresh = await freshDatabase(target);
    // The embedded target lives in the work dir's default place, like a user's checkout.
    const dbArgs = fresh.url ? ['--database-url', fresh.url] : [];
    // Embedded target: one open handle for the whole scenario, shared by the SQL steps and
    // every cvctl step (opening PGlite costs about a second; the default-path opening is
    // covered by the CLI and canary tests).
    const withDb = async <T>(fn: (db: Database) => Promise<T>): Promise<T> => {
      if (!fresh.url) return fn(fresh.db);
      const db = await openDatabase({ databaseUrl: fresh.url });
      try {
        return await fn(db);
      } finally {
        await db.close();
      }
    };
    try {
      for (const [i, step] of sc.steps.entries()) {
        const n = i + 1;
        if (step.sql) {
          const sql = fs.readFileSync(path.join(work, step.sql), 'utf8');
          await withDb((db) => db.query(sql));
        }
        if (step.cvctl) {
          const args = step.cvctl.map((a) => a.replace('{files}', step.files ?? '.'));
          const r = await runCli([...dbArgs, ...args], {
            cwd: work,
            env: { ...sc.env, ...step.env },
            database: fresh.url ? undefined : fresh.db,
          });
          const label = `${folder} step ${n} (cvctl ${args.join(' ')}):\n${r.stderr}`;
          if (r.code !== (step.exit ?? 0)) throw new Error(`exit ${r.code}, expected ${step.exit ?? 0}: ${label}`);
          if (step.stdout !== false) golden(path.join(dir, `step-${n}.stdout.txt`), mask(r.stdout, work));
          if (step.stderr) golden(path.join(dir, `step-${n}.stderr.txt`), mask(scrub(r.stderr), work));
        }
        if (step.rows) {
          const dump = await withDb((db) => dumpRows(db));
          golden(path.join(dir, `step-${n}.rows.json`), JSON.stringify(dump, null, 2) + '\n');
        }
      }
    } finally {
      await fresh.cleanup().catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

/**
 * Values that differ between runs and targets by design: row ids, xmin row versions, keyed
 * fingerprints (the key is random per database), digests over those, the temp work dir.
 */
function mask(s: string, work: string): string {
  return s
    .split(work)
    .join('<work>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/"rowVersion": \d+/g, '"rowVersion": <xmin>')
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
    .replace(/digest <code>[0-9a-f]{12}<\/code>/g, 'digest <code><digest></code>');
}

/** Lines that vary between targets or runs (the embedded-database notice). */
function scrub(s: string): string {
  return s
    .split('\n')
    .filter((l) => !l.includes('embedded database'))
    .join('\n');
}
