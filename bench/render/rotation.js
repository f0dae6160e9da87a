#!/usr/bin/env node
// How long a plan is when one shared key is rotated across N providers (issue 12 item 5).
// Writes N openai providers that all reference the env var SHARED_KEY into DIR:
//   node bench/render/rotation.js DIR [N=3000]
// Then, with a database of your choice (see docs/cli.md "Plans at scale" for the figures):
//   SHARED_KEY=sk-proj-YYYY0000000000000000000000 cvctl apply DIR --auto-approve
//   SHARED_KEY=sk-proj-ZZZZ1111111111111111111111 cvctl plan DIR --out plan.json
//   cvctl show plan.json | wc -l; cvctl show --compact plan.json | wc -l
//   cvctl show --output markdown plan.json | wc -l -c
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [dir, n = '3000'] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: node bench/render/rotation.js DIR [N]\n');
  process.exit(1);
}
fs.mkdirSync(dir, { recursive: true });
const lines = ['version: 1', 'providers:'];
for (let i = 1; i <= Number(n); i++) {
  lines.push(
    `  - name: tenant-${String(i).padStart(4, '0')}`,
    '    kind: openai',
    '    labels: {team: platform}',
    '    credentials:',
    '      apiKey: {from: env, name: SHARED_KEY}',
  );
}
fs.writeFileSync(path.join(dir, 'providers.yaml'), `${lines.join('\n')}\n`);
process.stdout.write(`wrote ${n} providers to ${path.join(dir, 'providers.yaml')}\n`);
