// addCostAndPolicy (src/plan/cost-policy.ts): a real plan (computePlan) priced with usage, the
// policy judged on the database as the plan leaves it, warnings for usage that cannot be read
// or priced; and apply's policy gate (checkPolicyGuard).
import { addCostAndPolicy } from '../../src/plan/cost-policy';
import { computePlan } from '../../src/plan/compute';
import { buildPolicySpec } from '../../src/config/policy-spec';
import { checkPolicyGuard } from '../../src/apply/plan-guards';
import type { DesiredState } from '../../src/domain/types';
import type { UsageReport } from '../../src/domain/routing-rows';
import { current, input, model, modelRow, provider, providerRow } from './builders';

const window = { from: '2026-11-06', to: '2026-12-05', days: 30 };
const price = (i: number, o: number) => ({ inputPerMTok: i, outputPerMTok: o });
const db = current({ providers: [providerRow('openai')], providerModels: [modelRow('openai', 'gpt-4o', { pricing: price(2.5, 10) })] });
// gpt-4o's price doubles in the files.
const files = [provider('openai', {}, [model('gpt-4o', { pricing: price(5, 20) })])];
const { plan } = computePlan(input(files, db, { digest: false }));
const desired: DesiredState = { providers: files };

// 10M input + 1M output tokens on gpt-4o, through a facade that no longer exists (unattributed).
const usage = (over: Partial<UsageReport> = {}): UsageReport => ({
  window,
  totals: [{ modelId: null, providerModelId: 'pm-openai-gpt-4o', requests: 500, inputTokens: 10e6, outputTokens: 1e6 }],
  warnings: [],
  ...over,
});

const policy = (raw: Record<string, unknown>) => buildPolicySpec(raw, { path: ['policy'], pos: (p) => ({ file: 'policy.yaml', line: p.length + 1, column: 3 }) });

describe('addCostAndPolicy', () => {
  it('prices the window before and after the plan, and warns about unattributed usage', () => {
    const out = addCostAndPolicy(plan, { desired, current: db, usage: usage() });
    expect(out.cost).toMatchObject({ windowDays: 30, from: '2026-11-06', to: '2026-12-05', before: 35, after: 70, delta: 35 });
    expect(out.cost!.items).toEqual([{ resource: { type: 'providerModel', provider: 'openai', name: 'gpt-4o' }, reason: 'price', delta: 35 }]);
    expect(out.cost!.unattributed).toMatchObject({ requests: 500, before: 35, after: 70 });
    expect(out.warnings.map((w) => w.code)).toEqual(['cost-estimate']);
    expect(out.warnings[0].message).toMatch(/500 requests .* \(unattributed\)/);
    expect(out.policy).toBeUndefined();
    expect(plan.cost).toBeUndefined(); // the input plan is left as it was
  });

  it('no usage, or --no-cost: no cost key; a table it cannot read: a warning only', () => {
    expect(addCostAndPolicy(plan, { desired, current: db, usage: usage({ totals: [] }) })).toEqual(plan);
    expect(addCostAndPolicy(plan, { desired, current: db })).toEqual(plan);
    const unreadable = addCostAndPolicy(plan, { desired, current: db, usage: { window, warnings: ['usage_daily has no column day: the cost estimate is skipped'] } });
    expect(unreadable.cost).toBeUndefined();
    expect(unreadable.warnings).toEqual([{ code: 'cost-estimate', message: 'usage_daily has no column day: the cost estimate is skipped' }]);
  });

  it('usage on a provider model that has no price is left out and named, never priced as 0', () => {
    const unpriced = current({ providers: [providerRow('openai')], providerModels: [modelRow('openai', 'gpt-4o', { pricing: null })] });
    const out = addCostAndPolicy(plan, { desired, current: unpriced, usage: usage() });
    expect(out.cost).toMatchObject({ before: 0, after: 0, delta: 0, excluded: { rows: 1 } });
    expect(out.warnings.map((w) => w.message).join('\n')).toMatch(/1 usage row on openai\/gpt-4o: it has no price/);
  });

  it('maxMonthlyCostIncrease is judged on the estimate, the price cap on the files as the plan leaves them', () => {
    const spec = policy({ maxMonthlyCostIncrease: 30, maxPricePerMTok: { output: 15 } });
    const out = addCostAndPolicy(plan, { desired: { ...desired, policy: spec }, current: db, usage: usage() });
    expect(out.policy!.violations.map((v) => `${v.file}:${v.line}:${v.column} ${v.severity} ${v.code}`)).toEqual([
      'policy.yaml:3:3 error policy-cost-increase',
      'providers/main.yaml:3:5 error policy-max-price',
    ]);
    expect(() => checkPolicyGuard(out)).toThrow(/violates the policy \(2 violations\); apply refuses it\. Nothing was written:\n {2}policy\.yaml:3:3: policy-cost-increase: /);
  });

  it('a policy that holds: an empty violations list, and apply goes on', () => {
    const out = addCostAndPolicy(plan, { desired: { ...desired, policy: policy({ maxMonthlyCostIncrease: 500 }) }, current: db, usage: usage() });
    expect(out.policy).toEqual({ violations: [] });
    expect(() => checkPolicyGuard(out)).not.toThrow();
    expect(() => checkPolicyGuard(plan)).not.toThrow();
  });
});
