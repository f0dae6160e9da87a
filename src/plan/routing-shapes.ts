// The comparable shapes of a model, a model backend and an access grant, common to a desired
// spec, a database row and a plan target; and the targets built from them, from the fields the
// registry declares (src/resources/model.ts, model-backend.ts, access-grant.ts).
import type { ModelKind, OnRemove, ProviderStatus } from '../domain/kinds';
import { DEFAULT_ROUTING, subjectKey, type AccessGrantSpec, type GrantLimits, type ModelBackendSpec, type ModelSpec } from '../domain/routing';
import type { AccessGrantRow, ModelRow } from '../domain/routing-rows';
import { ACCESS_GRANT } from '../resources/access-grant';
import { MODEL } from '../resources/model';
import { MODEL_BACKEND } from '../resources/model-backend';
import { flatOf, recordOf } from '../resources/shape';
import type { FlatMap } from './paths';
import type { AccessGrantTarget, ModelBackendTarget, ModelTarget, ResourceRef } from './types';

/** A model's compared fields (kind is null only on a console row made without one). */
export interface FacadeShape {
  kind: ModelKind | null;
  status: ProviderStatus;
  description: string | null;
  labels: Record<string, string>;
  routing: Record<string, unknown>;
  protected: boolean;
  onRemove: OnRemove;
}

export interface BackendShape {
  priority: number;
  weight: number;
  status: ProviderStatus;
}

export interface GrantShape {
  /** The file's limit keys as written (GrantLimits), or a row's. */
  limits: object;
  expiresAt: string | null;
}

/** A row as compared: NULL routing means the defaults (migration 4), so it compares as them. */
export function facadeOfRow(r: Pick<ModelRow, 'kind' | 'status' | 'description' | 'labels' | 'routing' | 'protected' | 'onRemove'>): FacadeShape {
  return {
    kind: r.kind,
    status: r.status,
    description: r.description,
    labels: r.labels,
    routing: r.routing ?? { ...DEFAULT_ROUTING },
    protected: r.protected,
    onRemove: r.onRemove,
  };
}

export function facadeOfSpec(m: ModelSpec): FacadeShape {
  return {
    kind: m.kind,
    status: m.status,
    description: m.description,
    labels: m.labels,
    routing: { ...m.routing },
    protected: m.protected,
    onRemove: m.onRemove,
  };
}

export function facadeFlat(s: FacadeShape, name?: string): FlatMap {
  return flatOf(MODEL, s, name);
}

export function backendFlat(s: BackendShape): FlatMap {
  return flatOf(MODEL_BACKEND, s);
}

export function grantFlat(s: GrantShape): FlatMap {
  return flatOf(ACCESS_GRANT, s);
}

export function grantOfRow(r: Pick<AccessGrantRow, 'limits' | 'expiresAt'>): GrantShape {
  return { limits: r.limits, expiresAt: r.expiresAt };
}

export function grantOfSpec(g: AccessGrantSpec): GrantShape {
  return { limits: { ...g.limits }, expiresAt: g.expiresAt };
}

/**
 * The target of a model write. Its last-applied record holds the name and the fields; apply adds
 * the model's backends as they are once written (src/apply/convert-routing.ts recordBackends).
 */
export function facadeTarget(name: string, s: FacadeShape): ModelTarget {
  const fields = recordOf(MODEL, s) as unknown as Omit<ModelTarget, 'name' | 'lastApplied'>;
  return { name, ...fields, lastApplied: { name, ...recordOf(MODEL, s) } };
}

export function backendTarget(model: string, provider: string, providerModel: string, s: BackendShape): ModelBackendTarget {
  return { model, provider, providerModel, priority: s.priority, weight: s.weight, status: s.status };
}

export function backendShapeOfSpec(b: ModelBackendSpec): BackendShape {
  return { priority: b.priority, weight: b.weight, status: b.status };
}

export function grantTarget(model: string, subjectType: AccessGrantTarget['subjectType'], subject: string, s: GrantShape): AccessGrantTarget {
  const fields = recordOf(ACCESS_GRANT, s) as { limits: GrantLimits; expiresAt: string | null };
  return { model, subjectType, subject, ...fields, lastApplied: { model, subject: `${subjectType}:${subject}`, ...recordOf(ACCESS_GRANT, s) } };
}

export const modelRef = (name: string): ResourceRef<'model'> => ({ type: 'model', name });
export const backendRef = (model: string, provider: string, name: string): ResourceRef<'modelBackend'> => ({ type: 'modelBackend', model, provider, name });
export const grantRef = (model: string, subject: string): ResourceRef<'accessGrant'> => ({ type: 'accessGrant', model, subject });
export const grantSubject = (g: AccessGrantSpec): string => subjectKey(g.subject);
