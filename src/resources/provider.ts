// The provider resource: a row of `providers`, with its credentials sealed in the row.
import type { ResourceSpec } from './types';

export const PROVIDER: ResourceSpec<'provider'> = {
  type: 'provider',
  label: 'provider',
  table: 'providers',
  level: 0,
  identity: ['name'],
  name: { field: 'name', column: 'name', renamable: true },
  parents: [],
  fields: [
    { name: 'kind', column: 'kind', sqlType: 'text', flatten: 'leaf', sensitive: false, label: 'kind' },
    { name: 'status', column: 'status', sqlType: 'text', flatten: 'leaf', sensitive: false, label: 'status' },
    { name: 'config', column: 'config', sqlType: 'jsonb', flatten: 'children', sensitive: false, label: 'config' },
    { name: 'labels', column: 'labels', sqlType: 'jsonb', flatten: 'children', sensitive: false, label: 'labels' },
    { name: 'protected', column: 'protected', sqlType: 'boolean', flatten: 'leaf', sensitive: false, label: 'protected' },
    { name: 'onRemove', column: 'on_remove', sqlType: 'text', flatten: 'leaf', sensitive: false, label: 'onRemove' },
    // Stored sealed (credential_ciphertext, _iv, _wrapped_dek, _kek_id), with a prefix and
    // per-field fingerprints: written by the provider's converter entries (src/apply/convert.ts).
    { name: 'credentials', column: null, sqlType: 'jsonb', flatten: 'children', sensitive: true, label: 'credentials' },
  ],
  uniqueConstraint: 'providers_name_key',
  read: 'all',
  targetRef: (t) => ({ type: 'provider', name: t.name }),
};
