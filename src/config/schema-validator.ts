// The JSON Schema of the file format (schemas/providers.schema.json), compiled once per
// process with ajv. allErrors so one run reports every problem; verbose so each error
// carries its parentSchema (for "did you mean") and the offending data (to tell a literal
// secret from other type errors).
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

/** Two levels up from src/config (ts-jest) or dist/config (built package): the package root. */
export const PROVIDERS_SCHEMA_PATH = path.resolve(__dirname, '../../schemas/providers.schema.json');

let compiled: ValidateFunction | undefined;

export function compileSchema(schema: object): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, discriminator: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** The validator of the bundled schema (read and compiled on first use). */
export function providersValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(fs.readFileSync(PROVIDERS_SCHEMA_PATH, 'utf8')) as object;
    compiled = compileSchema(schema);
  }
  return compiled;
}

/** Validates one document; [] when valid. */
export function validateDocument(doc: unknown, validator: ValidateFunction = providersValidator()): ErrorObject[] {
  return validator(doc) ? [] : [...(validator.errors ?? [])];
}
