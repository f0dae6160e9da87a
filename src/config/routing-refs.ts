// References from models' backends to Provider Models, and from grants to models, and the
// half of their checks that needs the database. `cvctl validate` has no database: a backend
// whose provider is not declared in the files, or a grant whose model is not, may name a row
// that exists there. Those references are deferred (deferredReferences) and checked at plan
// time by checkDeferredReferences, against the database as the plan leaves it, with the same
// codes and positions as the checks validate runs (routing-checks.ts).
import type { ModelKind, ProviderStatus } from '../domain/kinds';
import type { AccessGrantSpec, ModelBackendSpec, ModelSpec } from '../domain/routing';
import type { DesiredModel, DesiredProvider, DesiredState, SourcePos } from '../domain/types';
import type { DiagnosticCode } from './codes';
import { at, diagnosticAt, type Diagnostic } from './diagnostics';
import { didYouMean, quoteValue } from './text';

/** `openai-prod/gpt-4o`, quoted, for messages. */
export const refName = (b: Pick<ModelBackendSpec, 'provider' | 'modelId'>): string => quoteValue(`${b.provider}/${b.modelId}`);

/** The declared providers by name, each with its Provider Models by id. */
export function providerModelIndex(providers: DesiredProvider[]): Map<string, { provider: DesiredProvider; models: Map<string, DesiredModel> }> {
  return new Map(providers.map((p) => [p.spec.name, { provider: p, models: new Map(p.models.map((m) => [m.modelId, m])) }]));
}

export interface DeferredBackend {
  model: ModelSpec;
  backend: ModelBackendSpec;
}

export interface DeferredReferences {
  /** Backends whose provider is not declared in the files. */
  backends: DeferredBackend[];
  /** Grants whose model is not declared in the files. */
  grants: AccessGrantSpec[];
}

/** What validate could not check without the database (an input of the plan stage). */
export function deferredReferences(desired: DesiredState): DeferredReferences {
  const providers = new Set(desired.providers.map((p) => p.spec.name));
  const models = new Set((desired.models ?? []).map((m) => m.name));
  const backends: DeferredBackend[] = [];
  for (const model of desired.models ?? []) {
    for (const backend of model.backends) if (!providers.has(backend.provider)) backends.push({ model, backend });
  }
  return { backends, grants: (desired.accessGrants ?? []).filter((g) => !models.has(g.model)) };
}

/** A Provider Model in the database, as the plan leaves it. */
export interface DatabaseProviderModel {
  kind: ModelKind;
  status: ProviderStatus;
  /** Status of its provider after the plan (a provider removed with onRemove: disable is disabled). */
  providerStatus: ProviderStatus;
  /** The same plan deletes it (its provider is removed from the files). */
  deleted?: boolean;
  /** Where the files make it so, when they do (named in the message). */
  pos?: SourcePos;
  /** What in the plan deletes it, when no place in the files does (a provider removed from them). */
  deletedBy?: string;
}

export interface ReferenceLookup {
  providerModel(provider: string, modelId: string): DatabaseProviderModel | undefined;
  /** Whether a model of this name is in the database and stays there after the plan. */
  hasModel(name: string): boolean;
}

/** Why an active backend cannot serve: its Provider Model or provider is disabled. */
export function disabledReason(b: ModelBackendSpec, pmStatus: ProviderStatus, providerStatus: ProviderStatus, where?: SourcePos): string | undefined {
  if (providerStatus === 'disabled') return `provider ${quoteValue(b.provider)} is disabled${where ? ` (at ${at(where)})` : ''}`;
  if (pmStatus === 'disabled') return `provider model ${refName(b)} is disabled${where ? ` (at ${at(where)})` : ''}`;
  return undefined;
}

const article = (kind: ModelKind): string => (kind === 'embedding' ? 'an embedding' : `a ${kind}`);

export function kindMismatch(model: ModelSpec, b: ModelBackendSpec, kind: ModelKind): Diagnostic {
  return diagnosticAt(
    'backend-kind-mismatch',
    `model ${quoteValue(model.name)} is ${article(model.kind)} model, but ${refName(b)} is ${article(kind)} model; every backend must be of the model's kind`,
    b.pos,
  );
}

export function withoutActiveBackend(model: ModelSpec): Diagnostic {
  const active = model.backends.filter((b) => b.status === 'active').length;
  const why =
    model.backends.length === 0
      ? 'it has no backends'
      : active === 0
        ? `all its ${model.backends.length === 1 ? 'backend is' : `${model.backends.length} backends are`} disabled`
        : `none of its active backends can serve (see the errors at them)`;
  return diagnosticAt(
    'model-without-active-backend',
    `model ${quoteValue(model.name)} is active but has no active backend: ${why}; add one, enable one, or set status: disabled`,
    model.pos,
  );
}

/** What validate knows beyond the desired state (none of it exists once validate has passed). */
export interface FileFacts {
  /** Earlier provider names (`renamedFrom`) -> the provider now named so. */
  renamed?: Map<string, DesiredProvider>;
  /** `provider\0modelId` -> where a custom entry sets `status: disabled`. */
  disabledAt?: Map<string, SourcePos>;
}

export interface BackendJudgement {
  diagnostics: Diagnostic[];
  /** Per model, how many backends the files alone show able to serve (active, enabled, of its kind; deferred ones not counted). */
  serving: Map<ModelSpec, number>;
}

function missingModel(b: ModelBackendSpec, p: DesiredProvider, models: Map<string, DesiredModel>): Diagnostic {
  const excluded = p.spec.models.exclude.includes(b.modelId);
  const why = excluded
    ? `is excluded from the catalog import of provider ${quoteValue(b.provider)} (at ${at(p.spec.pos)})`
    : `is not a model of provider ${quoteValue(b.provider)} (at ${at(p.spec.pos)})${didYouMean(b.modelId, models.keys())}`;
  return diagnosticAt('unknown-provider-model', `backend ${refName(b)}: ${quoteValue(b.modelId)} ${why}`, b.pos);
}

/**
 * The checks of each backend against the Provider Models the files declare: the model exists,
 * has the model's kind, and is enabled (with its provider) when the backend is active. A backend
 * whose provider is not in the files is left to checkDeferredReferences.
 */
export function judgeBackends(desired: DesiredState, facts: FileFacts = {}): BackendJudgement {
  const index = providerModelIndex(desired.providers);
  const diagnostics: Diagnostic[] = [];
  const serving = new Map<ModelSpec, number>();
  for (const model of desired.models ?? []) {
    let n = 0;
    let pending = 0;
    const seen = new Map<string, ModelBackendSpec>();
    for (const b of model.backends) {
      const key = `${b.provider}/${b.modelId}`;
      const first = seen.get(key);
      if (first) {
        diagnosticsPush(diagnostics, 'duplicate-backend', `backend ${refName(b)} is listed twice in model ${quoteValue(model.name)} (first at ${at(first.pos)})`, b.pos);
        continue;
      }
      seen.set(key, b);
      const entry = index.get(b.provider);
      const renamedTo = facts.renamed?.get(b.provider);
      if (!entry && renamedTo) {
        const now = renamedTo.spec.name;
        diagnosticsPush(diagnostics, 'unknown-provider-model', `backend ${refName(b)}: provider ${quoteValue(b.provider)} is renamed to ${quoteValue(now)} (at ${at(renamedTo.spec.pos)}); write ${quoteValue(`${now}/${b.modelId}`)}`, b.pos);
        continue;
      }
      if (!entry) {
        // Deferred to plan (not in the files), or unknowable (a provider block with errors, reported): may serve.
        if (b.status === 'active') pending++;
        continue;
      }
      const pm = entry.models.get(b.modelId);
      if (!pm) {
        diagnostics.push(missingModel(b, entry.provider, entry.models));
        continue;
      }
      if (pm.kind !== model.kind) {
        diagnostics.push(kindMismatch(model, b, pm.kind));
        continue;
      }
      if (b.status !== 'active') continue;
      const spec = entry.provider.spec;
      const where = spec.status === 'disabled' ? spec.pos : facts.disabledAt?.get(`${b.provider}\u0000${b.modelId}`);
      const why = disabledReason(b, pm.status, spec.status, where);
      if (why) diagnosticsPush(diagnostics, 'backend-provider-model-disabled', `backend ${refName(b)} is active, but ${why}; disable the backend or remove it`, b.pos);
      else n++;
    }
    serving.set(model, n);
    if (model.status === 'active' && n + pending === 0) {
      diagnostics.push(withoutActiveBackend(model));
    }
  }
  return { diagnostics, serving };
}

function diagnosticsPush(out: Diagnostic[], code: DiagnosticCode, message: string, pos: SourcePos): void {
  out.push(diagnosticAt(code, message, pos));
}

/**
 * The database half of the checks, for the plan stage (validate has passed, so the files are
 * sound): every deferred reference must name a row that exists and stays after the plan, of the
 * right kind, and enabled when the backend is; and each active model must keep an active
 * backend, counting those the files show able to serve.
 */
export function checkDeferredReferences(desired: DesiredState, db: ReferenceLookup): Diagnostic[] {
  const out: Diagnostic[] = [];
  const deferred = deferredReferences(desired);
  const { serving } = judgeBackends(desired);
  const extra = new Map<ModelSpec, number>();
  for (const { model, backend: b } of deferred.backends) {
    const row = db.providerModel(b.provider, b.modelId);
    if (row === undefined) {
      out.push(diagnosticAt('unknown-provider-model', `backend ${refName(b)} names a provider model that is in neither the files nor the database`, b.pos));
    } else if (row.deleted) {
      const where = row.pos ? ` (at ${at(row.pos)})` : row.deletedBy ? ` (${row.deletedBy})` : '';
      out.push(diagnosticAt('backend-provider-model-deleted', `backend ${refName(b)} routes to a provider model that this plan deletes${where}`, b.pos));
    } else if (row.kind !== model.kind) {
      out.push(kindMismatch(model, b, row.kind));
    } else if (b.status === 'active') {
      const why = disabledReason(b, row.status, row.providerStatus, row.pos);
      if (why) out.push(diagnosticAt('backend-provider-model-disabled', `backend ${refName(b)} is active, but ${why}; disable the backend or remove it`, b.pos));
      else extra.set(model, (extra.get(model) ?? 0) + 1);
    }
  }
  for (const model of new Set(deferred.backends.map((d) => d.model))) {
    if (model.status === 'active' && (serving.get(model) ?? 0) + (extra.get(model) ?? 0) === 0) out.push(withoutActiveBackend(model));
  }
  for (const g of deferred.grants) {
    if (!db.hasModel(g.model)) out.push(diagnosticAt('unknown-grant-model', `grant for model ${quoteValue(g.model)}, which is in neither the files nor the database`, g.modelPos));
  }
  return out;
}
