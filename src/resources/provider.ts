// The provider resource: a row of `providers`, with its credentials sealed in the row.
import { children, KIND, LABELS, ON_REMOVE, PROTECTED, STATUS } from './fields';
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
    KIND,
    STATUS,
    children('config'),
    LABELS,
    PROTECTED,
    ON_REMOVE,
    // Stored sealed (credential_ciphertext, _iv, _wrapped_dek, _kek_id), with a prefix and
    // per-field fingerprints: written by the provider's converter entries (src/apply/convert.ts).
    { name: 'credentials', column: null, sqlType: 'jsonb', flatten: 'children', sensitive: true, label: 'credentials' },
  ],
  uniqueConstraint: 'providers_name_key',
  read: 'all',
  targetRef: (t) => ({ type: 'provider', name: t.name }),
};
