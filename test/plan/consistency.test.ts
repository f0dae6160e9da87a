// One representation, the part checkable from the plan alone (src/plan/consistency.ts), and the
// tag (src/plan/auth.ts) as pure functions. The apply-time half (updates against the rows,
// protected, ownership) is exercised end to end in test/security/plan-tampering.test.ts.
import { CvctlError } from '../../src/errors';
import { computePlan } from '../../src/plan/compute';
import { checkPlanConsistency } from '../../src/plan/consistency';
import { planKeyId, signPlan, tagMatches } from '../../src/plan/auth';
import type { Change, Plan, ProviderModelTarget, ProviderTarget } from '../../src/plan/types';
import { credsFor, current, envRef, input, model, provider, providerRow, modelRow } from './builders';
import { mixedPlan, deletesPlan } from '../render/fixtures';

const clone = (p: Plan): Plan => JSON.parse(JSON.stringify(p)) as Plan;

function createPlan(): Plan {
  const desired = [
    provider('openai-a', { config: { organization: 'org-1' }, labels: { team: 'a' } }, [model('gpt-4o')]),
    provider('bedrock-b', {
      kind: 'bedrock',
      config: { region: 'eu-west-1' },
      credentials: { accessKeyId: envRef('AWS_ID'), secretAccessKey: envRef('AWS_SECRET') },
    }),
  ];
  return computePlan(input(desired, current())).plan;
}

/** bedrock-b exists; only its secret access key changes. */
function credentialUpdatePlan(): Plan {
  const d = provider('bedrock-b', {
    kind: 'bedrock',
    config: { region: 'eu-west-1' },
    credentials: { accessKeyId: envRef('AWS_ID'), secretAccessKey: envRef('AWS_SECRET') },
  });
  const row = providerRow('bedrock-b', {
    kind: 'bedrock',
    config: { region: 'eu-west-1' },
    credentialFingerprints: { accessKeyId: 'fp-bedrock-b-accessKeyId-v1', secretAccessKey: 'fp-old' },
  });
  return computePlan(input([d], current({ providers: [row], providerModels: [modelRow('bedrock-b', 'x')] }), { credentials: credsFor([d]) })).plan;
}

function refusal(plan: Plan): string {
  try {
    checkPlanConsistency(plan);
  } catch (e) {
    expect(e).toBeInstanceOf(CvctlError);
    expect((e as CvctlError).code).toBe('PLAN_INCONSISTENT');
    expect((e as CvctlError).message).not.toContain('\n');
    return (e as CvctlError).message;
  }
  throw new Error('expected PLAN_INCONSISTENT');
}

const change = (p: Plan, name: string, type = 'provider'): Change =>
  p.changes.find((c) => c.resource.type === type && 'name' in c.resource && c.resource.name === name)!;

describe('checkPlanConsistency', () => {
  it.each([
    ['creates', createPlan],
    ['a credential update', credentialUpdatePlan],
    ['the mixed render fixture', mixedPlan],
    ['the deletes render fixture', deletesPlan],
  ])('accepts what the planner makes: %s', (_n, make) => {
    expect(() => checkPlanConsistency(make())).not.toThrow();
  });

  it.each<[string, (t: ProviderTarget) => void, RegExp]>([
    ['config.baseUrl', (t) => void (t.config.baseUrl = 'https://attacker.example/v1'), /writes other values than it shows \(config\.baseUrl\)/],
    ['status', (t) => void (t.status = 'disabled'), /\(status\)/],
    ['labels', (t) => void (t.labels = { team: 'evil' }), /\(labels\.team\)/],
    ['protected', (t) => void (t.protected = true), /\(protected\)/],
    ['name', (t) => void (t.name = 'other'), /writes the row named 'other'/],
  ])('refuses a create whose target.%s differs from its fields', (_w, edit, why) => {
    const p = clone(createPlan());
    edit(change(p, 'openai-a').target as ProviderTarget);
    expect(refusal(p)).toMatch(why);
  });

  it('refuses a model create whose target differs from its fields', () => {
    const p = clone(createPlan());
    (change(p, 'gpt-4o', 'providerModel').target as ProviderModelTarget).pricing = { inputPerMTok: 0, outputPerMTok: 0 };
    expect(refusal(p)).toMatch(/provider model 'openai-a\/gpt-4o' writes other values than it shows \(pricing\.inputPerMTok, pricing\.outputPerMTok\)/);
  });

  it('refuses a create that writes a credential it does not show', () => {
    const p = clone(createPlan());
    const t = change(p, 'openai-a').target as ProviderTarget;
    t.credentials = { ...t.credentials!, orgKey: { ref: { from: 'env', name: 'DATABASE_URL' }, baseDir: '.', pos: { file: 'x', line: 1, column: 1 } } };
    expect(refusal(p)).toMatch(/writes credentials other than those it shows/);
  });

  it('refuses an update that rewrites credentials while showing none changed', () => {
    const p = clone(credentialUpdatePlan());
    const c = change(p, 'bedrock-b');
    c.fields = c.fields!.filter((f) => !f.path.startsWith('credentials.'));
    expect(refusal(p)).toMatch(/rewrites credentials it shows as unchanged/);
  });

  it('refuses an update that shows a credential removed but keeps writing it', () => {
    const p = clone(credentialUpdatePlan());
    const c = change(p, 'bedrock-b');
    c.fields = [...c.fields!, { path: 'credentials.accessKeyId', before: { sensitive: true, changed: true, prefix: null }, after: null }];
    expect(refusal(p)).toMatch(/shows credentials\.accessKeyId removed but does not remove it/);
  });

  it('refuses a delete that carries a target, and actions that contradict their target or expectation', () => {
    const del = clone(deletesPlan());
    const d = del.changes.find((c) => c.action === 'delete')!;
    // (A delete has no target by type: this is a tampered file.)
    (d as { target?: unknown }).target = change(clone(createPlan()), 'openai-a').target;
    expect(refusal(del)).toMatch(/is a delete that also writes fields/);

    const create = clone(createPlan());
    change(create, 'openai-a').expect = { id: 'pv-x', rowVersion: 1 };
    expect(refusal(create)).toMatch(/is a create but expects the row present/);
  });
});

describe('plan tag', () => {
  const key = Buffer.alloc(32, 7);
  const other = Buffer.alloc(32, 8);
  const signed = (): Plan => signPlan(createPlan(), { key, kekId: 'local:abc' }, 'sys/db');

  it('verifies under the key and database it was made for, and nothing else', () => {
    const p = signed();
    expect(p.auth!.keyId).toBe(planKeyId(key));
    expect(tagMatches(p, key, 'sys/db')).toBe(true);
    expect(tagMatches(p, other, 'sys/db')).toBe(false);
    expect(tagMatches(p, key, 'sys/other-db')).toBe(false);
  });

  it('covers every member but the tag: a change, the summary, meta, the digest, the auth header', () => {
    const edits: Array<(p: Plan) => void> = [
      (p) => void ((p.changes[0].target as ProviderTarget).labels = { x: 'y' }),
      (p) => void (p.summary.create += 1),
      (p) => void (p.meta!.secretsResolved = false),
      (p) => void (p.digest = 'f'.repeat(64)),
      (p) => void (p.auth!.kekId = 'local:other'),
      (p) => void (p.warnings = [{ code: 'x', message: 'y' }]),
    ];
    for (const edit of edits) {
      const p = clone(signed());
      edit(p);
      expect(tagMatches(p, key, 'sys/db')).toBe(false);
    }
  });
});
