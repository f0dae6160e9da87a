// Shared by the schema tests: compile schemas/providers.schema.json exactly as src/config does.
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SCHEMA_PATH = path.join(ROOT, 'schemas', 'providers.schema.json');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function loadSchema(): Json {
  return JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
}

export function compileSchema(schema: Json = loadSchema()): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: false, discriminator: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Validates and returns the errors (empty when valid). */
export function errorsOf(validate: ValidateFunction, doc: unknown): ErrorObject[] {
  return validate(doc) ? [] : [...(validate.errors ?? [])];
}

/** Errors without the `if` companions ajv adds at every enclosing if/then ("must match then schema"). */
export function realErrors(errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => e.keyword !== 'if');
}

export function describeErrors(errors: ErrorObject[]): string {
  return errors
    .map((e) => `${e.instancePath || '(root)'} ${e.keyword} ${e.message} ${JSON.stringify(e.params)}`)
    .join('\n');
}
