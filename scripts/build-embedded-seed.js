#!/usr/bin/env node
// Build step after tsc: writes dist/embedded-seed/db.seed, a PGlite data directory made by
// initdb and migrated with this cvctl's migrations, which a first run of the embedded database
// copies instead of running initdb (see src/state/pglite-seed.ts). Run by `npm run build`;
// skipped when the seed on disk was made by the same PGlite with the same migrations.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = (p) => require(path.join(root, 'dist', p));
const { DEFAULT_SEED_FILE, packSeed, pgliteVersion, readSeedHeader } = dist('state/pglite-seed.js');
const { MIGRATIONS, migrate } = dist('state/migrations.js');
const { PgliteDatabase } = dist('state/pglite.js');

async function main() {
  const names = MIGRATIONS.map((m) => m.name);
  const current = readSeedHeader(DEFAULT_SEED_FILE);
  if (current && current.pglite === pgliteVersion() && JSON.stringify(current.migrations) === JSON.stringify(names)) {
    process.stderr.write(`${path.relative(root, DEFAULT_SEED_FILE)} is current\n`);
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-seed-'));
  const dataDir = path.join(work, 'db');
  try {
    const db = await PgliteDatabase.open({ dir: dataDir });
    try {
      const r = await migrate(db);
      if (r.applied.join() !== names.join()) throw new Error(`migrations applied: ${r.applied.join(', ')}`);
    } finally {
      await db.close();
    }
    const packed = packSeed(dataDir, names);
    fs.mkdirSync(path.dirname(DEFAULT_SEED_FILE), { recursive: true });
    const tmp = `${DEFAULT_SEED_FILE}.${process.pid}`;
    fs.writeFileSync(tmp, packed);
    fs.renameSync(tmp, DEFAULT_SEED_FILE);
    process.stderr.write(`wrote ${path.relative(root, DEFAULT_SEED_FILE)} (${(packed.length / 1e6).toFixed(1)} MB)\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`build-embedded-seed: ${e.stack || e}\n`);
  process.exit(1);
});
