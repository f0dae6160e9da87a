// `cvctl drift` and `cvctl export` need nothing but SELECT: run them as a role that can only
// read, on real PostgreSQL (roles are cluster-wide, so the name is random and the role is
// dropped after). The same role makes `apply` fail with the read-only error, writing nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { dumpRows } from '../support/dump';
import { hasPostgres, withAdmin } from '../support/db';
import { expectExit, workspace, type Workspace } from '../export/workspace';

const FILES = `version: 1
providers:
  - name: openai-prod
    kind: openai
    labels: {team: platform}
    credentials:
      apiKey: {from: env, name: OPENAI_API_KEY}
    models:
      custom:
        - {id: gpt-4o, kind: chat, contextWindow: 128000, pricing: {inputPerMTok: 2.5, outputPerMTok: 10}}
`;
const ENV = { OPENAI_API_KEY: 'sk-test-1234567890abcdef' };

(hasPostgres ? describe : describe.skip)('a read-only database role', () => {
  let ws: Workspace;
  const role = `cvctl_ro_${randomBytes(5).toString('hex')}`;
  let roUrl: string;

  beforeAll(async () => {
    ws = await workspace('postgres', 'cvctl-readonly-');
    fs.mkdirSync(path.join(ws.work, 'v1'));
    fs.writeFileSync(path.join(ws.work, 'v1', 'providers.yaml'), FILES);
    expectExit(await ws.cvctl(['apply', 'v1', '--auto-approve', '-q'], ENV), 0, 'apply as owner');
    const u = new URL(ws.url as string);
    await withAdmin((c) => c.query(`create role ${role} login`));
    await ws.withDb(async (db) => {
      await db.query(`grant connect on database ${u.pathname.slice(1)} to ${role}`);
      await db.query(`grant select on all tables in schema public to ${role}`);
    });
    u.username = role;
    roUrl = u.toString();
  });

  afterAll(async () => {
    await ws.cleanup(); // drops the database, and with it the role's grants
    await withAdmin((c) => c.query(`drop role if exists ${role}`));
  });

  const asReader = (args: string[], env: Record<string, string> = ENV) => ws.cvctl(['--database-url', roUrl, ...args], env);

  test('drift works: exit 0 with nothing to report, 2 after a console edit', async () => {
    const clean = await asReader(['drift', 'v1']);
    expectExit(clean, 0, 'drift');
    expect(clean.stdout).toBe('No drift: the database matches the files and the last apply.\n');
    await ws.withDb((db) => db.query(`update providers set labels = '{"team": "finance"}' where name = 'openai-prod'`));
    const drifted = await asReader(['drift', 'v1', '--output', 'json']);
    expectExit(drifted, 2, 'drift after an edit');
    expect(JSON.parse(drifted.stdout).driftSummary.drift).toBe(1);
    await ws.withDb((db) => db.query(`update providers set labels = '{"team": "platform"}' where name = 'openai-prod'`));
  });

  test('export works', async () => {
    const r = await asReader(['export']);
    expectExit(r, 0, 'export');
    expect(r.stdout).toContain('name: openai-prod');
  });

  test('apply fails with the read-only error and writes nothing', async () => {
    const before = await ws.withDb(async (db) => ({ rows: await dumpRows(db), runs: (await db.query('select count(*)::int as n from cvctl_runs')).rows }));
    const r = await asReader(['apply', 'v1', '--auto-approve'], { OPENAI_API_KEY: 'sk-test-rotated-000000000' });
    expectExit(r, 1, 'apply as a reader');
    expect(r.stderr).toContain('cvctl: error: the database refused the operation: permission denied');
    expect(r.stderr).toContain('a role without the needed privileges?');
    expect(r.stderr).not.toContain('    at '); // no stack trace
    const after = await ws.withDb(async (db) => ({ rows: await dumpRows(db), runs: (await db.query('select count(*)::int as n from cvctl_runs')).rows }));
    expect(after).toEqual(before);
  });
});
