// Inputs of the apply converter for tests: row ids and sealed credentials made up
// deterministically from the plan (a fixed "uuid" per resource, fixed bytes per credential).
import { createHash } from 'node:crypto';
import type { ConvertInput, CredentialWrite } from '../../src/apply/convert';
import { isChangeOf, type Plan } from '../../src/plan/types';
import { resourceKey, specOf } from '../../src/resources/registry';
import { fp } from '../plan/builders';

/** A uuid-shaped id derived from a resource key (stable across runs). */
export function idFor(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** ids for every resource of the plan and every provider it names; credentials "sealed" as fixed bytes. */
export function convertInputFor(plan: Plan, now: Date): ConvertInput {
  const ids = new Map<string, string>();
  const credentials = new Map<string, CredentialWrite>();
  for (const c of plan.changes) {
    const key = resourceKey(c.resource);
    ids.set(key, idFor(key));
    // Parents the plan names without writing them: ids as apply would look them up.
    for (const p of specOf(c.resource.type).parents) {
      const parent = resourceKey(p.ref(c.resource as never));
      if (!ids.has(parent)) ids.set(parent, idFor(parent));
    }
    if (!isChangeOf(c, 'provider') || c.action === 'delete') continue;
    const fields = Object.keys(c.target.credentials ?? {}).sort();
    // The fixtures' fingerprints (credsFor): a plan made after this apply sees them unchanged.
    const fingerprints = Object.fromEntries(fields.map((f) => [f, fp(c.resource.name, f)]));
    credentials.set(key, {
      stored:
        c.target.credentials === null
          ? null
          : {
              sealed: fields.length === 0 ? null : { ciphertext: Buffer.from('c1'), iv: Buffer.from('i1'), wrappedDek: Buffer.from('d1'), kekId: 'local:test' },
              prefix: fields.length === 0 ? null : 'sk-test-',
              fingerprints,
            },
      fingerprints: c.target.credentials === null ? { apiKey: `fp-${c.resource.name}-apiKey-stored` } : fingerprints,
    });
  }
  return { plan, now, ids, credentials };
}
