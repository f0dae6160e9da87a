// The comparable shape of a provider and of a provider model, common to a desired spec, a
// database row and a last-applied record; plus the plan targets and last-applied records
// built from them.
import type { ModelKind, OnRemove, ProviderKind, ProviderStatus } from '../domain/kinds';
import type { Pricing } from '../domain/types';
import { sortKeysDeep } from './canonical';
import { flattenChildren, type FlatMap } from './diff';
import type { CredentialTarget, ProviderModelTarget, ProviderTarget } from './types';

export interface ProviderShape {
  kind: ProviderKind;
  status: ProviderStatus;
  config: Record<string, unknown>;
  labels: Record<string, string>;
  protected: boolean;
  onRemove: OnRemove;
}

export interface ModelShape {
  kind: ModelKind;
  status: ProviderStatus;
  contextWindow: number | null;
  pricing: Pricing | null;
  source: string;
}

/** Flattened provider fields (credentials are diffed separately: they are fingerprints). */
export function providerFlat(p: ProviderShape, name?: string): FlatMap {
  const m: FlatMap = new Map();
  if (name !== undefined) m.set('name', name);
  m.set('kind', p.kind);
  m.set('status', p.status);
  flattenChildren(m, 'config', p.config);
  flattenChildren(m, 'labels', p.labels);
  m.set('protected', p.protected);
  m.set('onRemove', p.onRemove);
  return m;
}

export function modelFlat(m: ModelShape): FlatMap {
  const out: FlatMap = new Map();
  out.set('kind', m.kind);
  out.set('status', m.status);
  out.set('contextWindow', m.contextWindow);
  flattenChildren(out, 'pricing', m.pricing);
  out.set('source', m.source);
  return out;
}

/**
 * The provider record stored in last_applied for 3-way drift. Credentials are recorded by
 * fingerprint only (null when none could be computed), never by value or reference. The name
 * is recorded too (when given), so a rename shows in drift as what the files changed.
 */
export function lastAppliedOfProvider(
  p: ProviderShape,
  credentialFingerprints: Record<string, string | null>,
  name?: string,
): Record<string, unknown> {
  return {
    ...(name !== undefined ? { name } : {}),
    kind: p.kind,
    status: p.status,
    config: sortKeysDeep(p.config),
    labels: sortKeysDeep(p.labels),
    protected: p.protected,
    onRemove: p.onRemove,
    credentials: sortKeysDeep(credentialFingerprints),
  };
}

export function lastAppliedOfModel(m: ModelShape): Record<string, unknown> {
  return {
    kind: m.kind,
    status: m.status,
    contextWindow: m.contextWindow,
    pricing: m.pricing === null ? null : sortKeysDeep(m.pricing),
    source: m.source,
  };
}

export function providerTarget(
  name: string,
  p: ProviderShape,
  credentials: Record<string, CredentialTarget> | null,
  fingerprints: Record<string, string | null>,
): ProviderTarget {
  return {
    name,
    kind: p.kind,
    status: p.status,
    config: sortKeysDeep(p.config),
    labels: sortKeysDeep(p.labels),
    protected: p.protected,
    onRemove: p.onRemove,
    credentials,
    lastApplied: lastAppliedOfProvider(p, fingerprints, name),
  };
}

export function modelTarget(modelId: string, m: ModelShape): ProviderModelTarget {
  return {
    modelId,
    kind: m.kind,
    status: m.status,
    contextWindow: m.contextWindow,
    pricing: m.pricing === null ? null : sortKeysDeep(m.pricing),
    source: m.source,
    lastApplied: lastAppliedOfModel(m),
  };
}
