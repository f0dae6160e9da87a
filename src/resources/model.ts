// The model resource: a row of `models`, the user-facing facade clients call (CONTRACT.md
// section 5). Its backends and grants are resources of their own (./model-backend.ts,
// ./access-grant.ts), one level below it.
import { children, field, KIND, LABELS, ON_REMOVE, PROTECTED, STATUS } from './fields';
import type { ResourceSpec } from './types';

export const MODEL: ResourceSpec<'model'> = {
  type: 'model',
  label: 'model',
  table: 'models',
  level: 2,
  identity: ['name'],
  name: { field: 'name', column: 'name', renamable: true },
  parents: [],
  fields: [
    KIND,
    STATUS,
    field('description', 'text'),
    LABELS,
    // The file's keys as written (defaults applied): routing.strategy, routing.retries, routing.failoverOn.
    children('routing'),
    PROTECTED,
    ON_REMOVE,
  ],
  uniqueConstraint: 'models_name_key',
  read: 'all',
  targetRef: (t) => ({ type: 'model', name: t.name }),
};
