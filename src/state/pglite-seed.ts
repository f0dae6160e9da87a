// The embedded database's seed: a PGlite data directory made at build time (initdb inside the
// WASM build, then this cvctl's migrations), packed into one gzip file that ships in dist/.
// A first run copies it into `.cvctl/db` instead of running initdb, which is most of the
// first run's time and memory (initdb is a second WASM instance with its own heap).
//
// It is an ordinary PostgreSQL data directory made by the same PGlite and the same migrations
// a first run would run; `migrate()` still runs after every open, so a seed older than the
// migrations (a stale build) gets the newer ones on top. A seed made by another PGlite version,
// or with migrations this cvctl does not have, is ignored and the database is made as before.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { MIGRATIONS } from './migrations';

const FORMAT = 'cvctl-embedded-seed';
const FORMAT_VERSION = 1;

/** Where `npm run build` writes the seed; the same path from src/state (tests) and dist/state. */
export const DEFAULT_SEED_FILE = path.resolve(__dirname, '..', '..', 'dist', 'embedded-seed', 'db.seed.gz');

/** Files of a data directory that belong to a running server, never to a copy. */
const SKIPPED = new Set(['postmaster.pid', 'postmaster.opts']);

interface SeedEntry {
  /** Relative path with `/` separators. */
  p: string;
  /** Size in bytes; absent for a directory. */
  s?: number;
}

export interface SeedHeader {
  format: typeof FORMAT;
  formatVersion: number;
  /** The PGlite version that made the data directory (its on-disk format follows it). */
  pglite: string;
  /** Names of the migrations already applied in it, in order. */
  migrations: string[];
  entries: SeedEntry[];
}

/** The installed PGlite's version, read next to its entry point (package.json is not exported). */
export function pgliteVersion(): string {
  const pkg = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Packs a closed data directory with the migrations it holds. */
export function packSeed(dataDir: string, migrations: readonly string[]): Buffer {
  const entries: SeedEntry[] = [];
  const chunks: Buffer[] = [];
  const walk = (rel: string): void => {
    const names = fs.readdirSync(path.join(dataDir, rel)).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      if (!rel && SKIPPED.has(name)) continue;
      const st = fs.statSync(path.join(dataDir, r));
      if (st.isDirectory()) {
        entries.push({ p: r });
        walk(r);
      } else if (st.isFile()) {
        const data = fs.readFileSync(path.join(dataDir, r));
        entries.push({ p: r, s: data.length });
        chunks.push(data);
      }
    }
  };
  walk('');
  const header: SeedHeader = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    pglite: pgliteVersion(),
    migrations: [...migrations],
    entries,
  };
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return zlib.gzipSync(Buffer.concat([len, json, ...chunks]), { level: 9 });
}

function unpack(file: string): { header: SeedHeader; body: Buffer; offset: number } {
  const body = zlib.gunzipSync(fs.readFileSync(file));
  const len = body.readUInt32BE(0);
  const header = JSON.parse(body.subarray(4, 4 + len).toString('utf8')) as SeedHeader;
  return { header, body, offset: 4 + len };
}

/** Reads only the header (the build uses it to skip making a seed that is already current). */
export function readSeedHeader(file: string): SeedHeader | undefined {
  try {
    const { header } = unpack(file);
    return header.format === FORMAT ? header : undefined;
  } catch {
    return undefined;
  }
}

/** Why a seed cannot be used by this cvctl and this PGlite, or undefined when it can. */
export function seedMismatch(header: SeedHeader): string | undefined {
  if (header.format !== FORMAT || header.formatVersion !== FORMAT_VERSION) return 'unknown seed format';
  if (header.pglite !== pgliteVersion()) return `made by PGlite ${header.pglite}, this is ${pgliteVersion()}`;
  const known = MIGRATIONS.map((m) => m.name);
  if (header.migrations.length > known.length || header.migrations.some((n, i) => n !== known[i])) {
    return 'holds migrations this cvctl does not have';
  }
  return undefined;
}

function isEmptyOrMissing(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * Restores the seed into `dataDir` when that directory is missing or empty and the seed fits
 * this cvctl; returns whether it did. The caller holds the data directory's lock. Unpacked
 * beside it and renamed into place, so an interrupted restore leaves no half directory.
 * An existing database (any content) is never touched.
 */
export function restoreSeed(dataDir: string, seedFile: string = DEFAULT_SEED_FILE): boolean {
  if (!isEmptyOrMissing(dataDir) || !fs.existsSync(seedFile)) return false;
  let seed: ReturnType<typeof unpack>;
  try {
    seed = unpack(seedFile);
  } catch {
    return false; // unreadable seed: make the database the slow way
  }
  if (seedMismatch(seed.header)) return false;
  const tmp = `${dataDir}.restoring`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  let offset = seed.offset;
  for (const e of seed.header.entries) {
    const target = path.join(tmp, ...e.p.split('/'));
    if (!target.startsWith(tmp + path.sep)) throw new Error(`seed entry outside the data directory: ${e.p}`);
    if (e.s === undefined) {
      fs.mkdirSync(target, { recursive: true });
    } else {
      fs.writeFileSync(target, seed.body.subarray(offset, offset + e.s), { mode: 0o600 });
      offset += e.s;
    }
  }
  try {
    fs.rmdirSync(dataDir); // empty, checked above (rmdir refuses anything else)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.renameSync(tmp, dataDir);
  return true;
}
