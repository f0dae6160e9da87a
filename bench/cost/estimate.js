#!/usr/bin/env node
// The pure cost estimator (src/plan/cost.ts) at dataset L's size: 1,000 models x 3 backends
// (3,000 provider models), a plan that changes 10% of prices, re-weights 10% of the models,
// flips 5% from fallback to weighted and removes 1% of the provider models.
//
// The database's aggregate (one GROUP BY over usage_daily) is measured apart: what reaches the
// estimator is one row per (model, provider model), here 3,000 rows plus 100 unattributed, for
// 2,000,000 daily rows. For scale it is also run on 2,000,000 rows not aggregated at all, the
// worst case should a caller skip the GROUP BY.
//   npm run build && node bench/cost/estimate.js [MODELS=1000] [RAW_ROWS=2000000]
'use strict';
const { estimateCost } = require('../../dist/plan/cost');

const models = Number(process.argv[2] ?? 1000);
const rawRows = Number(process.argv[3] ?? 2_000_000);

let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

function build() {
  const beforePms = [];
  const afterPms = [];
  const beforeModels = [];
  const afterModels = [];
  for (let m = 0; m < models; m++) {
    const backends = [];
    for (let b = 0; b < 3; b++) {
      const id = `pm-${m}-${b}`;
      const pricing = { inputPerMTok: Math.round(rnd() * 1500) / 100, outputPerMTok: Math.round(rnd() * 6000) / 100 };
      const pm = { id, provider: `prov-${b}`, name: `model-${m}`, status: 'active', pricing };
      beforePms.push(pm);
      if (rnd() < 0.01) continue; // removed by the plan
      afterPms.push(rnd() < 0.1 ? { ...pm, pricing: { ...pricing, inputPerMTok: pricing.inputPerMTok * 1.2 } } : pm);
      backends.push({ providerModelId: id, priority: b + 1, weight: 100, status: 'active' });
    }
    const all = [0, 1, 2].map((b) => ({ providerModelId: `pm-${m}-${b}`, priority: b + 1, weight: 100, status: 'active' }));
    beforeModels.push({ id: `m-${m}`, name: `chat-${m}`, status: 'active', strategy: 'fallback', backends: all });
    const reweight = rnd() < 0.1;
    afterModels.push({
      id: `m-${m}`,
      name: `chat-${m}`,
      status: 'active',
      strategy: rnd() < 0.05 ? 'weighted' : 'fallback',
      backends: backends.map((b) => (reweight ? { ...b, weight: 1 + Math.floor(rnd() * 999) } : b)),
    });
  }
  return { before: { providerModels: beforePms, models: beforeModels }, after: { providerModels: afterPms, models: afterModels } };
}

function usageRow(i, scale) {
  const m = i % models;
  const b = Math.floor(i / models) % 3;
  return {
    modelId: i % 997 === 0 ? null : `m-${m}`,
    providerModelId: `pm-${m}-${b}`,
    requests: Math.floor(rnd() * 100 * scale),
    inputTokens: Math.floor(rnd() * 200_000 * scale),
    outputTokens: Math.floor(rnd() * 50_000 * scale),
  };
}

function time(label, fn) {
  // CPU time beside wall time: on a shared machine the wall time also counts other processes.
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const out = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(c0);
  process.stdout.write(`${label}: ${ms.toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU\n`);
  return out;
}

const states = build();
const window = { from: '2026-11-06', to: '2026-12-05', days: 30 };
const aggregated = Array.from({ length: models * 3 + 100 }, (_, i) => usageRow(i, 667));
const raw = Array.from({ length: rawRows }, (_, i) => usageRow(i, 1));

estimateCost({ window, usage: aggregated.slice(0, 100), ...states }); // warm-up (JIT)
const agg = time(`estimate, ${aggregated.length} aggregated rows (${models} models x 3 backends)`, () => estimateCost({ window, usage: aggregated, ...states }));
// A plan runs the estimate once, cold: the line above is the figure that counts. Warm, for scale:
time('  same again, warm', () => estimateCost({ window, usage: aggregated, ...states }));
const big = time(`estimate, ${raw.length} rows not aggregated`, () => estimateCost({ window, usage: raw, ...states }));
for (const [name, c] of [['aggregated', agg], ['not aggregated', big]]) {
  process.stdout.write(`  ${name}: before $${c.before} after $${c.after} delta $${c.delta}, ${c.items.length} items, excluded ${c.excluded?.rows ?? 0} rows\n`);
}
process.stdout.write(`rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB\n`);
