// Small builders for planner fixtures: desired providers/models, database rows, backends and
// a complete PlanInput. Ids are derived from names so expectations can name them.
import type { ProviderModelRow, ProviderRow, BackendRef, CurrentState } from '../../src/domain/rows';
import type { DesiredModel, DesiredProvider, DesiredState, LocatedSecretRef, ProviderSpec } from '../../src/domain/types';
import { computePlan, type CredentialStatus, type PlanInput } from '../../src/plan/compute';
import { isChangeOf, type Change } from '../../src/plan/types';
import { CONVERTERS, type CredentialWrite } from '../../src/apply/convert';
import { identityOf, resourceKey, specOf } from '../../src/resources/registry';
import { recordOf } from '../../src/resources/shape';

export const NOW = new Date('2026-04-20T12:00:00.000Z');

export function envRef(name: string, file = 'providers/main.yaml', line = 10): LocatedSecretRef {
  return { ref: { from: 'env', name }, pos: { file, line, column: 7 }, baseDir: 'providers' };
}

export function model(modelId: string, o: Partial<DesiredModel> = {}): DesiredModel {
  return {
    modelId,
    kind: 'chat',
    status: 'active',
    contextWindow: 128000,
    pricing: { inputPerMTok: 2.5, outputPerMTok: 10 },
    source: 'catalog:2026.04.15',
    ...o,
  };
}

export type SpecOverrides = Partial<Omit<ProviderSpec, 'name'>>;

export function provider(name: string, o: SpecOverrides = {}, models: DesiredModel[] = []): DesiredProvider {
  const spec: ProviderSpec = {
    name,
    kind: 'openai',
    status: 'active',
    labels: {},
    protected: false,
    onRemove: 'delete',
    config: {},
    credentials: { apiKey: envRef(`${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_KEY`) },
    models: { exclude: [], custom: [] },
    ignoreDrift: [],
    pos: { file: 'providers/main.yaml', line: 3, column: 5 },
    ...o,
  };
  return { spec, models };
}

/** The fingerprint the fixtures use for a provider's credential field. */
export function fp(providerName: string, field = 'apiKey', version = 1): string {
  return `fp-${providerName}-${field}-v${version}`;
}

export function providerRow(name: string, o: Partial<ProviderRow> = {}): ProviderRow {
  return {
    id: `pv-${name}`,
    name,
    kind: 'openai',
    status: 'active',
    config: {},
    labels: {},
    credentialPrefix: 'sk-test-',
    credentialUpdatedAt: '2026-01-01T00:00:00.000Z',
    credentialFingerprints: { apiKey: fp(name) },
    managedBy: 'default',
    protected: false,
    onRemove: 'delete',
    lastApplied: null,
    rowVersion: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...o,
  };
}

export function modelRow(providerName: string, modelId: string, o: Partial<ProviderModelRow> = {}): ProviderModelRow {
  return {
    id: `pm-${providerName}-${modelId}`,
    providerId: `pv-${providerName}`,
    modelId,
    kind: 'chat',
    status: 'active',
    contextWindow: 128000,
    pricing: { inputPerMTok: 2.5, outputPerMTok: 10 },
    source: 'catalog:2026.04.15',
    managedBy: 'default',
    lastApplied: null,
    rowVersion: 1,
    ...o,
  };
}

/** A model_backends row: user-facing model `modelName` served by provider model providerName/modelId. */
export function backend(providerName: string, modelId: string, modelName: string, n = 1): BackendRef {
  return {
    providerModelId: `pm-${providerName}-${modelId}`,
    backendId: `mb-${modelName}-${providerName}-${modelId}-${n}`,
    modelId: `m-${modelName}`,
    modelName,
  };
}

export function current(o: Partial<CurrentState> = {}): CurrentState {
  const backends = o.backends ?? [];
  const counts: Record<string, number> = {};
  for (const b of backends) counts[b.modelId] = (counts[b.modelId] ?? 0) + 1;
  return {
    providers: o.providers ?? [],
    providerModels: o.providerModels ?? [],
    backends,
    // By default every backend of a model is in `backends`; tests override to add unseen ones.
    modelBackendCounts: { ...counts, ...(o.modelBackendCounts ?? {}) },
  };
}

/** Credential status where every declared field resolves to fp(name, field, version). */
export function credsFor(desired: DesiredProvider[], version = 1, prefix = 'sk-test-'): CredentialStatus {
  const out: CredentialStatus = {};
  for (const d of desired) {
    out[d.spec.name] = Object.fromEntries(
      Object.keys(d.spec.credentials).map((f) => [f, { fingerprint: fp(d.spec.name, f, version), prefix }]),
    );
  }
  return out;
}

export function input(desired: DesiredProvider[], cur: CurrentState, o: Partial<PlanInput> = {}): PlanInput {
  const state: DesiredState = { providers: desired };
  return {
    desired: state,
    current: cur,
    scope: 'default',
    adopt: false,
    credentials: credsFor(desired),
    now: NOW,
    cvctlVersion: '0.1.0',
    catalogVersion: '2026.04.15',
    secretsResolved: true,
    ...o,
  };
}

/**
 * The rows the real apply converter (src/apply/convert.ts) writes for `desired` planned against an
 * empty database: the same fields, last-applied records and fingerprints (fp(name, field)), with
 * the builders' ids, the rest as providerRow/modelRow make them. No copy of what apply writes.
 */
export function appliedState(desired: DesiredProvider[], scope = 'default'): { providers: ProviderRow[]; providerModels: ProviderModelRow[] } {
  const { plan } = computePlan(input(desired, current(), { scope, digest: false }));
  const ids = new Map<string, string>();
  const credentials = new Map<string, CredentialWrite>();
  for (const c of plan.changes) {
    if (isChangeOf(c, 'provider')) {
      ids.set(resourceKey(c.resource), `pv-${c.resource.name}`);
      const spec = desired.find((d) => d.spec.name === c.resource.name)!.spec;
      credentials.set(resourceKey(c.resource), {
        stored: null,
        fingerprints: Object.fromEntries(Object.keys(spec.credentials).map((f) => [f, fp(spec.name, f)])),
      });
    } else if (isChangeOf(c, 'providerModel')) ids.set(resourceKey(c.resource), `pm-${c.resource.provider}-${c.resource.name}`);
  }
  const convertInput = { plan, now: NOW, ids, credentials };
  const providers: ProviderRow[] = [];
  const providerModels: ProviderModelRow[] = [];
  for (const c of plan.changes) {
    if (c.action !== 'create') throw new Error(`a plan against an empty database has only creates, not a ${c.action}`);
    if (isChangeOf(c, 'provider')) {
      const w = CONVERTERS.provider.create.row(c, convertInput);
      const fields = recordOf(specOf('provider'), w.target) as Pick<ProviderRow, 'kind' | 'status' | 'config' | 'labels' | 'protected' | 'onRemove'>;
      const fingerprints = credentials.get(resourceKey(c.resource))!.fingerprints;
      providers.push(providerRow(c.resource.name, { ...fields, credentialFingerprints: fingerprints, lastApplied: w.lastApplied, managedBy: scope }));
    } else if (isChangeOf(c, 'providerModel')) {
      const w = CONVERTERS.providerModel.create.row(c, convertInput);
      const fields = recordOf(specOf('providerModel'), w.target) as Pick<ProviderModelRow, 'kind' | 'status' | 'contextWindow' | 'pricing' | 'source'>;
      providerModels.push(modelRow(c.resource.provider, c.resource.name, { ...fields, lastApplied: w.lastApplied, managedBy: scope }));
    }
  }
  return { providers, providerModels };
}

/** The database as cvctl would have left it after applying `desired` (for idempotence). */
export function rowsMatching(desired: DesiredProvider[], scope = 'default'): CurrentState {
  return current(appliedState(desired, scope));
}

/** "create openai-prod", "update openai-prod/gpt-4o [pricing.inputPerMTok]" */
export function brief(c: Change, withFields = true): string {
  const r = identityOf(c.resource).join('/');
  const fields = withFields && c.fields && c.fields.length > 0 ? ` [${c.fields.map((f) => f.path).join(',')}]` : '';
  return `${c.action}${c.adopt ? '(adopt)' : ''} ${r}${fields}`;
}

/** Deterministic Fisher-Yates shuffle (mulberry32), for the order-independence property. */
export function shuffled<T>(xs: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
