// The embedded database's seed: a PGlite data directory made at build time (initdb inside the
// WASM build, then this cvctl's migrations), packed into one file that ships in dist/.
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
export const DEFAULT_SEED_FILE = path.resolve(__dirname, '..', '..', 'dist', 'embedded-seed', 'db.seed');

/** Files of a data directory that belong to a running server, never to a copy. */
const SKIPPED = new Set(['postmaster.pid', 'postmaster.opts']);

interface SeedEntry {
  /** Relative path with `/` separators. */
  p: string;
  /** Size in bytes; absent for a directory. */
  s?: number;
  /** Size deflated (raw deflate) in the seed file. */
  z?: number;
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

/**
 * Packs a closed data directory with the migrations it holds: a 4-byte header length, the JSON
 * header, then each file deflated on its own, so a restore never holds more than one inflated
 * file (the largest is the 16 MB WAL segment) in memory.
 */
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
        const z = zlib.deflateRawSync(data, { level: 9 });
        entries.push({ p: r, s: data.length, z: z.length });
        chunks.push(z);
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
  return Buffer.concat([len, json, ...chunks]);
}

function unpack(file: string): { header: SeedHeader; body: Buffer; offset: number } {
  const body = fs.readFileSync(file);
  const len = body.readUInt32BE(0);
  const header = JSON.parse(body.subarray(4, 4 + len).toString('utf8')) as SeedHeader;
  return { header, body, offset: 4 + len };
}

const PAGE = 8192;

/**
 * Writes a file leaving its all-zero pages as holes (they read back as zeros): most of a new
 * data directory is zeros (the WAL segment is 16 MB, mostly unused), and a first run's time
 * goes to writing it.
 */
function writeSparse(target: string, data: Buffer): void {
  const fd = fs.openSync(target, 'w', 0o600);
  try {
    let start = -1; // first byte of the current run of non-zero pages
    for (let off = 0; off < data.length; off += PAGE) {
      const zero = isZero(data.subarray(off, off + PAGE));
      if (!zero && start < 0) start = off;
      if (zero && start >= 0) {
        fs.writeSync(fd, data, start, off - start, start);
        start = -1;
      }
    }
    if (start >= 0) fs.writeSync(fd, data, start, data.length - start, start);
    fs.ftruncateSync(fd, data.length);
  } finally {
    fs.closeSync(fd);
  }
}

const ZERO_PAGE = Buffer.alloc(PAGE);

function isZero(b: Buffer): boolean {
  return b.length === PAGE ? b.equals(ZERO_PAGE) : b.equals(ZERO_PAGE.subarray(0, b.length));
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
  try {
    fs.mkdirSync(tmp, { recursive: true });
    let offset = seed.offset;
    for (const e of seed.header.entries) {
      const target = path.join(tmp, ...e.p.split('/'));
      if (!target.startsWith(tmp + path.sep)) throw new Error(`seed entry outside the data directory: ${e.p}`);
      if (e.s === undefined || e.z === undefined) {
        fs.mkdirSync(target, { recursive: true });
      } else {
        const data = zlib.inflateRawSync(seed.body.subarray(offset, offset + e.z));
        if (data.length !== e.s) throw new Error(`seed entry ${e.p}: ${data.length} bytes, expected ${e.s}`);
        writeSparse(target, data);
        offset += e.z;
      }
    }
  } catch {
    // A damaged seed is a packaging fault, not the user's: make the database the slow way.
    fs.rmSync(tmp, { recursive: true, force: true });
    return false;
  }
  try {
    fs.rmdirSync(dataDir); // empty, checked above (rmdir refuses anything else)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      // e.g. a symlink to an empty directory: leave it as it is and let initdb fill it.
      fs.rmSync(tmp, { recursive: true, force: true });
      return false;
    }
  }
  fs.renameSync(tmp, dataDir);
  return true;
}
