// Properties of the planner over a larger fixture: the plan does not depend on the order of
// any input list (or of object keys), and planning files against their own result is empty.
import { computePlan } from '../../src/plan/compute';
import { serializePlan } from '../../src/plan/serialize';
import type { CurrentState, ProviderModelRow, ProviderRow } from '../../src/domain/rows';
import type { DesiredProvider } from '../../src/domain/types';
import { backend, current, fp, input, model, modelRow, provider, providerRow, rowsMatching, shuffled } from './builders';

/** Reverse key order of plain objects: a different insertion order, same content. */
function reverseKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reverseKeys) as unknown as T;
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v as object).reverse().map(([k, x]) => [k, reverseKeys(x)])) as T;
  }
  return v;
}

function fixture(): { desired: DesiredProvider[]; cur: CurrentState } {
  const desired: DesiredProvider[] = [];
  const providers: ProviderRow[] = [];
  const providerModels: ProviderModelRow[] = [];
  for (let i = 0; i < 12; i++) {
    const name = `p${String(i).padStart(2, '0')}`;
    const models = Array.from({ length: 6 }, (_, j) => model(`m${j}`, { contextWindow: 1000 * (j + 1) }));
    // Every third provider is new; the others exist with a few differences.
    if (i % 3 !== 0) {
      providers.push(providerRow(name, { labels: i % 2 ? { team: 'a' } : {}, config: { region: 'eu', nested: { a: 1, b: 2 } } }));
      for (let j = 0; j < 7; j++) providerModels.push(modelRow(name, `m${j}`, { contextWindow: j === 2 ? 1 : 1000 * (j + 1) }));
    }
    desired.push(provider(name, { labels: { team: 'b' }, config: { nested: { b: 2, a: 1 }, region: 'eu' } }, models));
  }
  providers.push(providerRow('gone-1'), providerRow('gone-2', { onRemove: 'disable' }), providerRow('kept', { protected: true }));
  providerModels.push(modelRow('gone-1', 'x'), modelRow('gone-1', 'y'));
  const backends = [backend('gone-1', 'x', 'shared'), backend('p01', 'm6', 'shared'), backend('gone-1', 'y', 'solo'), backend('p02', 'm6', 'other', 2)];
  return { desired, cur: current({ providers, providerModels, backends, modelBackendCounts: { 'm-other': 3 } }) };
}

describe('planner properties', () => {
  it('the plan is the same whatever the order of the inputs', () => {
    const { desired, cur } = fixture();
    const base = serializePlan(computePlan(input(desired, cur)).plan);
    expect(JSON.parse(base).changes.length).toBeGreaterThan(40);
    for (let seed = 1; seed <= 20; seed++) {
      const d = shuffled(desired, seed).map((p) => ({ spec: reverseKeys(p.spec), models: shuffled(p.models, seed + 100) }));
      const c: CurrentState = {
        providers: shuffled(cur.providers, seed + 200).map(reverseKeys),
        providerModels: shuffled(cur.providerModels, seed + 300),
        backends: shuffled(cur.backends, seed + 400),
        modelBackendCounts: reverseKeys(cur.modelBackendCounts),
      };
      expect(serializePlan(computePlan(input(d, c)).plan)).toBe(base);
    }
  });

  it('planning the files against the state they produce gives no changes', () => {
    const { desired } = fixture();
    const { plan, problems } = computePlan(input(desired, rowsMatching(desired)));
    expect(problems).toEqual([]);
    expect(plan.changes).toEqual([]);
    expect(plan.summary).toEqual({ create: 0, update: 0, disable: 0, enable: 0, delete: 0 });
  });

  it('the plan never contains a secret reference value outside target.credentials', () => {
    const { desired, cur } = fixture();
    const { plan } = computePlan(input(desired, cur));
    const visible = JSON.stringify({ ...plan, changes: plan.changes.map(({ target: _t, ...c }) => c) });
    expect(visible).not.toMatch(/_KEY/);
    expect(visible).not.toContain(fp('p01'));
  });
});
