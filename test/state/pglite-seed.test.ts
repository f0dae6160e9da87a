// The embedded database's seed (src/state/pglite-seed.ts): a packed, migrated data directory
// that a first run restores instead of running initdb. It must restore into a working, migrated
// PostgreSQL; an older seed must still get the newer migrations; it must never touch an
// existing database; and a seed that does not fit is ignored (initdb as before).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openDatabase } from '../../src/state/connect';
import { runCli } from '../support/cli';
import type { Database } from '../../src/state/database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../src/state/migrations';
import { PgliteDatabase } from '../../src/state/pglite';
import {
  DEFAULT_SEED_FILE,
  packSeed,
  pgliteVersion,
  readSeedHeader,
  restoreSeed,
  seedMismatch,
  type SeedHeader,
} from '../../src/state/pglite-seed';

const names = MIGRATIONS.map((m) => m.name);
let work: string;
/** Seeds made once for the file: migrated, and bare (initdb only: "older than the migrations"). */
let migratedSeed: string;
let bareSeed: string;

/** Opens (initdb on first use) the data directory at `dir`, runs fn, and leaves it closed. */
async function inDataDir(dir: string, fn: (db: Database) => Promise<unknown>): Promise<void> {
  const db = await PgliteDatabase.open({ dir });
  try {
    await fn(db);
  } finally {
    await db.close();
  }
  fs.rmSync(`${dir}.lock`, { force: true });
}

async function withDb<T>(dir: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ embeddedDir: dir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const systemId = (db: Database) =>
  db.query<{ id: string }>('select system_identifier::text as id from pg_control_system()').then((r) => r.rows[0].id);

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-seed-test-'));
  // One initdb for both seeds (an initdb is most of this file's time): packed bare, then
  // migrated in place and packed again.
  const src = path.join(work, 'src');
  migratedSeed = path.join(work, 'migrated.seed');
  bareSeed = path.join(work, 'bare.seed');
  await inDataDir(src, async () => undefined);
  fs.writeFileSync(bareSeed, packSeed(src, []));
  await inDataDir(src, (db) => migrate(db));
  fs.writeFileSync(migratedSeed, packSeed(src, names));
}, 120_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('a restored seed is a working database at the latest schema, with nothing left to migrate', async () => {
  const dir = path.join(work, 'restored', 'db');
  expect(restoreSeed(dir, migratedSeed)).toBe(true);
  expect(fs.existsSync(`${dir}.restoring`)).toBe(false);
  expect(fs.existsSync(path.join(dir, 'postmaster.pid'))).toBe(false);
  await withDb(dir, async (db) => {
    expect(await schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(await migrate(db)).toEqual({ applied: [], version: LATEST_SCHEMA_VERSION });
    await db.query(`insert into providers (name, kind) values ('seeded', 'openai')`);
    const r = await db.query<{ n: number }>('select count(*)::int as n from providers');
    expect(r.rows[0].n).toBe(1);
    // Every open runs with the smaller shared_buffers (src/state/pglite.ts PGLITE_SETTINGS).
    const sb = await db.query<{ shared_buffers: string }>('show shared_buffers');
    expect(sb.rows[0].shared_buffers).toBe('16MB');
  });
  // Written and reopened: the data survived a restart of the embedded server.
  await withDb(dir, async (db) => {
    const r = await db.query<{ name: string }>('select name from providers');
    expect(r.rows).toEqual([{ name: 'seeded' }]);
  });
});

test('a seed older than the migrations is restored and migrated on top', async () => {
  const dir = path.join(work, 'older', 'db');
  expect(restoreSeed(dir, bareSeed)).toBe(true);
  await withDb(dir, async (db) => {
    expect(await schemaVersion(db)).toBe(0);
    expect(await migrate(db)).toEqual({ applied: names, version: LATEST_SCHEMA_VERSION });
    const t = await db.query<{ n: number }>(`select count(*)::int as n from pg_tables where tablename = 'provider_models'`);
    expect(t.rows[0].n).toBe(1);
  });
});

test('an empty directory is restored into; an existing database is never touched', async () => {
  const empty = path.join(work, 'empty', 'db');
  fs.mkdirSync(empty, { recursive: true });
  expect(restoreSeed(empty, migratedSeed)).toBe(true);
  expect(fs.existsSync(path.join(empty, 'PG_VERSION'))).toBe(true);

  const existing = path.join(work, 'existing', 'db');
  expect(restoreSeed(existing, bareSeed)).toBe(true);
  await withDb(existing, async (db) => {
    await db.query('create table mine (x int)');
  });
  const before = fs.readdirSync(existing).sort();
  expect(restoreSeed(existing, migratedSeed)).toBe(false);
  expect(fs.readdirSync(existing).sort()).toEqual(before);
  await withDb(existing, async (db) => {
    expect(await schemaVersion(db)).toBe(0); // still the bare one, not replaced by the migrated seed
    expect((await db.query(`select to_regclass('mine') is not null as present`)).rows).toEqual([{ present: true }]);
  });
});

test('an empty directory behind a symlink is left to initdb, not replaced', () => {
  const real = path.join(work, 'symlinked-real');
  fs.mkdirSync(real);
  const link = path.join(work, 'symlinked', 'db');
  fs.mkdirSync(path.dirname(link));
  fs.symlinkSync(real, link);
  expect(restoreSeed(link, migratedSeed)).toBe(false);
  expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
  expect(fs.readdirSync(real)).toEqual([]);
  expect(fs.existsSync(`${link}.restoring`)).toBe(false);
});

test('every restore of one seed is a copy of the same database (same system identifier)', async () => {
  const a = path.join(work, 'copy-a', 'db');
  const b = path.join(work, 'copy-b', 'db');
  expect(restoreSeed(a, migratedSeed)).toBe(true);
  expect(restoreSeed(b, migratedSeed)).toBe(true);
  const idA = await withDb(a, systemId);
  const idB = await withDb(b, systemId);
  expect(idA).toBe(idB);
  // That a new initdb makes a new one is checked by the last test, which runs one anyway.
});

test('a damaged or missing seed is ignored and leaves nothing behind', () => {
  const damaged = path.join(work, 'damaged.seed');
  const bytes = fs.readFileSync(migratedSeed);
  fs.writeFileSync(damaged, bytes.subarray(0, bytes.length - 1000));
  const dir = path.join(work, 'damaged', 'db');
  expect(restoreSeed(dir, damaged)).toBe(false);
  expect(fs.existsSync(dir)).toBe(false);
  expect(fs.existsSync(`${dir}.restoring`)).toBe(false);
  expect(restoreSeed(dir, path.join(work, 'no-such.seed'))).toBe(false);
  fs.writeFileSync(damaged, 'not a seed');
  expect(restoreSeed(dir, damaged)).toBe(false);
  expect(readSeedHeader(damaged)).toBeUndefined();
});

test('a seed made by another PGlite, or holding migrations this cvctl lacks, does not fit', () => {
  const header = readSeedHeader(migratedSeed) as SeedHeader;
  expect(header.migrations).toEqual(names);
  expect(seedMismatch(header)).toBeUndefined();
  expect(seedMismatch({ ...header, pglite: '0.0.1' })).toMatch(/made by PGlite 0\.0\.1/);
  expect(seedMismatch({ ...header, migrations: [...names, '9999_from_the_future'] })).toMatch(/does not have/);
  expect(seedMismatch({ ...header, migrations: ['0001_something_else'] })).toMatch(/does not have/);
  expect(seedMismatch({ ...header, formatVersion: 99 })).toMatch(/format/);
});

test('the build ships a seed made by the installed PGlite with every migration (npm run build)', () => {
  const header = readSeedHeader(DEFAULT_SEED_FILE);
  expect(header).toBeDefined();
  expect(header!.pglite).toBe(pgliteVersion());
  expect(header!.migrations).toEqual(names);
});

test('a first CLI apply restores the shipped seed; `db migrate` on a new directory runs initdb and every migration', async () => {
  const shipped = path.join(work, 'shipped', 'db');
  expect(restoreSeed(shipped, DEFAULT_SEED_FILE)).toBe(true);
  const shippedId = await withDb(shipped, systemId);

  const repo = path.join(work, 'cli-apply');
  fs.cpSync(path.resolve(__dirname, '../../examples/basic'), path.join(repo, 'basic'), { recursive: true });
  const r = await runCli(['apply', 'basic', '--auto-approve'], { cwd: repo, env: { OPENAI_API_KEY: 'sk-test-123' } });
  expect(r.code).toBe(0);
  await withDb(path.join(repo, '.cvctl', 'db'), async (db) => {
    expect(await systemId(db)).toBe(shippedId);
    const n = await db.query<{ n: number }>('select count(*)::int as n from provider_models');
    expect(n.rows[0].n).toBeGreaterThan(0);
  });

  const other = path.join(work, 'cli-migrate');
  fs.mkdirSync(other);
  const m = await runCli(['db', 'migrate'], { cwd: other });
  expect(m.code).toBe(0);
  expect(m.stdout).toContain(`Applied ${names.length} migration(s)`);
  // initdb makes a new database: not a copy of the shipped seed, nor of the seeds made above.
  const newId = await withDb(path.join(other, '.cvctl', 'db'), systemId);
  expect(newId).not.toBe(shippedId);
  expect(newId).not.toBe(await withDb(path.join(work, 'src'), systemId));
}, 120_000);
