// The policy rules (src/plan/policy.ts, src/config/policy-spec.ts) table-driven: each rule once
// passing and once failing, the failure at the offending entry's file:line:column.
import type { Diagnostic } from '../../src/config/diagnostics';
import { POLICY_CODES } from '../../src/config/policy-codes';
import { buildPolicySpec, checkPolicySections, type PolicySpec } from '../../src/config/policy-spec';
import type { SourcePos } from '../../src/domain/types';
import { checkPolicy, checkPolicyCost, checkPolicyStatic, monthlyDelta, type PolicySubjects } from '../../src/plan/policy';

const at = (line: number, column = 5, file = 'providers.yaml'): SourcePos => ({ file, line, column });
const POLICY_FILE = 'policy.yaml';
const rulePos = (line: number): SourcePos => at(line, 3, POLICY_FILE);

/** A policy built the way config builds it: from the YAML value, positions by path. */
function policy(raw: Record<string, unknown>): PolicySpec {
  const keys = Object.keys(raw);
  return buildPolicySpec(raw, {
    path: ['policy'],
    pos: (path) => (path.length === 1 ? at(2, 1, POLICY_FILE) : rulePos(3 + keys.indexOf(String(path[1])))),
  });
}

function subjects(over: Partial<PolicySubjects> = {}): PolicySubjects {
  return {
    providers: [
      { name: 'openai-prod', kind: 'openai', config: {}, pos: at(3), kindPos: at(4, 11) },
      { name: 'bedrock-eu', kind: 'bedrock', config: { region: 'eu-west-1' }, pos: at(10), kindPos: at(11, 11), regionPos: at(13, 15) },
    ],
    providerModels: [
      { provider: 'openai-prod', modelId: 'gpt-4o', status: 'active', pricing: { inputPerMTok: 2.5, outputPerMTok: 10 }, pos: at(6, 9) },
      { provider: 'openai-prod', modelId: 'o1-pro', status: 'disabled', pricing: { inputPerMTok: 150, outputPerMTok: 600 }, pos: at(7, 9) },
      { provider: 'openai-prod', modelId: 'mystery', status: 'active', pricing: null, pos: at(8, 9) },
    ],
    models: [
      { name: 'chat', status: 'active', backends: [{ provider: 'openai-prod', status: 'active' }, { provider: 'bedrock-eu', status: 'active' }], pos: at(20, 5, 'models.yaml') },
      { name: 'off', status: 'disabled', backends: [], pos: at(30, 5, 'models.yaml') },
    ],
    grants: [{ model: 'chat', subject: 'group:engineering', limits: { requestsPerMinute: 600 }, pos: at(40, 5, 'models.yaml') }],
    ...over,
  };
}

const pick = (d: Diagnostic) => ({ code: d.code, file: d.file, line: d.line, column: d.column });

interface Case {
  rule: string;
  policy: Record<string, unknown>;
  /** Subjects that fail the rule (the defaults pass every rule of the table). */
  failing: Partial<PolicySubjects>;
  expect: Array<{ code: string; file: string; line: number; column: number }>;
  message: RegExp;
}

const CASES: Case[] = [
  {
    rule: 'maxPricePerMTok',
    policy: { maxPricePerMTok: { input: 20, output: 80 } },
    failing: { providerModels: [{ provider: 'openai-prod', modelId: 'gpt-4.5', status: 'active', pricing: { inputPerMTok: 75, outputPerMTok: 150 }, pos: at(6, 9) }] },
    expect: [
      { code: 'policy-max-price', file: 'providers.yaml', line: 6, column: 9 },
      { code: 'policy-max-price', file: 'providers.yaml', line: 6, column: 9 },
    ],
    message: /openai-prod\/gpt-4\.5 costs \$75 per 1M input tokens, above the policy's maximum of \$20 \(maxPricePerMTok at policy\.yaml:3:3\)/,
  },
  {
    rule: 'allowedProviderKinds',
    policy: { allowedProviderKinds: ['openai', 'bedrock'] },
    failing: { providers: [{ name: 'groq-fast', kind: 'groq', config: {}, pos: at(50), kindPos: at(51, 11) }] },
    expect: [{ code: 'policy-provider-kind', file: 'providers.yaml', line: 51, column: 11 }],
    message: /provider 'groq-fast' is of kind 'groq', which the policy does not allow \(allowed: openai, bedrock; allowedProviderKinds at policy\.yaml:3:3\)/,
  },
  {
    rule: 'allowedRegions (region outside the list)',
    policy: { allowedRegions: { bedrock: ['eu-central-1', 'eu-west-1'], vertex: ['europe-west4'] } },
    failing: { providers: [{ name: 'bedrock-us', kind: 'bedrock', config: { region: 'us-east-1' }, pos: at(60), regionPos: at(63, 15) }] },
    expect: [{ code: 'policy-region', file: 'providers.yaml', line: 63, column: 15 }],
    message: /provider 'bedrock-us' \(bedrock\) is in region 'us-east-1', which the policy does not allow for bedrock \(allowed: eu-central-1, eu-west-1/,
  },
  {
    rule: 'allowedRegions (vertex config.location)',
    policy: { allowedRegions: { vertex: ['europe-west4'] } },
    failing: { providers: [{ name: 'vertex-us', kind: 'vertex', config: { project: 'p', location: 'us-central1' }, pos: at(70), regionPos: at(72, 17) }] },
    expect: [{ code: 'policy-region', file: 'providers.yaml', line: 72, column: 17 }],
    message: /is in region 'us-central1'/,
  },
  {
    rule: 'allowedRegions (listed kind without a region)',
    policy: { allowedRegions: { azure: ['westeurope'] } },
    failing: { providers: [{ name: 'azure-eu', kind: 'azure', config: { endpoint: 'https://x.openai.azure.com' }, pos: at(80) }] },
    expect: [{ code: 'policy-region', file: 'providers.yaml', line: 80, column: 5 }],
    message: /sets no region \(config\.region or config\.location\)/,
  },
  {
    rule: 'requireFallback',
    policy: { requireFallback: true },
    failing: {
      models: [
        { name: 'solo', status: 'active', backends: [{ provider: 'openai-prod', status: 'active' }, { provider: 'openai-prod', status: 'active' }, { provider: 'bedrock-eu', status: 'disabled' }], pos: at(20, 5, 'models.yaml') },
        { name: 'none', status: 'active', backends: [], pos: at(25, 5, 'models.yaml') },
      ],
    },
    expect: [
      { code: 'policy-require-fallback', file: 'models.yaml', line: 20, column: 5 },
      { code: 'policy-require-fallback', file: 'models.yaml', line: 25, column: 5 },
    ],
    message: /model 'solo' has active backends on one provider only \(openai-prod\); the policy requires active backends on at least 2 providers \(requireFallback at policy\.yaml:3:3\)/,
  },
  {
    rule: 'requireGrantLimits',
    policy: { requireGrantLimits: true },
    failing: {
      grants: [
        { model: 'chat', subject: 'user:ana@example.com', pos: at(44, 5, 'models.yaml') },
        { model: 'chat', subject: 'group:ops', limits: {}, pos: at(48, 5, 'models.yaml') },
      ],
    },
    expect: [
      { code: 'policy-grant-limits', file: 'models.yaml', line: 44, column: 5 },
      { code: 'policy-grant-limits', file: 'models.yaml', line: 48, column: 5 },
    ],
    message: /access grant of model 'chat' to user:ana@example\.com sets no limit/,
  },
];

describe('policy rules that need no database', () => {
  test.each(CASES)('$rule: passes', (c) => {
    expect(checkPolicyStatic(policy(c.policy), subjects())).toEqual([]);
  });

  test.each(CASES)('$rule: fails at the offending entry', (c) => {
    const ds = checkPolicyStatic(policy(c.policy), subjects(c.failing));
    expect(ds.map(pick)).toEqual(c.expect);
    expect(ds.every((d) => d.severity === 'error' && d.code in POLICY_CODES)).toBe(true);
    expect(ds[0].message).toMatch(c.message);
  });

  test('rules turned off or absent check nothing', () => {
    const everythingFails = subjects({ ...CASES.reduce((all, c) => ({ ...all, ...c.failing }), {}) });
    expect(checkPolicyStatic(policy({}), everythingFails)).toEqual([]);
    expect(checkPolicyStatic(policy({ requireFallback: false, requireGrantLimits: false }), everythingFails)).toEqual([]);
  });

  test('a price cap on one side only checks that side; disabled and unpriced models are not checked', () => {
    const ds = checkPolicyStatic(policy({ maxPricePerMTok: { output: 5 } }), subjects());
    expect(ds.map(pick)).toEqual([{ code: 'policy-max-price', file: 'providers.yaml', line: 6, column: 9 }]);
    expect(ds[0].message).toMatch(/\$10 per 1M output tokens, above the policy's maximum of \$5/);
  });
});

describe('maxMonthlyCostIncrease (needs the plan)', () => {
  const rule = policy({ maxMonthlyCostIncrease: 500 });
  test.each([
    { name: 'under the maximum', cost: { delta: 499.99, windowDays: 30 }, violates: false },
    { name: 'exactly the maximum', cost: { delta: 500, windowDays: 30 }, violates: false },
    { name: 'over the maximum', cost: { delta: 500.01, windowDays: 30 }, violates: true },
    { name: 'a 7-day window is scaled to a month (120 x 30/7 = 514.29)', cost: { delta: 120, windowDays: 7 }, violates: true },
    { name: 'a 60-day window is scaled to a month (900 x 30/60 = 450)', cost: { delta: 900, windowDays: 60 }, violates: false },
    { name: 'a saving', cost: { delta: -2000, windowDays: 30 }, violates: false },
    { name: 'no estimate (no usage or --no-cost)', cost: undefined, violates: false },
  ])('$name', ({ cost, violates }) => {
    const ds = checkPolicyCost(rule, cost);
    expect(ds.map(pick)).toEqual(violates ? [{ code: 'policy-cost-increase', file: POLICY_FILE, line: 3, column: 3 }] : []);
  });

  test('the message gives the monthly figure and how it was scaled', () => {
    expect(monthlyDelta({ delta: 120, windowDays: 7 })).toBe(514.29);
    const [d] = checkPolicyCost(rule, { delta: 120, windowDays: 7 });
    expect(d.message).toBe(
      "the plan raises the estimated monthly cost by $514.29 ($120.00 over the 7-day window x 30/7), above the policy's maximum of $500.00 (maxMonthlyCostIncrease)",
    );
  });

  test('checkPolicy (what plan runs) reports both groups', () => {
    const both = policy({ requireGrantLimits: true, maxMonthlyCostIncrease: 10 });
    const ds = checkPolicy(both, subjects({ grants: [{ model: 'chat', subject: 'group:ops', pos: at(48) }] }), { delta: 11, windowDays: 30 });
    expect(ds.map((d) => d.code)).toEqual(['policy-grant-limits', 'policy-cost-increase']);
  });
});

describe('the policy section', () => {
  test('built from the YAML value with each rule at its key; wrongly typed values left to the schema', () => {
    const spec = policy({ maxPricePerMTok: { input: 20, output: 'x' }, allowedProviderKinds: 'openai', requireFallback: true, maxMonthlyCostIncrease: 500 });
    expect(spec).toEqual({
      pos: at(2, 1, POLICY_FILE),
      maxPricePerMTok: { value: { input: 20 }, pos: rulePos(3) },
      requireFallback: { value: true, pos: rulePos(5) },
      maxMonthlyCostIncrease: { value: 500, pos: rulePos(6) },
    });
  });

  test('one section is fine; a second is an error at each, naming the other', () => {
    expect(checkPolicySections([at(1, 1, 'a.yaml')])).toEqual([]);
    const ds = checkPolicySections([at(2, 1, 'a.yaml'), at(7, 1, 'b/policy.yaml')]);
    expect(ds.map(pick)).toEqual([
      { code: 'duplicate-policy', file: 'a.yaml', line: 2, column: 1 },
      { code: 'duplicate-policy', file: 'b/policy.yaml', line: 7, column: 1 },
    ]);
    expect(ds[0].message).toContain('b/policy.yaml:7:1');
    expect(ds[1].message).toContain('a.yaml:2:1');
  });
});
