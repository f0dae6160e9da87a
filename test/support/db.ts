// Throwaway databases for tests, on both targets. Suites run once per target with
//   describe.each(targets)('... on %s', (target) => { ... freshDatabase(target) ... })
// PostgreSQL: a new database per call (create database cvctl_t_<random>), dropped by cleanup(),
// so parallel jest workers never share state. PGlite: a new data directory per call, copied
// from a migrated template built once per machine (initdb takes seconds; a copy takes ms).
import { spawnSync } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { openDatabase } from '../../src/state/connect';
import type { Database } from '../../src/state/database';
import { MIGRATIONS, migrate } from '../../src/state/migrations';

export type DbTarget = 'postgres' | 'pglite';

/** Server-level URL used to create and drop test databases (trust auth in dev and CI). */
export const adminUrl =
  process.env.CVCTL_TEST_DATABASE_URL || process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** Synchronous on purpose: describe.each needs the list while jest collects tests. */
function postgresReachable(url: string): boolean {
  const u = new URL(url);
  const probe = `const s=require('net').connect(${Number(u.port || 5432)}, ${JSON.stringify(u.hostname)});
    s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),3000);`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: 5000 }).status === 0;
}

function computeTargets(): DbTarget[] {
  const only = process.env.CVCTL_TEST_TARGETS?.split(',').map((s) => s.trim()) as DbTarget[] | undefined;
  const wantPostgres = !only || only.includes('postgres');
  const wantPglite = !only || only.includes('pglite');
  const out: DbTarget[] = [];
  if (wantPostgres) {
    if (postgresReachable(adminUrl)) out.push('postgres');
    else if (process.env.CI === 'true') {
      // In CI the postgres target is the one that matters most: never skip it silently.
      throw new Error(`PostgreSQL is unreachable at ${new URL(adminUrl).host} but CI=true: start it or set CVCTL_TEST_DATABASE_URL`);
    }
  }
  if (wantPglite) out.push('pglite');
  return out;
}

export const targets: DbTarget[] = computeTargets();
export const hasPostgres = targets.includes('postgres');

export interface FreshDatabase {
  db: Database;
  /** postgres target: the URL of the throwaway database. */
  url?: string;
  /** pglite target: the data directory. */
  dir?: string;
  cleanup(): Promise<void>;
}

export interface FreshOptions {
  /** Run the migrations (default true). */
  migrate?: boolean;
}

export async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: adminUrl, application_name: 'cvctl-test-admin' });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** An empty throwaway database on the server; returns its URL and a drop function. */
export async function createPostgresDatabase(template?: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `cvctl_t_${randomBytes(6).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${name}${template ? ` template ${template}` : ''}`));
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: () => withAdmin(async (c) => void (await c.query(`drop database if exists ${name} with (force)`))),
  };
}

/** The key of a migrated template: the migrations' SQL (a schema change makes a new one). */
const migrationsKey = (): string => createHash('sha256').update(JSON.stringify(MIGRATIONS)).digest('hex').slice(0, 16);

let serverTemplate: Promise<string> | undefined;

/**
 * A migrated database on the server to copy new test databases from (CREATE DATABASE …
 * TEMPLATE): a copy skips running the migrations, about half the server's work for each test
 * database. Kept between runs, named by the migrations' key; built under a private name and
 * renamed into place, so no worker copies a half-migrated one (nobody stays connected to it:
 * PostgreSQL refuses to copy a database in use).
 */
function postgresTemplate(): Promise<string> {
  serverTemplate ??= (async () => {
    const name = `cvctl_test_tpl_${migrationsKey()}`;
    const exists = await withAdmin((c) => c.query('select 1 from pg_database where datname = $1', [name]));
    if (exists.rowCount) return name;
    const build = await createPostgresDatabase();
    try {
      const db = await openDatabase({ databaseUrl: build.url, applicationName: 'cvctl-test' });
      try {
        await migrate(db);
      } finally {
        await db.close();
      }
      await renameWhenFree(build.name, name);
    } catch (e) {
      await build.drop();
      // Another worker renamed its copy into place first: use that one.
      const won = await withAdmin((c) => c.query('select 1 from pg_database where datname = $1', [name]));
      if (!won.rowCount) throw e;
    }
    return name;
  })();
  serverTemplate.catch(() => {
    serverTemplate = undefined;
  });
  return serverTemplate;
}

/** A closed connection's backend can outlive close() by a moment: retry while the database is in use. */
async function renameWhenFree(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin((c) => c.query(`alter database ${from} rename to ${to}`));
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== '55006' || attempt >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A new migrated database on the server (a copy of the migrated template). */
export async function createMigratedPostgresDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  return createPostgresDatabase(await postgresTemplate());
}

export async function freshDatabase(target: DbTarget, opts: FreshOptions = {}): Promise<FreshDatabase> {
  const wantMigrated = opts.migrate ?? true;
  if (target === 'postgres') {
    const pg = wantMigrated ? await createMigratedPostgresDatabase() : await createPostgresDatabase();
    const db = await openDatabase({ databaseUrl: pg.url, applicationName: 'cvctl-test' });
    return {
      db,
      url: pg.url,
      async cleanup() {
        await db.close();
        await pg.drop();
      },
    };
  }
  const template = await pgliteTemplate(wantMigrated);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-t-pglite-'));
  fs.cpSync(template, dir, { recursive: true });
  const db = await openDatabase({ embeddedDir: dir });
  return {
    db,
    dir,
    async cleanup() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}.lock`, { force: true });
    },
  };
}

export interface WorkspaceDatabase {
  /** postgres target: the URL of the throwaway database. */
  url?: string;
  /** pglite target: the data directory, `<work>/.cvctl/db`. */
  embeddedDir?: string;
  /** `--database-url <url>` for the postgres target; nothing for the embedded one (the default place). */
  dbArgs: string[];
  /** A new handle (the embedded database admits one at a time: close it before the CLI runs). */
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

/**
 * A migrated database for a work directory, not opened: a throwaway PostgreSQL database, or the
 * migrated template copied to `<work>/.cvctl/db`, where a user's checkout has it (the CLI run
 * in `work` finds it without arguments). Cheaper than freshDatabase + copy: no embedded open.
 */
export async function workspaceDatabase(target: DbTarget, work: string): Promise<WorkspaceDatabase> {
  if (target === 'postgres') {
    const pg = await createMigratedPostgresDatabase();
    return {
      url: pg.url,
      dbArgs: ['--database-url', pg.url],
      open: () => openDatabase({ databaseUrl: pg.url }),
      cleanup: () => pg.drop(),
    };
  }
  const embeddedDir = path.join(work, '.cvctl', 'db');
  fs.mkdirSync(path.dirname(embeddedDir), { recursive: true });
  fs.cpSync(await pgliteTemplate(true), embeddedDir, { recursive: true });
  return {
    embeddedDir,
    dbArgs: [],
    open: () => openDatabase({ embeddedDir }),
    async cleanup() {
      fs.rmSync(embeddedDir, { recursive: true, force: true });
      fs.rmSync(`${embeddedDir}.lock`, { force: true });
    },
  };
}

/**
 * A closed PGlite data directory to copy: bare (initdb only) or migrated. Cached under the OS
 * temp dir, keyed by the PGlite version and the migrations' SQL so a schema change rebuilds it.
 * Built in a private directory and renamed into place: concurrent workers never see half a template.
 */
async function pgliteTemplate(migrated: boolean): Promise<string> {
  // package.json is not in the package's exports map: read it next to the resolved entry point.
  const pkg = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const pgliteVersion = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  const key = createHash('sha256')
    .update(pgliteVersion)
    .update(migrated ? JSON.stringify(MIGRATIONS) : 'bare')
    .digest('hex')
    .slice(0, 16);
  const final = path.join(os.tmpdir(), `cvctl-test-pglite-template-${key}`);
  if (fs.existsSync(path.join(final, 'PG_VERSION'))) return final;
  const build = `${final}.build-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const db = await openDatabase({ embeddedDir: build });
    try {
      if (migrated) await migrate(db);
    } finally {
      await db.close();
    }
  } catch (e) {
    fs.rmSync(build, { recursive: true, force: true });
    throw e;
  } finally {
    fs.rmSync(`${build}.lock`, { force: true });
  }
  try {
    fs.renameSync(build, final);
  } catch {
    // Another worker won the race; its template is as good as ours.
    fs.rmSync(build, { recursive: true, force: true });
  }
  return final;
}
