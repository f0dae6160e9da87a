#!/usr/bin/env node
// Summarises a .cpuprofile (node --cpu-prof): top functions by self time and by total
// (inclusive) time, with file:line, restricted to frames under --only PATTERN if given.
//
//   node bench/reconcile/profile-summary.js FILE.cpuprofile [--top 25] [--only dist/]
//        [--under FUNCTION]   (only samples whose stack contains that function name)
'use strict';
const fs = require('fs');
const args = process.argv.slice(2);
const file = args[0];
const top = Number(args[args.indexOf('--top') + 1]) || 25;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const under = args.includes('--under') ? args[args.indexOf('--under') + 1] : null;

const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
const label = (n) => {
  const f = n.callFrame;
  const url = f.url.replace(/^file:\/\//, '').replace(/.*\/(dist|node_modules)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${url}:${f.lineNumber + 1}`;
};
const self = new Map();
const total = new Map();
let all = 0;
for (const [id, us] of dt) {
  if (under) {
    let found = false;
    for (let cur = id; cur !== undefined && !found; cur = parent.get(cur)) found = byId.get(cur).callFrame.functionName === under;
    if (!found) continue;
  }
  all += us;
  const n = byId.get(id);
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
  // inclusive: each distinct label once per sample stack
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur));
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + us);
  }
}
const show = (m, title) => {
  console.log(`\n${title} (of ${(all / 1000).toFixed(0)} ms sampled)`);
  [...m]
    .filter(([l]) => !only || l.includes(only))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([l, us]) => console.log(`${(us / 1000).toFixed(0).padStart(8)} ms  ${(100 * us / all).toFixed(1).padStart(5)}%  ${l}`));
};
show(self, 'self time');
show(total, 'total time');
