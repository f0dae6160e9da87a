// The model backend resource: a row of `model_backends`, one upstream provider model a model
// routes to. It has no name column of its own: its identity is its two parents (the model, and
// the provider model named `PROVIDER/MODEL_ID` in the files), and no owner of its own either: it
// follows its model's managed_by, whose last_applied record lists it.
import { field, STATUS } from './fields';
import type { ResourceSpec } from './types';

export const MODEL_BACKEND: ResourceSpec<'modelBackend'> = {
  type: 'modelBackend',
  label: 'model backend',
  table: 'model_backends',
  level: 3,
  identity: ['model', 'provider', 'name'],
  // The provider model id: stored as provider_model_id (a parent), not as a column of its own.
  name: { field: 'providerModel', column: null, renamable: false },
  parents: [
    { type: 'model', column: 'model_id', ref: (r) => ({ type: 'model', name: r.model }) },
    { type: 'providerModel', column: 'provider_model_id', ref: (r) => ({ type: 'providerModel', provider: r.provider, name: r.name }) },
  ],
  fields: [
    field('priority', 'int'),
    field('weight', 'int'),
    STATUS,
  ],
  uniqueConstraint: 'model_backends_model_id_provider_model_id_key',
  read: 'all',
  targetRef: (t) => ({ type: 'modelBackend', model: t.model, provider: t.provider, name: t.providerModel }),
};
