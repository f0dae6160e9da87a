// The comparable shape of a provider and of a provider model, common to a desired spec, a
// database row and a last-applied record; plus the plan targets and last-applied records
// built from them, from the fields the registry declares (src/resources).
import type { ProviderModelValues, ProviderValues } from '../domain/types';
import { sortKeysDeep } from './canonical';
import type { FlatMap } from './paths';
import { PROVIDER } from '../resources/provider';
import { PROVIDER_MODEL } from '../resources/provider-model';
import { flatOf, recordOf } from '../resources/shape';
import type { CredentialTarget, ProviderModelTarget, ProviderTarget } from './types';

export type ProviderShape = ProviderValues;

/** A provider model's values without its id (its identity). */
export type ModelShape = Omit<ProviderModelValues, 'modelId'>;

/** Flattened provider fields (credentials are diffed separately: they are fingerprints). */
export function providerFlat(p: ProviderShape, name?: string): FlatMap {
  return flatOf(PROVIDER, p, name);
}

export function modelFlat(m: ModelShape): FlatMap {
  return flatOf(PROVIDER_MODEL, m);
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
    ...recordOf(PROVIDER, p),
    credentials: sortKeysDeep(credentialFingerprints),
  };
}

export function lastAppliedOfModel(m: ModelShape): Record<string, unknown> {
  return recordOf(PROVIDER_MODEL, m);
}

export function providerTarget(
  name: string,
  p: ProviderShape,
  credentials: Record<string, CredentialTarget> | null,
  fingerprints: Record<string, string | null>,
): ProviderTarget {
  return {
    name,
    ...(recordOf(PROVIDER, p) as unknown as ProviderShape),
    credentials,
    lastApplied: lastAppliedOfProvider(p, fingerprints, name),
  };
}

export function modelTarget(modelId: string, m: ModelShape): ProviderModelTarget {
  return {
    modelId,
    ...(recordOf(PROVIDER_MODEL, m) as unknown as ModelShape),
    lastApplied: lastAppliedOfModel(m),
  };
}
