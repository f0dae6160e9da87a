// The cost and policy blocks (src/render/cost.ts, policy.ts) in every plan format: goldens for a
// plan that carries the worked example of docs/cost-and-policy.md and two violations, and the
// caps. UPDATE_GOLDEN=1 npx jest test/render rewrites the goldens.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderPlan } from '../../src/render/render';
import { costMarkdownLines, costTextLines, signedUsd, usd } from '../../src/render/cost';
import { policyMarkdownLines } from '../../src/render/policy';
import { Painter } from '../../src/render/text-common';
import { estimateCost } from '../../src/plan/cost';
import { parsePlan, serializePlan } from '../../src/plan/serialize';
import type { PlanCost } from '../../src/plan/cost-types';
import type { Plan, PolicyViolation } from '../../src/plan/types';
import { computePlan } from '../../src/plan/compute';
import { current, input, model, modelRow, provider, providerRow } from '../plan/builders';
import { workedExample } from '../plan/cost-builders';

const DIR = path.join(__dirname, 'golden');

function golden(file: string, actual: string): void {
  const p = path.join(DIR, file);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(p, actual);
  else expect(actual).toBe(fs.readFileSync(p, 'utf8'));
}

const violations: PolicyViolation[] = [
  {
    severity: 'error',
    code: 'policy-max-price',
    message: "provider model openai-prod/gpt-4o-mini costs $0.8 per 1M output tokens, above the policy's maximum of $0.6 (maxPricePerMTok at policy.yaml:3:3)",
    file: 'providers/openai.yaml',
    line: 14,
    column: 11,
  },
  {
    severity: 'error',
    code: 'policy-cost-increase',
    message: "the plan raises the estimated monthly cost by $600.00, above the policy's maximum of $500.00 (maxMonthlyCostIncrease)",
    file: 'policy.yaml',
    line: 8,
    column: 3,
  },
];

/** A price change on one provider model, with the worked example's estimate and the violations. */
function costPlan(policy: Plan['policy']): Plan {
  const desired = [provider('openai-prod', {}, [model('gpt-4o-mini', { pricing: { inputPerMTok: 0.2, outputPerMTok: 0.8 } })])];
  const db = current({ providers: [providerRow('openai-prod')], providerModels: [modelRow('openai-prod', 'gpt-4o-mini', { pricing: { inputPerMTok: 0.15, outputPerMTok: 0.6 } })] });
  const { plan } = computePlan(input(desired, db));
  return { ...plan, cost: estimateCost(workedExample()), policy };
}

describe('golden: cost and policy', () => {
  const plan = costPlan({ violations });
  it('text', () => golden('cost-policy.txt', renderPlan(plan, 'text', { color: false })));
  it('text with colour', () => golden('cost-policy.color.txt', renderPlan(plan, 'text', { color: true })));
  it('markdown', () => golden('cost-policy.md', renderPlan(plan, 'markdown')));
  it('json', () => golden('cost-policy.json', renderPlan(plan, 'json')));

  it('the saved plan reads back with its cost and violations, and renders the same', () => {
    const back = parsePlan(serializePlan(plan));
    expect(back.cost).toEqual(plan.cost);
    expect(back.policy).toEqual({ violations });
    expect(renderPlan(back, 'text')).toBe(renderPlan(plan, 'text'));
  });

  it('a policy without violations says so; no policy, no cost: no block', () => {
    expect(renderPlan(costPlan({ violations: [] }), 'text')).toContain('Policy: no violations.');
    expect(renderPlan(costPlan({ violations: [] }), 'markdown')).toContain('**Policy**: :white_check_mark: no violations.');
    const bare = { ...costPlan(undefined), cost: undefined };
    expect(renderPlan(bare, 'text')).not.toMatch(/Policy|Cost impact/);
    expect(renderPlan(bare, 'markdown')).not.toMatch(/Policy|Cost impact/);
  });
});

describe('amounts and caps', () => {
  it('USD with cents, thousands and a sign', () => {
    expect([usd(1520.4), usd(-31.95), usd(0), usd(1234567.5)]).toEqual(['$1,520.40', '-$31.95', '$0.00', '$1,234,567.50']);
    expect([signedUsd(269.7), signedUsd(-0.01), signedUsd(0)]).toEqual(['+$269.70', '-$0.01', '$0.00']);
  });

  const many: PlanCost = {
    currency: 'USD', windowDays: 7, from: '2026-11-29', to: '2026-12-05', before: 100, after: 160, delta: 60,
    items: Array.from({ length: 14 }, (_, i) => ({ resource: { type: 'model' as const, name: `m${i}` }, reason: 'routing' as const, delta: 14 - i })),
  };

  it('text shows the top 5 items and counts the rest', () => {
    const lines = costTextLines(many, new Painter(false));
    expect(lines.filter((l) => / routing {2}model m\d+$/.test(l))).toHaveLength(5);
    expect(lines).toContain('    … 9 more items (--output json lists all)');
    expect(lines[0]).toBe('Cost impact (USD, over 7 days of usage, 2026-11-29 to 2026-12-05):');
  });

  it('markdown puts the total first, then the top 10 items, then a row counting the rest', () => {
    const rows = costMarkdownLines(many).filter((l) => l.startsWith('|'));
    expect(rows[2]).toBe('| **Total** |  | $100.00 | $160.00 | **+$60.00** |');
    expect(rows[3]).toBe('| model `m0` | routing |  |  | +$14.00 |');
    expect(rows).toHaveLength(2 + 1 + 10 + 1);
    expect(rows[rows.length - 1]).toContain('… 4 more items');
  });

  it('markdown violations are capped too', () => {
    const lots = Array.from({ length: 200 }, (_, i) => ({ ...violations[0], line: i + 1 }));
    const md = policyMarkdownLines({ violations: lots }, 2000).join('\n');
    expect(md).toContain('> **Policy: 200 violations; cvctl apply refuses this plan.**');
    expect(md).toMatch(/- … and \d+ more violations; run `cvctl show plan.json` to see all/);
    expect(md.length).toBeLessThan(2600);
  });
});
