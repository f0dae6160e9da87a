// Desired state: what the YAML files declare, after loading, validation and catalog expansion.
// Produced by src/config + src/catalog, consumed by the pure planner in src/plan.
import type { ModelKind, OnRemove, ProviderKind, ProviderStatus, SecretSource } from './kinds';
import type { PolicySpec } from '../config/policy-spec';
import type { AccessGrantSpec, ModelSpec } from './routing';

/** A place in a source file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

/** A reference to a secret; never the secret itself. */
export interface SecretRef {
  from: SecretSource;
  /** env: name; aws-ssm: name; gcp-secret-manager: name; azure-key-vault: name */
  name?: string;
  /** file: path, relative to the YAML file; vault: path */
  path?: string;
  secretId?: string;
  jsonKey?: string;
  versionStage?: string;
  region?: string;
  field?: string;
  mount?: string;
  version?: string | number;
  vaultUrl?: string;
}

/** A secret reference plus where it was written, so resolution errors can point at it. */
export interface LocatedSecretRef {
  ref: SecretRef;
  pos: SourcePos;
  /** Directory of the YAML file, for `from: file`. */
  baseDir: string;
}

export interface Pricing {
  inputPerMTok: number;
  outputPerMTok: number;
}

export interface CustomModelSpec {
  id: string;
  kind?: ModelKind;
  status?: ProviderStatus;
  contextWindow?: number;
  pricing?: Pricing;
}

export interface IgnoreDriftEntry {
  path: string;
  reason: string;
  until?: string;
}

/** An earlier name of a provider (`renamedFrom`), with where it was written. */
export interface RenamedFrom {
  name: string;
  pos: SourcePos;
}

/**
 * Where the keys that policy rules point at were written (src/plan/policy-inputs.ts): a
 * violation names the offending value, not only the provider.
 */
export interface ProviderPositions {
  kind: SourcePos;
  /** `config.region`, or `config.location` (vertex kinds): the one the region rule reads. */
  region?: SourcePos;
  /** `models.catalog`: where a catalog model's price comes from. */
  catalog?: SourcePos;
  /**
   * The `pricing` of each models.custom entry that sets one, in file order; filled only when the
   * policy has a price rule (its only reader), else empty (config/build-spec.ts pricingPositions).
   */
  pricing: Array<{ modelId: string; pos: SourcePos }>;
}

/** A provider block as written in a file (defaults applied). */
export interface ProviderSpec {
  name: string;
  /** Earlier names (`renamedFrom`, a name or a list): the row under one of them is renamed, not replaced. */
  renamedFrom?: RenamedFrom[];
  kind: ProviderKind;
  status: ProviderStatus;
  labels: Record<string, string>;
  protected: boolean;
  onRemove: OnRemove;
  config: Record<string, unknown>;
  credentials: Record<string, LocatedSecretRef>;
  models: {
    catalog?: string;
    exclude: string[];
    custom: CustomModelSpec[];
  };
  ignoreDrift: IgnoreDriftEntry[];
  pos: SourcePos;
  /** Positions of single keys, for policy violations. Absent: not read from a file. */
  at?: ProviderPositions;
}

/**
 * A provider's own values: what a database row, a plan target and a last-applied record have in
 * common (declared once, src/resources/provider.ts).
 */
export interface ProviderValues {
  kind: ProviderKind;
  status: ProviderStatus;
  config: Record<string, unknown>;
  labels: Record<string, string>;
  protected: boolean;
  onRemove: OnRemove;
}

/**
 * A provider model's own values: what a desired model, a database row, a plan target and a
 * last-applied record have in common (declared once, src/resources/provider-model.ts).
 */
export interface ProviderModelValues {
  modelId: string;
  kind: ModelKind;
  status: ProviderStatus;
  contextWindow: number | null;
  pricing: Pricing | null;
  /** `catalog:2026.04.15` or `custom` */
  source: string;
}

/** A provider model after catalog expansion and custom overrides. */
export type DesiredModel = ProviderModelValues;

export interface DesiredProvider {
  spec: ProviderSpec;
  models: DesiredModel[];
}

export interface DesiredState {
  providers: DesiredProvider[];
  /** User-facing Models (src/domain/routing.ts), sorted by name. Absent: none declared. */
  models?: ModelSpec[];
  /** Access grants in file order. Absent: none declared. */
  accessGrants?: AccessGrantSpec[];
  /** The one `policy` section of the files (CONTRACT.md section 7). Absent: none, or more than one (an error). */
  policy?: PolicySpec;
}
