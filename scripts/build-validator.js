#!/usr/bin/env node
// Build step after tsc: writes dist/config/providers-validator.js, the providers schema's ajv
// validator as standalone code, so the CLI does not compile the schema on every command
// (see src/config/schema-validator.ts). Run by `npm run build`.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { PROVIDERS_SCHEMA_PATH, STANDALONE_VALIDATOR_PATH, standaloneValidatorSource } = require(
  path.join(root, 'dist/config/schema-validator.js'),
);
fs.writeFileSync(STANDALONE_VALIDATOR_PATH, standaloneValidatorSource(fs.readFileSync(PROVIDERS_SCHEMA_PATH, 'utf8')));
process.stderr.write(`wrote ${path.relative(root, STANDALONE_VALIDATOR_PATH)}\n`);
