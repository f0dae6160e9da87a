// A grant's identity is (model, subject), a user's email compared without regard to case, in
// the files (the duplicate-grant check) and against the database (the planner) alike: the row
// keeps the spelling it was written with, and the plan shows that spelling.
import { computePlan } from '../../src/plan/compute';
import { backendSpec, facadeRow, backendRow, grantRow, grantSpec, modelSpec, routingInput, routingProviders, withRouting } from './routing-fixtures';
import type { AccessGrantSpec } from '../../src/domain/routing';

function planOf(grants: AccessGrantSpec[], rows: ReturnType<typeof grantRow>[]) {
  const { desired, cur } = routingProviders();
  const models = [modelSpec('chat', [backendSpec('openai-prod/gpt-4o')])];
  const state = withRouting(cur, { models: [facadeRow('chat')], backends: [backendRow('chat', 'openai-prod/gpt-4o')], grants: rows });
  return computePlan(routingInput(desired, models, grants, state)).plan;
}

describe('grant identity: user emails without regard to case', () => {
  it('a file spelling Ana@Example.com matches the row ana@example.com: no change', () => {
    const plan = planOf([grantSpec('chat', 'user:Ana@Example.com')], [grantRow('chat', 'user:ana@example.com')]);
    expect(plan.changes).toEqual([]);
  });

  it('a change to that grant updates the row, named as the row spells it (never a delete and a create)', () => {
    const plan = planOf([grantSpec('chat', 'user:Ana@Example.com', { limits: { requestsPerMinute: 60 } })], [grantRow('chat', 'user:ana@example.com')]);
    expect(plan.changes.map((c) => [c.action, c.resource])).toEqual([['update', { type: 'accessGrant', model: 'chat', subject: 'user:ana@example.com' }]]);
    const c = plan.changes[0];
    expect(c.action !== 'delete' && c.resource.type === 'accessGrant' && c.target).toMatchObject({ subject: 'ana@example.com' });
  });

  it('a new grant is written as the files spell it', () => {
    const plan = planOf([grantSpec('chat', 'user:Bo@Example.com')], []);
    expect(plan.changes.map((c) => [c.action, c.resource])).toEqual([['create', { type: 'accessGrant', model: 'chat', subject: 'user:Bo@Example.com' }]]);
  });

  it('groups stay case-sensitive: Engineering and engineering are two grants', () => {
    const plan = planOf([grantSpec('chat', 'group:Engineering')], [grantRow('chat', 'group:engineering')]);
    expect(plan.changes.map((c) => `${c.action} ${c.resource.type === 'accessGrant' ? c.resource.subject : ''}`)).toEqual(['create group:Engineering', 'delete group:engineering']);
  });
});
