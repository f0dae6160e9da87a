// resourceKey is made per type without building the identity array (registry.ts KEYERS); it must
// stay the documented string, `type \0 identity values joined by \0`, for every type, values with
// separators and non-string values included: plan maps, apply's row ids and drift all key on it.
import { identityOf, RESOURCES, resourceKey } from '../../src/resources/registry';
import type { ResourceRef } from '../../src/plan/types';

const generic = (r: ResourceRef): string => `${r.type}\u0000${identityOf(r).join('\u0000')}`;

const REFS: ResourceRef[] = [
  { type: 'provider', name: 'openai-prod' },
  { type: 'providerModel', provider: 'openai-prod', name: 'gpt-4o' },
  { type: 'providerModel', provider: 'a\u0000b', name: 'ft:gpt-4o-mini:acme:x/y' },
  { type: 'model', name: 'chat' },
  { type: 'modelBackend', model: 'chat', provider: 'openai-prod', name: 'gpt-4o' },
  { type: 'accessGrant', model: 'chat', subject: 'group:eng' },
] as ResourceRef[];

describe('resourceKey', () => {
  test('covers every resource type', () => {
    expect(new Set(REFS.map((r) => r.type))).toEqual(new Set(Object.keys(RESOURCES)));
  });
  test.each(REFS.map((r) => [r.type, r] as const))('%s: the generic form', (_t, r) => {
    expect(resourceKey(r)).toBe(generic(r));
  });
  test('distinct identities, distinct keys; the type is part of the key', () => {
    const keys = REFS.map(resourceKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(resourceKey({ type: 'model', name: 'x' } as ResourceRef)).not.toBe(resourceKey({ type: 'provider', name: 'x' } as ResourceRef));
  });
});
