// Authenticated saved plans. `plan --out` tags the plan with HMAC-SHA-256 under a
// plan-signing key that only a holder of the KEK can obtain (it is derived from the
// database's fingerprint key, src/apply/plan-key.ts); `apply --plan` recomputes the tag and
// applies nothing that does not verify. The tag covers the whole canonical plan (every member
// but `auth.tag` itself: the digest and the rest of `auth` included) and the identity of the
// database it was made for, so a tag copied onto another plan, a plan edited and re-digested
// by hand, or a plan carried to another database does not verify. Pure: no I/O.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { feedCanonical } from './serialize';
import type { Plan, PlanAuth, WrappedPlanKey } from './types';

export const PLAN_AUTH_ALG = 'HMAC-SHA256';
/** HKDF label of the plan-signing key (derived from the fingerprint key). */
export const PLAN_KEY_LABEL = 'cvctl/plan-signing/v1';
// Domain separation: this key only ever MACs these two message layouts.
const TAG_DOMAIN = 'cvctl/plan-auth/v1';
const KEY_ID_DOMAIN = 'cvctl/plan-key-id/v1';

type Mac = ReturnType<typeof createHmac>;

function part(h: Mac, s: string): void {
  // u32be(length) || utf8: ('ab','c') and ('a','bc') differ.
  const bytes = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  h.update(len);
  h.update(bytes);
}

/** A short public name of a signing key (a one-way function of it). */
export function planKeyId(key: Buffer): string {
  const h = createHmac('sha256', key);
  part(h, KEY_ID_DOMAIN);
  return h.digest('hex').slice(0, 16);
}

/** The tag of `plan` (its `auth`, minus `tag`, included) for `database`. */
export function planTag(plan: Plan, key: Buffer, database: string): string {
  if (!plan.auth) throw new TypeError('planTag() needs the plan with its auth header');
  const { tag: _tag, ...header } = plan.auth;
  const h = createHmac('sha256', key);
  part(h, TAG_DOMAIN);
  part(h, database);
  feedCanonical({ ...plan, auth: header } as unknown as Record<string, unknown>, (s) => h.update(s, 'utf8'));
  return h.digest('hex');
}

export interface SigningKey {
  key: Buffer;
  /** The KEK that wraps the key (the row's kek_id, or newKey's). */
  kekId: string;
  /** Set when the database has no key yet: the wrapped key apply will install. */
  newKey?: WrappedPlanKey;
}

/** The plan with its digest kept and an `auth` member added. */
export function signPlan(plan: Plan, k: SigningKey, database: string): Plan {
  const { auth: _old, ...rest } = plan;
  const auth: PlanAuth = {
    alg: PLAN_AUTH_ALG,
    keyId: planKeyId(k.key),
    kekId: k.kekId,
    ...(k.newKey ? { newKey: k.newKey } : {}),
    tag: '',
  };
  const unsigned: Plan = { ...rest, auth };
  return { ...rest, auth: { ...auth, tag: planTag(unsigned, k.key, database) } };
}

/** Constant-time check of the plan's tag. */
export function tagMatches(plan: Plan, key: Buffer, database: string): boolean {
  const tag = plan.auth?.tag;
  if (typeof tag !== 'string' || !/^[0-9a-f]{64}$/.test(tag)) return false;
  return timingSafeEqual(Buffer.from(planTag(plan, key, database), 'hex'), Buffer.from(tag, 'hex'));
}
