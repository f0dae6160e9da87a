// The plan's routing view hooked into the plan outputs: text and markdown show each re-routed
// model's backends with priority, weight and share before → after, and its grants as who may
// call what; the PR comment draws the Mermaid diagram; JSON carries `routing` (an extension)
// and round-trips through the saved plan file. Golden files: test/render/golden/routing-plan.*.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computePlan } from '../../src/plan/compute';
import { addCostAndPolicy } from '../../src/plan/cost-policy';
import { checkPlanConsistency } from '../../src/plan/consistency';
import { parsePlan, serializePlan } from '../../src/plan/serialize';
import type { Plan } from '../../src/plan/types';
import { renderPlan } from '../../src/render/render';
import { routingPlanInput } from '../plan/routing-fixtures';

const DIR = path.join(__dirname, 'golden');

function golden(file: string, actual: string): void {
  const p = path.join(DIR, file);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(p, actual);
  else expect(actual).toBe(fs.readFileSync(p, 'utf8'));
}

export function routedPlan(): Plan {
  const inp = routingPlanInput();
  return addCostAndPolicy(computePlan(inp).plan, { current: inp.current, routing: inp.current.routing, desired: inp.desired });
}

describe('a plan that re-routes models', () => {
  const plan = routedPlan();

  it('carries the routing of every model it re-routes, and only those', () => {
    expect((plan.routing ?? []).map((v) => v.model)).toEqual(['chat-default', 'chat-new', 'legacy']);
  });

  it('text', () => golden('routing-plan.txt', renderPlan(plan, 'text', { color: false })));
  it('text with colour', () => golden('routing-plan.color.txt', renderPlan(plan, 'text', { color: true })));
  it('markdown', () => golden('routing-plan.md', renderPlan(plan, 'markdown')));
  it('json', () => golden('routing-plan.json', renderPlan(plan, 'json')));
  it('text --compact: models named as models, their backends and grants counted', () => {
    const text = renderPlan(plan, 'text', { color: false, compact: true });
    golden('routing-plan.compact.txt', text);
    expect(text).toContain('By provider and model:');
    expect(text).toMatch(/^ {2}. model \S+ .*backends and grants: /m);
  });

  it('shows a share before → after on the backend whose weight changes', () => {
    expect(renderPlan(plan, 'text', { color: false })).toMatch(/openai-prod\/gpt-4o\s+p1\s+w100 → w50\s+66.7% → 100%/);
  });

  it('round-trips through the saved plan file, and show renders the same', () => {
    const text = serializePlan(plan);
    const back = parsePlan(text);
    expect(back.routing).toEqual(plan.routing);
    expect(renderPlan(back, 'markdown')).toBe(renderPlan({ ...plan, digest: back.digest }, 'markdown'));
  });
});

describe('the routing view is display only, and must be what the changes do', () => {
  const refusal = (edit: (p: Plan) => void): string => {
    const p = JSON.parse(JSON.stringify(routedPlan())) as Plan;
    edit(p);
    try {
      checkPlanConsistency(p);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('accepts the plan as made', () => expect(refusal(() => undefined)).toBe(''));
  it('refuses a weight shown other than the change writes', () =>
    expect(refusal((p) => (p.routing![0].after!.backends[0].weight = 1000))).toMatch(/routing of model 'chat-default' shows backend openai-prod\/gpt-4o with other values/));
  it('refuses a created backend shown with another weight than it writes', () =>
    expect(refusal((p) => (p.routing![0].after!.backends[2].weight = 7))).toMatch(/other values than the plan writes/));
  it('refuses a backend shown that the plan does not create', () =>
    expect(refusal((p) => p.routing![1].after!.backends.push({ provider: 'x', providerModel: 'y', priority: 1, weight: 1, status: 'active' }))).toMatch(/does not create/));
  it('refuses a backend shown removed that the plan keeps', () =>
    expect(refusal((p) => p.routing![0].before!.backends.push({ provider: 'x', providerModel: 'y', priority: 1, weight: 1, status: 'active' }))).toMatch(/removed, which the plan does not delete/));
  it('refuses a strategy the model change does not write', () =>
    expect(refusal((p) => (p.routing![0].after!.strategy = 'weighted'))).toMatch(/strategy weighted, not what the plan writes/));
  it('refuses a re-routed model left out of the view', () =>
    expect(refusal((p) => (p.routing = p.routing!.filter((v) => v.model !== 'chat-new')))).toMatch(/routing of model 'chat-new' is not shown/));
  it('refuses a serving flag the plan does not change', () =>
    expect(refusal((p) => (p.routing![0].after!.backends[0].serving = false))).toMatch(/starting or stopping to serve/));
});

describe('the PR comment of a huge re-routing plan', () => {
  it('stays under 65,536 characters, the diagram capped', () => {
    const plan = routedPlan();
    const many = Array.from({ length: 5000 }, (_, i) => ({ ...plan.routing![0], model: `m-${String(i).padStart(5, '0')}-${'x'.repeat(40)}` }));
    const md = renderPlan({ ...plan, routing: many }, 'markdown');
    expect(md.length).toBeLessThan(65_536);
    expect(md).toMatch(/… and 4,9\d\d more models with routing changes, not drawn/);
  });
});
