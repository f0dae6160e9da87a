#!/usr/bin/env node
// Build step after tsc: writes dist/catalog-data.json, the bundled catalog read and checked by
// the full reader (src/catalog/load.ts), stamped with the files' digest (src/catalog/prebuilt.ts).
// A broken catalog fails the build here. Run by `npm run build`.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { BUNDLED_CATALOG_DIR } = require(path.join(root, 'dist/catalog/catalog.js'));
const { loadCatalogDir } = require(path.join(root, 'dist/catalog/load.js'));
const { PREBUILT_CATALOG_FILE, catalogDigest, serializeCatalog } = require(path.join(root, 'dist/catalog/prebuilt.js'));

const data = loadCatalogDir(BUNDLED_CATALOG_DIR);
fs.writeFileSync(PREBUILT_CATALOG_FILE, serializeCatalog(data, catalogDigest(BUNDLED_CATALOG_DIR)));
process.stderr.write(`wrote ${path.relative(root, PREBUILT_CATALOG_FILE)}\n`);
