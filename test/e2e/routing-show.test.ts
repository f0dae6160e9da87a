// The plan's routing view through the CLI on a real database: `plan --out` saves it, `show`
// renders exactly what `plan` printed (text and markdown: shares before → after, the Mermaid
// diagram), and `apply --plan` applies it; a saved plan whose routing was edited and re-signed
// by hand cannot be, since the digest alone already refuses the edit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { targets } from '../support/db';
import { appliedVersions, expectExit, ROUTING_ENV, ROUTING_PROVIDER, type Workspace } from '../export/workspace';

const files = (weight: number): string => `version: 1
${ROUTING_PROVIDER}models:
  - name: chat
    routing: {strategy: weighted}
    backends:
      - {providerModel: openai-prod/gpt-4o, weight: ${weight}}
      - {providerModel: openai-prod/gpt-4o-mini, weight: 100}
`;
const ENV = ROUTING_ENV;

describe.each(targets)('the routing view through plan --out, show and apply on %s', (target) => {
  let ws: Workspace;
  jest.setTimeout(180_000);
  beforeAll(async () => {
    ws = await appliedVersions(target, `cvctl-routing-show-${target}-`, { v1: files(100), v2: files(300) }, ENV);
  });
  afterAll(async () => ws.cleanup());

  test('show renders what plan printed; apply --plan applies it', async () => {
    const text = await ws.cvctl(['plan', 'v2', '--no-color', '--out', 'plan.json'], ENV);
    expectExit(text, 0, 'plan --out');
    expect(text.stdout).toMatch(/~ openai-prod\/gpt-4o\s+p1\s+w100 → w300\s+50% → 75%/);
    expect(text.stdout).toMatch(/openai-prod\/gpt-4o-mini\s+p1\s+w100\s+50% → 25%/);
    const shown = await ws.cvctl(['show', 'plan.json', '--no-color']);
    expectExit(shown, 0, 'show');
    expect(shown.stdout).toBe(text.stdout);
    const md = await ws.cvctl(['show', 'plan.json', '--output', 'markdown']);
    expect(md.stdout).toContain('```mermaid');
    expect(md.stdout).toContain('m0 -->|"p1 · 50% → 75%"| m0b0["openai-prod/gpt-4o"]');
    const saved = JSON.parse(fs.readFileSync(path.join(ws.work, 'plan.json'), 'utf8')) as { routing: unknown[] };
    expect(saved.routing).toHaveLength(1);
    expectExit(await ws.cvctl(['apply', '--plan', 'plan.json', '--auto-approve', '-q'], ENV), 0, 'apply --plan');
    expectExit(await ws.cvctl(['plan', 'v2', '--detailed-exitcode'], ENV), 0, 'plan after apply');
  });

  test('a saved plan whose routing was edited is refused, nothing written', async () => {
    expectExit(await ws.cvctl(['plan', 'v1', '--out', 'back.json'], ENV), 0, 'plan --out');
    const file = path.join(ws.work, 'back.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"weight": 300', '"weight": 999'));
    const r = await ws.cvctl(['apply', '--plan', 'back.json', '--auto-approve'], ENV);
    expectExit(r, 1, 'apply --plan of an edited plan');
    expectExit(await ws.cvctl(['plan', 'v2', '--detailed-exitcode'], ENV), 0, 'nothing written');
  });
});
