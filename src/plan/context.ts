// Shared state of one planning run: the indexed current state and the changes collected so
// far, in buckets that compute.ts puts in the one change order (src/resources/registry.ts).
import type { CurrentState, ProviderModelRow } from '../domain/rows';
import type { DesiredState, SourcePos } from '../domain/types';
import type { CredentialFieldStatus } from './credentials';
import type { PendingDelete } from './cascade';
import { REASON, takeOverReason as takeOverText, type Change, type Cascade, type PlanWarning, type Reason, type ResourceRef } from './types';
import type { ProviderStatus } from '../domain/kinds';

/** Per provider name, per credential field: computed by the caller (it resolves secrets + HMACs). */
export interface CredentialStatus {
  [providerName: string]: Record<string, CredentialFieldStatus>;
}

export interface PlanInput {
  desired: DesiredState;
  current: CurrentState;
  scope: string;
  adopt: boolean;
  credentials: CredentialStatus;
  now: Date;
  cvctlVersion: string;
  catalogVersion: string;
  secretsResolved: boolean;
  /**
   * false: leave `digest` out. For a plan applied at once and never saved (`apply` without
   * `--plan`) a digest identifies nothing, and on 100,000 changes it costs a second.
   */
  digest?: boolean;
}

/** Rows the plan may not touch, or renames it cannot make; the caller turns these into CvctlError('OWNERSHIP'). */
export interface PlanProblem {
  code: 'unmanaged-exists' | 'owned-by-other-scope' | 'rename-conflict' | 'model-without-active-backend';
  message: string;
  resource: ResourceRef;
  pos?: SourcePos;
}

/** What planning collects; compute.ts puts it in the one change order. */
export interface Buckets {
  /** Creates, updates, enables and disables. */
  changes: Change[];
  deletes: PendingDelete[];
  /** Deletes of models, backends and grants: their cascades are counted where they are made. */
  routingDeletes: Change[];
  warnings: PlanWarning[];
  problems: PlanProblem[];
}

export interface Ctx {
  input: PlanInput;
  modelsByProviderId: Map<string, ProviderModelRow[]>;
  out: Buckets;
}

export function emptyCascade(): Cascade {
  return { providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] };
}

/** active→disabled is a disable, disabled→active an enable; anything else an update. */
export function statusAction(before: ProviderStatus, after: ProviderStatus): 'update' | 'disable' | 'enable' {
  if (before === 'active' && after === 'disabled') return 'disable';
  if (before === 'disabled' && after === 'active') return 'enable';
  return 'update';
}

export const REMOVED = REASON.removed;
export const REMOVED_DISABLE = REASON.removedDisable;

/** The reason of an adopt that takes a row over from another scope (renamedFrom + --adopt). */
export function takeOverReason(owner: string | null): { reason: Reason } | Record<string, never> {
  return owner === null ? {} : { reason: takeOverText(owner) };
}

export function providerLabel(name: string): string {
  return `provider '${name}'`;
}

export function modelLabel(provider: string, modelId: string): string {
  return `provider model '${provider}/${modelId}'`;
}
