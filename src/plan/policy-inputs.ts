// The desired state (and, for `plan`, the database as the plan leaves it) mapped onto the
// inputs of the policy rules (policy.ts). Only what the files declare is judged: every
// violation needs a file position, and rows made elsewhere are not this repository's to fix.
// The database only answers one question the files cannot: can a backend whose provider the
// files do not declare still serve (requireFallback)?
import type { DesiredProvider, DesiredState, SourcePos } from '../domain/types';
import type { ModelSpec } from '../domain/routing';
import { subjectKey } from '../domain/routing';
import type { PolicyBackend, PolicyGrant, PolicyModel, PolicyProvider, PolicyProviderModel, PolicySubjects } from './policy';

type Status = 'active' | 'disabled';

/** The rows `plan` reads (CurrentState fits), and what the plan does to providers not in the files. */
export interface PolicyDbView {
  providers: ReadonlyArray<{ id: string; name: string; status: Status }>;
  providerModels: ReadonlyArray<{ providerId: string; modelId: string; status: Status }>;
  /**
   * Names of providers (not declared in the files) that the plan deletes or disables
   * (`onRemove: disable`): after the plan their provider models serve nothing.
   */
  leavesUnusable?: ReadonlySet<string>;
}

/** Status of a provider model after the plan, or undefined when it does not exist then. */
type Lookup = (provider: string, modelId: string) => Status | undefined;

function filesLookup(providers: readonly DesiredProvider[]): Map<string, Map<string, Status>> {
  const out = new Map<string, Map<string, Status>>();
  for (const p of providers) {
    const models = new Map<string, Status>();
    // A disabled provider serves none of its models, whatever their own status.
    for (const m of p.models) models.set(m.modelId, p.spec.status === 'active' ? m.status : 'disabled');
    out.set(p.spec.name, models);
  }
  return out;
}

function dbLookup(db: PolicyDbView): Map<string, Map<string, Status>> {
  const byId = new Map<string, { name: string; status: Status }>();
  for (const p of db.providers) if (!db.leavesUnusable?.has(p.name)) byId.set(p.id, p);
  const out = new Map<string, Map<string, Status>>();
  for (const pm of db.providerModels) {
    const p = byId.get(pm.providerId);
    if (!p) continue;
    const models = out.get(p.name) ?? new Map<string, Status>();
    models.set(pm.modelId, p.status === 'active' ? pm.status : 'disabled');
    out.set(p.name, models);
  }
  return out;
}

/**
 * The files decide for a provider they declare (a model it does not list is deleted by the plan
 * or never existed). Otherwise the database, as the plan leaves it; without one (`validate`),
 * nothing is known and the backend's own status stands.
 */
function lookup(desired: DesiredState, db: PolicyDbView | undefined, fromDb?: (provider: string, modelId: string, status: Status | undefined) => void): Lookup {
  const files = filesLookup(desired.providers);
  const rows = db ? dbLookup(db) : undefined;
  return (provider, modelId) => {
    const declared = files.get(provider);
    if (declared) return declared.get(modelId);
    if (!rows) return 'active';
    const status = rows.get(provider)?.get(modelId);
    fromDb?.(provider, modelId, status);
    return status;
  };
}

function provider(p: DesiredProvider): PolicyProvider {
  const out: PolicyProvider = { name: p.spec.name, kind: p.spec.kind, config: p.spec.config, pos: p.spec.pos };
  if (p.spec.at) {
    out.kindPos = p.spec.at.kind;
    if (p.spec.at.region) out.regionPos = p.spec.at.region;
  }
  return out;
}

function providerModels(p: DesiredProvider): PolicyProviderModel[] {
  // The last custom entry of an id is the one expandModels keeps.
  const pricedAt = new Map<string, SourcePos>((p.spec.at?.pricing ?? []).map((e) => [e.modelId, e.pos]));
  const catalogAt = p.spec.at?.catalog ?? p.spec.pos;
  return p.models.map((m) => ({
    provider: p.spec.name,
    modelId: m.modelId,
    status: p.spec.status === 'active' ? m.status : 'disabled',
    pricing: m.pricing,
    pos: pricedAt.get(m.modelId) ?? (m.source === 'custom' ? p.spec.pos : catalogAt),
  }));
}

function model(m: ModelSpec, serves: Lookup): PolicyModel {
  const backends: PolicyBackend[] = m.backends.map((b) => ({
    provider: b.provider,
    status: b.status === 'active' && serves(b.provider, b.modelId) === 'active' ? 'active' : 'disabled',
  }));
  return { name: m.name, status: m.status, backends, pos: m.pos };
}

/**
 * What the rules judge: every provider, provider model, model and grant the files declare.
 * `db` (plan only) is the database as the plan leaves it; it changes only which backends count
 * as active for requireFallback.
 */
export function policyInputsFromDesired(
  desired: DesiredState,
  db?: PolicyDbView,
  /** Called for each answer the database gave (a provider the files do not declare). */
  fromDb?: (provider: string, modelId: string, status: Status | undefined) => void,
): PolicySubjects {
  const serves = lookup(desired, db, fromDb);
  const grants: PolicyGrant[] = (desired.accessGrants ?? []).map((g) => ({
    model: g.model,
    subject: subjectKey(g.subject),
    limits: { ...g.limits },
    pos: g.pos,
  }));
  return {
    providers: desired.providers.map(provider),
    providerModels: desired.providers.flatMap(providerModels),
    models: (desired.models ?? []).map((m) => model(m, serves)),
    grants,
  };
}
