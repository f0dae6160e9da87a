#!/usr/bin/env node
// Build step after tsc: writes the ajv validators of the bundled schemas as standalone code, so
// the CLI does not compile a schema on every command: dist/config/providers-validator.js (see
// src/config/schema-validator.ts) and dist/plan/plan-validator.js (src/plan/plan-schema.ts).
// Run by `npm run build`.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { PROVIDERS_SCHEMA_PATH, STANDALONE_VALIDATOR_PATH, standaloneValidatorSource } = require(
  path.join(root, 'dist/config/schema-validator.js'),
);
fs.writeFileSync(STANDALONE_VALIDATOR_PATH, standaloneValidatorSource(fs.readFileSync(PROVIDERS_SCHEMA_PATH, 'utf8')));
process.stderr.write(`wrote ${path.relative(root, STANDALONE_VALIDATOR_PATH)}\n`);

const { planValidatorSource } = require(path.join(root, 'dist/plan/plan-schema.js'));
const planValidatorPath = path.join(root, 'dist/plan/plan-validator.js');
fs.writeFileSync(planValidatorPath, planValidatorSource());
process.stderr.write(`wrote ${path.relative(root, planValidatorPath)}\n`);
