// The provider model resource: a row of `provider_models` under its provider.
import { children, field, KIND, STATUS } from './fields';
import type { ResourceSpec } from './types';

export const PROVIDER_MODEL: ResourceSpec<'providerModel'> = {
  type: 'providerModel',
  label: 'provider model',
  table: 'provider_models',
  level: 1,
  identity: ['provider', 'name'],
  // A model id is its identity within the provider: a different id is another model.
  name: { field: 'modelId', column: 'model_id', renamable: false },
  parents: [{ type: 'provider', column: 'provider_id', ref: (r) => ({ type: 'provider', name: r.provider }) }],
  fields: [
    KIND,
    STATUS,
    field('contextWindow', 'int', { column: 'context_window', label: 'context' }),
    children('pricing'),
    field('source', 'text'),
  ],
  uniqueConstraint: 'provider_models_provider_model_key',
  read: 'byParent',
  // The provider is the change's own: a provider model's target does not repeat it.
  targetRef: (t) => ({ name: t.modelId }),
};
