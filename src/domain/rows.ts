// Current state: rows as read from the database by src/state, consumed by src/plan.
import type { ProviderModelValues, ProviderValues } from './types';
import type { RoutingState } from './routing-rows';

export interface ProviderRow extends ProviderValues {
  id: string;
  name: string;
  credentialPrefix: string | null;
  credentialUpdatedAt: string | null;
  /** field -> hex HMAC-SHA-256 fingerprint of the stored value (see src/crypto/fingerprint). */
  credentialFingerprints: Record<string, string>;
  /** Scope that manages the row, or null when it was made outside cvctl (the console). */
  managedBy: string | null;
  /** The spec as last applied by cvctl (for 3-way drift), or null. */
  lastApplied: Record<string, unknown> | null;
  /** PostgreSQL xmin: changes on every UPDATE, whoever makes it (console included): used to detect stale plans. */
  rowVersion: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProviderModelRow extends ProviderModelValues {
  id: string;
  providerId: string;
  managedBy: string | null;
  lastApplied: Record<string, unknown> | null;
  rowVersion: number;
}

/** What deleting a provider model would take with it (model_backends and the models they serve). */
export interface BackendRef {
  providerModelId: string;
  backendId: string;
  modelId: string;
  modelName: string;
}

export interface CurrentState {
  providers: ProviderRow[];
  providerModels: ProviderModelRow[];
  backends: BackendRef[];
  /** For every user-facing model that has backends: how many it has in total. */
  modelBackendCounts: Record<string, number>;
  /** Models, their backends and access grants (src/state/read-routing.ts); absent: not read (none planned). */
  routing?: RoutingState;
}
