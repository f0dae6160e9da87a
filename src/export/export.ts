// `cvctl export`: the database's providers, models and access grants as files of the format,
// one file per provider and one per model (or every document on stdout). The selection and the
// documents are pure (selectRows, exportDocuments, routing.ts); writing is the thin part at the
// end. Read-only on the database.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Catalog } from '../catalog/catalog';
import type { CurrentState, ProviderModelRow, ProviderRow } from '../domain/rows';
import { compareStrings } from '../plan/canonical';
import { CvctlError } from '../errors';
import { exportProvider, type EnvVariable } from './document';
import { providersDocument, yamlDocument } from './emit';
import { routingBlocks, type SelectedRouting } from './routing';

export interface Selected {
  provider: ProviderRow;
  models: ProviderModelRow[];
  /** Models on this provider left out (other scopes, or made outside cvctl without --include-unmanaged). */
  skippedModels: number;
}

/**
 * This scope's providers (plus those no scope manages, with includeUnmanaged), each with the
 * models that belong to the same owner. A model made outside cvctl on a managed provider is
 * only exported with includeUnmanaged: otherwise `plan` on the files would refuse it.
 */
export function selectRows(current: CurrentState, scope: string, includeUnmanaged: boolean): Selected[] {
  const ours = (managedBy: string | null): boolean => managedBy === scope || (includeUnmanaged && managedBy === null);
  const modelsOf = new Map<string, ProviderModelRow[]>();
  for (const m of current.providerModels) {
    const list = modelsOf.get(m.providerId);
    if (list === undefined) modelsOf.set(m.providerId, [m]);
    else list.push(m);
  }
  return current.providers
    .filter((p) => ours(p.managedBy))
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((provider) => {
      const all = modelsOf.get(provider.id) ?? [];
      const models = all.filter((m) => ours(m.managedBy));
      return { provider, models, skippedModels: all.length - models.length };
    });
}

export interface ExportDocument {
  /** Where it goes under --out: `<provider>.yaml`, or `models/<model>.yaml` (a model and its grants). */
  file: string;
  /** YAML text of one document (schema comment, version, then providers: [this one], or the model and its grants). */
  text: string;
}

export interface ExportResult {
  documents: ExportDocument[];
  variables: EnvVariable[];
  /** Things the user should know (inexact folds, left-out models), one line each. */
  notes: string[];
}

export function exportDocuments(selected: Selected[], catalog: Catalog, schemaRef: string): ExportResult {
  const taken = new Set<string>();
  const documents: ExportDocument[] = [];
  const variables: EnvVariable[] = [];
  const notes: string[] = [];
  for (const s of selected) {
    const name = s.provider.name;
    const e = exportProvider(s.provider, s.models, catalog, taken);
    documents.push({ file: `${name}.yaml`, text: providersDocument([e.block], schemaRef) });
    variables.push(...e.variables);
    if (e.inexact !== undefined) {
      notes.push(
        `provider '${name}': its models are written out in full as custom models (${e.inexact}); ` +
          '`cvctl plan` will show their source changing to custom',
      );
    }
    if (s.skippedModels > 0) {
      notes.push(
        `provider '${name}': ${s.skippedModels} provider model${s.skippedModels === 1 ? '' : 's'} not managed by this scope left out` +
          ' (made outside cvctl: pass --include-unmanaged)',
      );
    }
  }
  return { documents, variables, notes };
}

/**
 * One document per model name, in `models/<name>.yaml` (a folder of its own, so no model name
 * can take a provider's file): the model with its routing and backends when selected, then the
 * selected grants that name it. `schemaRef` is as seen from that folder.
 */
export function exportRoutingDocuments(selected: SelectedRouting, schemaRef: string): { documents: ExportDocument[]; notes: string[] } {
  const documents: ExportDocument[] = [];
  const notes: string[] = [];
  for (const s of selected.items) {
    const b = routingBlocks(s);
    const body: Record<string, unknown> = {};
    if (b.model !== null) body.models = [b.model];
    if (b.grants.length > 0) body.accessGrants = b.grants;
    documents.push({ file: `models/${s.name}.yaml`, text: yamlDocument(body, schemaRef) });
    for (const i of b.inexact) notes.push(`model '${s.name}': ${i}, the nearest value the format allows; \`cvctl plan\` will show it changing`);
  }
  if (selected.skippedGrants > 0) {
    const n = selected.skippedGrants;
    notes.push(`${n} access grant${n === 1 ? '' : 's'} on exported models not managed by this scope left out (made outside cvctl: pass --include-unmanaged)`);
  }
  return { documents, notes };
}

/** All documents as one YAML stream. */
export function joinDocuments(docs: ExportDocument[]): string {
  return docs.map((d) => d.text).join('---\n');
}

/** `<dir>/<provider>.yaml` and `<dir>/models/<model>.yaml`; refuses to overwrite anything unless `force`, before writing any file. */
export function writeDocuments(dir: string, docs: ExportDocument[], force: boolean, rel: (p: string) => string): string[] {
  const files = docs.map((d) => ({ file: path.join(dir, d.file), text: d.text }));
  if (!force) {
    const existing = files.filter((f) => fs.existsSync(f.file)).map((f) => rel(f.file));
    if (existing.length > 0) {
      throw new CvctlError(
        'IO_ERROR',
        `refusing to overwrite existing file${existing.length === 1 ? '' : 's'} ${existing.join(', ')}; pass --force to overwrite. Nothing was written`,
      );
    }
  }
  try {
    for (const f of files) {
      fs.mkdirSync(path.dirname(f.file), { recursive: true });
      fs.writeFileSync(f.file, f.text, { mode: 0o644 });
    }
  } catch (e) {
    throw new CvctlError('IO_ERROR', `cannot write to ${rel(dir)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return files.map((f) => f.file);
}

/** The variables the user must set, for stderr. */
export function variablesMessage(vars: EnvVariable[]): string {
  if (vars.length === 0) return '';
  const width = Math.min(48, Math.max(...vars.map((v) => v.name.length)));
  const lines = vars.map((v) => `  ${v.name.padEnd(width)}  provider '${v.provider}', credentials.${v.field}`);
  return [
    'Credentials are referenced as environment variables (export never reads or writes secret values).',
    'Set these before `cvctl plan` / `cvctl apply`, or change the references to your secret manager:',
    ...lines,
    '',
  ].join('\n');
}
