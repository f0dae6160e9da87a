// Drift of models, backends and grants on a real database (issue 15 part 5): apply the files,
// change rows as the console would (SQL), then `cvctl drift --output json`. Each console edit
// gets the label CONTRACT.md section 4 gives it: a weight edited or a backend removed is
// `drift`, a grant nobody declares is `unmanaged`, the files and the console both changing a
// value is `conflict`, and a managed model deleted outside cvctl is `drift`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { targets } from '../support/db';
import { appliedVersions, expectExit, ROUTING_ENV, ROUTING_PROVIDER, type Workspace } from '../export/workspace';

const files = (weight: number): string => `version: 1
${ROUTING_PROVIDER}models:
  - name: chat
    backends:
      - {providerModel: openai-prod/gpt-4o, weight: ${weight}}
      - {providerModel: openai-prod/gpt-4o-mini, weight: 100}
accessGrants:
  - model: chat
    subject: {group: engineering}
    limits: {requestsPerMinute: 600}
`;
const ENV = ROUTING_ENV;
const BACKEND = `model_backends where model_id = (select id from models where name = 'chat')
  and provider_model_id = (select id from provider_models where model_id = 'gpt-4o')`;

interface Report {
  driftSummary: Record<string, number>;
  changes: Array<{ action: string; resource: Record<string, string>; drift: string; reason?: string; fields?: Array<{ path: string; drift?: string }> }>;
}

describe.each(targets)('drift of models, backends and grants on %s', (target) => {
  let ws: Workspace;
  jest.setTimeout(240_000);

  beforeAll(async () => {
    ws = await appliedVersions(target, `cvctl-routing-drift-${target}-`, { v1: files(100), v2: files(50) }, ENV);
  });
  afterAll(async () => ws.cleanup());
  // Each test starts from the applied files, whatever the one before it left.
  afterEach(async () => {
    await sql(`delete from access_grants where subject = 'console-team'`);
    await sql(`delete from provider_models where model_id = 'o1'`);
    await sql(`delete from models where name = 'console-bot'`);
    await restore();
  });

  const sql = (q: string): Promise<unknown> => ws.withDb((db) => db.query(q));
  async function drift(dir = 'v1'): Promise<Report> {
    const r = await ws.cvctl(['drift', dir, '--output', 'json'], ENV);
    expectExit(r, 2, 'drift');
    return JSON.parse(r.stdout) as Report;
  }
  const id = (r: Record<string, string>): string => [r.model, r.provider, r.name, r.subject].filter((x) => x !== undefined).join('/');
  const brief = (r: Report): string[] =>
    r.changes.map((c) => `${c.action} ${id(c.resource)} [${c.drift}]${(c.fields ?? []).filter((f) => f.drift).map((f) => ` ${f.path}:${f.drift}`).join('')}`);
  const restore = async (): Promise<void> => {
    expectExit(await ws.cvctl(['apply', 'v1', '--auto-approve', '--allow-delete', '-q'], ENV), 0, 'apply to restore');
    expectExit(await ws.cvctl(['drift', 'v1'], ENV), 0, 'drift after restoring');
  };

  test('right after apply: no drift', async () => {
    const r = await ws.cvctl(['drift', 'v1'], ENV);
    expectExit(r, 0, 'drift');
  });

  test('a weight edited in the console: drift on that backend', async () => {
    await sql(`update ${BACKEND.replace('model_backends where', 'model_backends set weight = 30 where')}`);
    expect(brief(await drift())).toEqual(['update chat/openai-prod/gpt-4o [drift] weight:drift']);
  });

  test('a backend removed in the console: drift, deleted since the last apply', async () => {
    await sql(`delete from ${BACKEND}`);
    const r = await drift();
    expect(brief(r)).toEqual(['create chat/openai-prod/gpt-4o [drift]']);
    expect(r.changes[0].reason).toBe('deleted in the database since the last apply');
  });

  test('a backend added in the console to a managed model: drift (the files still say what was applied)', async () => {
    await sql(`insert into provider_models (provider_id, model_id, kind, status, source) select id, 'o1', 'chat', 'active', 'custom' from providers where name = 'openai-prod'`);
    await sql(`insert into model_backends (model_id, provider_model_id, priority, weight, status)
      select m.id, pm.id, 3, 100, 'active' from models m, provider_models pm where m.name = 'chat' and pm.model_id = 'o1'`);
    const r = await drift();
    expect(brief(r)).toContain('delete chat/openai-prod/o1 [drift]');
    expect(r.changes.find((c) => c.resource.name === 'o1' && c.resource.type === 'modelBackend')?.reason).toBe('added in the database since the last apply');
  });

  test('a grant added in the console: unmanaged', async () => {
    await sql(`insert into access_grants (model_id, subject_type, subject, limits) select id, 'group', 'console-team', '{}' from models where name = 'chat'`);
    expect(brief(await drift())).toEqual(['none chat/group:console-team [unmanaged]']);
  });

  test('a model made in the console, when the files declare models: unmanaged', async () => {
    await sql(`insert into models (name) values ('console-bot')`);
    expect(brief(await drift())).toEqual(['none console-bot [unmanaged]']);
  });

  test('the files and the console both change the weight: conflict', async () => {
    await sql(`update ${BACKEND.replace('model_backends where', 'model_backends set weight = 30 where')}`);
    expect(brief(await drift('v2'))).toEqual(['update chat/openai-prod/gpt-4o [conflict] weight:conflict']);
  });

  test('a managed model deleted in the console: drift (cvctl_deleted_routing_rows)', async () => {
    await sql(`delete from models where name = 'chat'`);
    const r = await drift();
    expect(brief(r)).toEqual([
      'create chat [drift]',
      'create chat/openai-prod/gpt-4o [drift]',
      'create chat/openai-prod/gpt-4o-mini [drift]',
      'create chat/group:engineering [drift]',
    ]);
    expect(r.driftSummary.drift).toBe(4);
  });

  test('a model the files add, never applied: it and its backends and grants are pending (not conflict)', async () => {
    fs.mkdirSync(path.join(ws.work, 'v3'), { recursive: true });
    const extra = `  - name: chat-new\n    backends:\n      - {providerModel: openai-prod/gpt-4o}\n`;
    fs.writeFileSync(path.join(ws.work, 'v3', 'all.yaml'), files(100).replace('accessGrants:\n', `${extra}accessGrants:\n  - {model: chat-new, subject: {group: ops}}\n`));
    expect(brief(await drift('v3'))).toEqual([
      'create chat-new [pending]',
      'create chat-new/openai-prod/gpt-4o [pending]',
      'create chat-new/group:ops [pending]',
    ]);
  });
});
