// The model resource: a row of `models`, the user-facing facade clients call (CONTRACT.md
// section 5). Its backends and grants are resources of their own (./model-backend.ts,
// ./access-grant.ts), one level below it.
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
    { name: 'kind', column: 'kind', sqlType: 'text', flatten: 'leaf', sensitive: false, label: 'kind' },
    { name: 'status', column: 'status', sqlType: 'text', flatten: 'leaf', sensitive: false, label: 'status' },
    { name: 'description', column: 'description', sqlType: 'text', flatten: 'leaf', sensitive: false, label: 'description' },
    { name: 'labels', column: 'labels', sqlType: 'jsonb', flatten: 'children', sensitive: false, label: 'labels' },
    // The file's keys as written (defaults applied): routing.strategy, routing.retries, routing.failoverOn.
    { name: 'routing', column: 'routing', sqlType: 'jsonb', flatten: 'children', sensitive: false, label: 'routing' },
    { name: 'protected', column: 'protected', sqlType: 'boolean', flatten: 'leaf', sensitive: false, label: 'protected' },
    { name: 'onRemove', column: 'on_remove', sqlType: 'text', flatten: 'leaf', sensitive: false, label: 'onRemove' },
  ],
  uniqueConstraint: 'models_name_key',
  read: 'all',
  targetRef: (t) => ({ type: 'model', name: t.name }),
};
