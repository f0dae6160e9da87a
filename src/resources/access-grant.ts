// The access grant resource: a row of `access_grants`, who (a group or a user) may call a
// model, with which limits. Identity (model, subject); the subject is written in plans as
// `group:NAME` / `user:EMAIL` and stored as subject_type + subject.
import { children, field } from './fields';
import type { ResourceSpec } from './types';

export const ACCESS_GRANT: ResourceSpec<'accessGrant'> = {
  type: 'accessGrant',
  label: 'access grant',
  table: 'access_grants',
  level: 3,
  identity: ['model', 'subject'],
  // subject_type is written beside it by the grant's writer (src/apply/convert-rows.ts).
  name: { field: 'subject', column: 'subject', renamable: false },
  parents: [{ type: 'model', column: 'model_id', ref: (r) => ({ type: 'model', name: r.model }) }],
  fields: [
    // The file's keys as written: limits.requestsPerMinute, limits.tokensPerDay, limits.monthlyBudgetUsd.
    children('limits'),
    field('expiresAt', 'timestamptz', { column: 'expires_at', label: 'expires' }),
  ],
  uniqueConstraint: 'access_grants_model_subject_key',
  read: 'all',
  targetRef: (t) => ({ type: 'accessGrant', model: t.model, subject: `${t.subjectType}:${t.subject}` }),
};
