// A database provider row (+ its model rows) → a provider block of the file format, as plain
// data in the contract's key order. Pure. Credentials become `from: env` references with
// generated variable names: values never leave the database (export does not even read the
// ciphertext), the user supplies them.
import type { Catalog } from '../catalog/catalog';
import { assertNever, primaryCredentialField, type ProviderKind } from '../domain/kinds';
import type { ProviderModelRow, ProviderRow } from '../domain/rows';
import type { CustomModelSpec } from '../domain/types';
import { compareStrings, sortKeysDeep } from '../plan/canonical';
import { foldModels } from './fold';

export interface EnvVariable {
  name: string;
  provider: string;
  field: string;
}

export interface ExportedProvider {
  /** The provider block, keys in file order. */
  block: Record<string, unknown>;
  variables: EnvVariable[];
  /** Why the models could not be folded into the catalog (their source will change), if so. */
  inexact?: string;
}

/** `openai-prod` + `apiKey` → `OPENAI_PROD_API_KEY` (a valid variable name in every shell). */
export function envVarName(provider: string, field: string): string {
  const snake = (s: string): string =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase();
  const name = `${snake(provider)}_${snake(field)}`;
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * The credential fields to reference. A row cvctl wrote lists them in its fingerprints; a row
 * made elsewhere has none, so the kind's required fields are used (what the schema demands),
 * and for kinds where credentials are optional, the primary field when the row has one.
 */
export function credentialFields(row: ProviderRow): string[] {
  const stored = Object.keys(row.credentialFingerprints).sort(compareStrings);
  if (stored.length > 0) return stored;
  const hasCredential = row.credentialPrefix !== null || row.credentialUpdatedAt !== null;
  return requiredFields(row.kind, row.config, hasCredential);
}

function requiredFields(kind: ProviderKind, config: Record<string, unknown>, hasCredential: boolean): string[] {
  switch (kind) {
    case 'openai':
    case 'anthropic':
    case 'azure':
    case 'google':
    case 'vertex':
    case 'vertex-anthropic':
    case 'groq':
    case 'cohere':
    case 'deepseek':
    case 'moonshot':
      return [primaryCredentialField(kind)];
    case 'bedrock':
      // With a role to assume, keys are optional.
      return typeof config.roleArn === 'string' && !hasCredential ? [] : ['accessKeyId', 'secretAccessKey'];
    case 'openai-compatible':
      return hasCredential ? [primaryCredentialField(kind)] : [];
    default:
      return assertNever(kind, 'provider kind');
  }
}

function modelBlock(m: CustomModelSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { id: m.id };
  if (m.kind !== undefined) out.kind = m.kind;
  if (m.status !== undefined) out.status = m.status;
  if (m.contextWindow !== undefined) out.contextWindow = m.contextWindow;
  if (m.pricing !== undefined) out.pricing = { inputPerMTok: m.pricing.inputPerMTok, outputPerMTok: m.pricing.outputPerMTok };
  return out;
}

/**
 * `taken`: variable names already used by other providers of this export; a clash (names
 * that differ only in punctuation, e.g. `a-b` and `a.b`) gets a numeric suffix.
 */
export function exportProvider(
  row: ProviderRow,
  models: ProviderModelRow[],
  catalog: Catalog,
  taken: Set<string>,
): ExportedProvider {
  const block: Record<string, unknown> = { name: row.name, kind: row.kind, status: row.status };
  if (Object.keys(row.labels).length > 0) block.labels = sortKeysDeep(row.labels);
  block.protected = row.protected;
  block.onRemove = row.onRemove;
  if (Object.keys(row.config).length > 0) block.config = sortKeysDeep(row.config);

  const variables: EnvVariable[] = [];
  const credentials: Record<string, unknown> = {};
  for (const field of credentialFields(row)) {
    const base = envVarName(row.name, field);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    credentials[field] = { from: 'env', name };
    variables.push({ name, provider: row.name, field });
  }
  if (variables.length > 0) block.credentials = credentials;

  const folded = foldModels(row.kind, models, catalog);
  const m: Record<string, unknown> = {};
  if (folded.catalog !== undefined) m.catalog = folded.catalog;
  if (folded.exclude.length > 0) m.exclude = folded.exclude;
  if (folded.custom.length > 0) m.custom = folded.custom.map(modelBlock);
  if (Object.keys(m).length > 0) block.models = m;
  return { block, variables, ...(folded.inexact !== undefined ? { inexact: folded.inexact } : {}) };
}
