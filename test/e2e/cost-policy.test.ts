// Issue 16 parts 1-3 through the CLI, on PostgreSQL and the embedded database: usage in
// usage_daily, a price change in the files, and what `plan` says about spend (text, JSON,
// markdown, a saved plan shown again); --no-cost and --cost-window; a usage table cvctl cannot
// read; and a policy violation: the plan is still shown and saved, `plan` exits 1, and `apply`
// (with and without --plan) refuses it and writes nothing, also when the saved plan is edited
// to drop its violations. One workspace per database; the CLI clock is 2026-11-24.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { targets } from '../support/db';
import { parsePlan, serializePlan } from '../../src/plan/serialize';
import { expectExit, positionsOf, snapshot, workspace, type Workspace } from './support';

jest.setTimeout(180_000);

const env = { OPENAI_KEY: 'sk-proj-costwire0000000000', ANTHROPIC_KEY: 'sk-ant-api03-costwire000000' };

const providers = (gpt4oInput: number, miniPrice: string): string => `version: 1
providers:
  - name: openai-prod
    kind: openai
    credentials: {apiKey: {from: env, name: OPENAI_KEY}}
    models:
      custom:
        - {id: gpt-4o, kind: chat, pricing: {inputPerMTok: ${gpt4oInput}, outputPerMTok: 10}}
        - {id: gpt-4o-mini, kind: chat, pricing: ${miniPrice}}
  - name: anthropic-main
    kind: anthropic
    credentials: {apiKey: {from: env, name: ANTHROPIC_KEY}}
    models:
      custom:
        - {id: claude-sonnet-4-6, kind: chat, pricing: {inputPerMTok: 3, outputPerMTok: 15}}
`;

const POLICY = `version: 1
policy:
  maxMonthlyCostIncrease: 50
`;

/**
 * A console-made facade `chat` (fallback gpt-4o, then claude) and the window's usage: 100M input
 * + 20M output tokens of chat on gpt-4o; 200M + 50M on gpt-4o-mini through a facade since
 * deleted (model_id NULL: unattributed); and a large row outside the 30-day window.
 */
async function seedUsage(ws: Workspace): Promise<void> {
  await ws.withDb(async (db) => {
    await db.query(`insert into models (name, routing) values ('chat', '{"strategy": "fallback"}')`);
    await db.query(`insert into model_backends (model_id, provider_model_id, priority)
      select m.id, pm.id, case pm.model_id when 'gpt-4o' then 1 else 2 end
        from models m, provider_models pm where m.name = 'chat' and pm.model_id in ('gpt-4o', 'claude-sonnet-4-6')`);
    const pm = `(select id from provider_models where model_id = $1)`;
    await db.query(
      `insert into usage_daily (day, model_id, provider_model_id, requests, input_tokens, output_tokens) values
         ('2026-11-20', (select id from models where name = 'chat'), ${pm}, 40000, 60000000, 12000000),
         ('2026-11-21', (select id from models where name = 'chat'), ${pm}, 30000, 40000000, 8000000),
         ('2026-11-22', null, (select id from provider_models where model_id = $2), 1000, 200000000, 50000000),
         ('2026-09-01', (select id from models where name = 'chat'), ${pm}, 1, 900000000000, 0)`,
      ['gpt-4o', 'gpt-4o-mini'],
    );
  });
}

describe.each(targets)('cost and policy on %s', (target) => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace(target, () => env);
    await ws.hold();
    ws.write('repo/providers.yaml', providers(2.5, '{inputPerMTok: 0.15, outputPerMTok: 0.6}'));
    expectExit(await ws.cli(['apply', 'repo', '--auto-approve']), 0);
    await seedUsage(ws);
    // The change under review: gpt-4o's input price 2.5 -> 3, gpt-4o-mini's 0.15/0.6 -> 0.2/0.8.
    ws.write('repo/providers.yaml', providers(3, '{inputPerMTok: 0.2, outputPerMTok: 0.8}'));
  });
  afterAll(async () => ws?.cleanup());

  it('plan prices the window before and after the change, in JSON, text and markdown', async () => {
    const json = await ws.cli(['plan', 'repo', '--output', 'json']);
    expectExit(json, 0);
    const plan = JSON.parse(json.stdout);
    // before: chat 100M x 2.5 + 20M x 10 = 450, unattributed 200M x 0.15 + 50M x 0.6 = 60.
    // after:  chat 100M x 3 + 200 = 500 (+50), unattributed 40 + 40 = 80 (+20).
    expect(plan.cost).toEqual({
      currency: 'USD', windowDays: 30, from: '2026-10-26', to: '2026-11-24', before: 510, after: 580, delta: 70,
      items: [
        { resource: { type: 'providerModel', provider: 'openai-prod', name: 'gpt-4o' }, reason: 'price', delta: 50 },
        { resource: { type: 'providerModel', provider: 'openai-prod', name: 'gpt-4o-mini' }, reason: 'price', delta: 20 },
      ],
      unattributed: { rows: 1, requests: 1000, inputTokens: 200000000, outputTokens: 50000000, before: 60, after: 80 },
    });
    expect(plan.policy).toBeUndefined();
    expect(plan.warnings.map((w: { code: string; message: string }) => `${w.code}: ${w.message}`)).toEqual([
      'cost-estimate: 1000 requests (250000000 tokens, $60.00) were made through model facades that no longer exist (unattributed); priced at the provider model that served them',
    ]);

    const text = await ws.cli(['plan', 'repo', '--no-color']);
    expectExit(text, 0);
    expect(text.stdout).toContain(
      [
        'Cost impact (USD, over 30 days of usage, 2026-10-26 to 2026-11-24):',
        '  before $510.00, after $580.00: +$70.00',
        '    +$50.00  price    provider model openai-prod/gpt-4o',
        '    +$20.00  price    provider model openai-prod/gpt-4o-mini',
        '  unattributed: 1,000 requests through model facades that no longer exist, $60.00 before, $80.00 after',
      ].join('\n'),
    );
    const md = await ws.cli(['plan', 'repo', '--output', 'markdown']);
    expect(md.stdout).toContain('| **Total** |  | $510.00 | $580.00 | **+$70.00** |\n| provider model `openai-prod/gpt-4o` | price |  |  | +$50.00 |');
  });

  it('--no-cost reads no usage; --cost-window narrows the window; 0 or 367 days is a usage error', async () => {
    const none = await ws.cli(['plan', 'repo', '--output', 'json', '--no-cost']);
    expectExit(none, 0);
    expect(JSON.parse(none.stdout).cost).toBeUndefined();
    // 3 days (2026-11-22..24): only the unattributed row.
    const narrow = JSON.parse((await ws.cli(['plan', 'repo', '--output', 'json', '--cost-window', '3'])).stdout);
    expect(narrow.cost).toMatchObject({ windowDays: 3, from: '2026-11-22', before: 60, after: 80, delta: 20 });
    for (const days of ['0', '367', '7.5']) {
      const bad = await ws.cli(['plan', 'repo', '--cost-window', days]);
      expectExit(bad, 1);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toContain(`cvctl: error: --cost-window must be a whole number of days from 1 to 366, got '${days}'`);
    }
  });

  it('a usage table cvctl cannot read: a warning, no estimate, never a failed plan', async () => {
    await ws.withDb((db) => db.query('alter table usage_daily rename column input_tokens to tokens_in'));
    try {
      const r = await ws.cli(['plan', 'repo', '--output', 'json']);
      expectExit(r, 0);
      const plan = JSON.parse(r.stdout);
      expect(plan.cost).toBeUndefined();
      expect(plan.warnings).toContainEqual({ code: 'cost-estimate', message: expect.stringContaining('usage_daily has no column input_tokens') });
    } finally {
      await ws.withDb((db) => db.query('alter table usage_daily rename column tokens_in to input_tokens'));
    }
  });

  it('a policy violation: plan renders and saves the plan, exits 1; apply refuses it with or without --plan, nothing written', async () => {
    ws.write('repo/policy.yaml', POLICY);
    const at = positionsOf(POLICY, 'maxMonthlyCostIncrease')[0];
    const where = `repo/policy.yaml:${at.line}:${at.column}`;
    const before = await ws.withDb(snapshot);

    const saved = await ws.cli(['plan', 'repo', '--out', 'plan.json', '--no-color']);
    expectExit(saved, 1);
    expect(saved.stdout).toContain('Cost impact');
    expect(saved.stdout).toContain(`Policy: 1 violation; cvctl apply refuses this plan:\n  ✗ ${where}: policy-cost-increase: the plan raises the estimated monthly cost by $70.00`);
    expect(saved.stderr).toContain(`${where} error policy-cost-increase the plan raises the estimated monthly cost by $70.00`);
    expect(saved.stderr).toContain('cvctl: error: the plan violates the policy (1 violation); apply refuses it');
    const file = path.join(ws.cwd, 'plan.json');
    const plan = parsePlan(fs.readFileSync(file, 'utf8'));
    expect(plan.policy!.violations).toEqual([expect.objectContaining({ code: 'policy-cost-increase', file: 'repo/policy.yaml', line: at.line, column: at.column })]);

    const md = await ws.cli(['plan', 'repo', '--output', 'markdown']);
    expectExit(md, 1);
    expect(md.stdout).toContain('> **Policy: 1 violation; cvctl apply refuses this plan.**');
    const shown = await ws.cli(['show', 'plan.json', '--no-color']);
    expectExit(shown, 0);
    expect(shown.stdout).toContain('  before $510.00, after $580.00: +$70.00');
    expect(shown.stdout).toContain(`✗ ${where}: policy-cost-increase`);

    for (const args of [['apply', '--plan', 'plan.json', '--auto-approve'], ['apply', 'repo', '--auto-approve']]) {
      const r = await ws.cli(args);
      expectExit(r, 1);
      expect(r.stderr).toContain(`the plan violates the policy (1 violation); apply refuses it. Nothing was written:\n  ${where}: policy-cost-increase:`);
    }
    // The saved plan with its violations removed and its digest recomputed: the tag refuses it.
    fs.writeFileSync(file, serializePlan({ ...plan, policy: { violations: [] } }));
    const edited = await ws.cli(['apply', '--plan', 'plan.json', '--auto-approve']);
    expectExit(edited, 1);
    expect(edited.stderr).toContain('cvctl: error: the saved plan does not match its authentication tag');
    expect(await ws.withDb(snapshot)).toEqual(before);

    // Within the policy (a bigger allowance): plan exits 0 with an empty violations list.
    ws.write('repo/policy.yaml', POLICY.replace('50', '100'));
    const ok = await ws.cli(['plan', 'repo', '--output', 'json']);
    expectExit(ok, 0);
    expect(JSON.parse(ok.stdout).policy).toEqual({ violations: [] });
  });
});
