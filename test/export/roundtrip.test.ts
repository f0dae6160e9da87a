// The acceptance criterion of `cvctl export`, through the CLI on both targets:
// - a cvctl-managed database (the platform example, applied): export → validate → plan shows
//   no changes at all;
// - a database built by hand in the console (managed_by null, no fingerprints): export
//   --include-unmanaged → validate → plan --adopt --no-resolve-secrets shows only adopt steps,
//   no field changes; after the adopting apply, export gives the same files again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { bundledCatalog } from '../../src/catalog/catalog';
import { envVarName } from '../../src/export/document';
import type { ProviderKind } from '../../src/domain/kinds';
import { CATALOG_VERSION } from '../../src/domain/kinds';
import { targets } from '../support/db';
import { expectExit, workspace, type Workspace } from './workspace';
import { secretFor } from '../support/fake-secrets';

const REPO = path.resolve(__dirname, '../..');

/** The platform example with every credential read from an environment variable. */
function envifiedPlatform(dest: string): Record<string, string> {
  const env: Record<string, string> = {};
  const src = path.join(REPO, 'examples/platform/providers');
  fs.mkdirSync(dest, { recursive: true });
  for (const f of fs.readdirSync(src)) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(src, f), 'utf8')).map((d) => {
      const js = d.toJS() as { providers: Array<{ name: string; credentials?: Record<string, unknown> }> };
      for (const p of js.providers) {
        for (const field of Object.keys(p.credentials ?? {})) {
          const name = `SRC_${envVarName(p.name, field)}`;
          p.credentials![field] = { from: 'env', name };
          env[name] = secretFor(p.name, field);
        }
      }
      return stringify(js);
    });
    fs.writeFileSync(path.join(dest, f), docs.join('---\n'));
  }
  return env;
}

/** Every variable export asked for, set to the value the database holds. */
function exportedEnv(stderr: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of stderr.matchAll(/^ {2}([A-Z0-9_]+)\s+provider '([^']+)', credentials\.(\w+)$/gm)) {
    env[m[1] as string] = secretFor(m[2] as string, m[3] as string);
  }
  return env;
}

function readDir(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** SQL as the console would write it: no managed_by, no fingerprints, no last-applied record. */
function consoleSql(): string {
  const cat = bundledCatalog();
  const q = (v: unknown): string => (v === null ? 'null' : `'${JSON.stringify(v).replace(/'/g, "''")}'`);
  const s = (v: string | null): string => (v === null ? 'null' : `'${v.replace(/'/g, "''")}'`);
  const providers: Array<[string, ProviderKind, string, unknown, unknown, string | null]> = [
    ['openai-console', 'openai', 'active', { organization: 'org-1' }, { team: 'platform', 'app.kubernetes.io/name': 'gateway' }, 'sk-proj-'],
    ['anthropic-console', 'anthropic', 'disabled', { version: '2023-06-01' }, { team: 'research' }, 'sk-ant-'],
    ['bedrock-role', 'bedrock', 'active', { region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/gw' }, {}, null],
    ['azure-console', 'azure', 'active', { endpoint: 'https://acme.openai.azure.com/', apiVersion: '2024-10-21', deployments: { 'gpt-4o': 'gpt-4o-prod', 'gpt-4.1': 'gpt41' } }, { env: 'prod' }, 'abcd'],
    ['vllm', 'openai-compatible', 'active', { baseUrl: 'http://vllm.internal:8000/v1' }, {}, null],
    ['vertex-console', 'vertex', 'active', { project: 'acme-ml-prod', location: 'europe-west4' }, { 'cost-center': 'cc-1' }, 'gw@acme.iam.gserviceaccount.com'],
  ];
  const lines = providers.map(
    ([name, kind, status, config, labels, prefix]) =>
      `insert into providers (name, kind, status, config, labels, credential_prefix, credential_updated_at) values (${s(name)}, ${s(kind)}, ${s(status)}, ${q(config)}, ${q(labels)}, ${s(prefix)}, ${prefix ? 'now()' : 'null'});`,
  );
  const model = (provider: string, id: string, kind: string, status: string, ctx: number | null, pricing: unknown, source: string): string =>
    `insert into provider_models (provider_id, model_id, kind, status, context_window, pricing, source) select id, ${s(id)}, ${s(kind)}, ${s(status)}, ${ctx ?? 'null'}, ${q(pricing)}, ${s(source)} from providers where name = ${s(provider)};`;
  const imported = (provider: string, kind: ProviderKind, exclude: string[], edit: (id: string) => { status?: string; ctx?: number; pricing?: unknown } = () => ({})) => {
    for (const m of cat.models(kind, CATALOG_VERSION)) {
      if (exclude.includes(m.id)) continue;
      const e = edit(m.id);
      lines.push(model(provider, m.id, m.kind, e.status ?? 'active', e.ctx ?? m.contextWindow, e.pricing ?? m.pricing, `catalog:${CATALOG_VERSION}`));
    }
  };
  imported('openai-console', 'openai', ['gpt-3.5-turbo', 'o1-pro', 'text-embedding-ada-002'], (id) =>
    id === 'gpt-4o' ? { status: 'disabled' } : id === 'o3' ? { pricing: { inputPerMTok: 1.5, outputPerMTok: 6 } } : {},
  );
  lines.push(model('openai-console', 'ft:gpt-4o-mini-2024-07-18:acme:support:abc123', 'chat', 'active', 128000, { inputPerMTok: 0.3, outputPerMTok: 1.2 }, 'custom'));
  imported('anthropic-console', 'anthropic', [], (id) => (id === 'claude-haiku-4-5' ? { ctx: 100000 } : {}));
  imported('azure-console', 'azure', ['o1', 'o3-mini']);
  imported('vertex-console', 'vertex', []);
  lines.push(model('vllm', 'meta-llama/Llama-3.3-70B-Instruct', 'chat', 'active', 131072, { inputPerMTok: 0, outputPerMTok: 0 }, 'custom'));
  lines.push(model('vllm', 'BAAI/bge-m3', 'embedding', 'disabled', null, null, 'custom'));
  return lines.join('\n');
}

describe.each(targets)('export round trip on %s', (target) => {
  let ws: Workspace;
  beforeEach(async () => {
    ws = await workspace(target, `cvctl-export-${target}-`);
  });
  afterEach(async () => {
    await ws.cleanup();
  });

  // The embedded database takes seconds to open, once per command.
  jest.setTimeout(180_000);

  test('a cvctl-managed database (the platform example): export → validate → plan shows no changes', async () => {
    const env = envifiedPlatform(path.join(ws.work, 'platform'));
    expectExit(await ws.cvctl(['apply', 'platform', '--auto-approve', '-q'], env), 0, 'apply');
    const exp = await ws.cvctl(['export', '--out', 'exported']);
    expectExit(exp, 0, 'export');
    const files = readDir(path.join(ws.work, 'exported'));
    expect(Object.keys(files)).toHaveLength(14);
    expect(files['openai-main.yaml']).toMatch(/^# yaml-language-server: \$schema=https:\/\/codevector\.dev\/schemas\/cvctl\/providers\.schema\.json\n/);
    expect(files['openai-main.yaml']).toContain('catalog: "2026.04.15"');
    expect(files['openai-main.yaml']).not.toContain('sk-');
    const vars = exportedEnv(exp.stderr);
    expect(Object.keys(vars)).toContain('OPENAI_MAIN_API_KEY');
    expect(Object.keys(vars)).not.toContain('BEDROCK_US_ACCESS_KEY_ID'); // assumes a role: no keys

    expectExit(await ws.cvctl(['validate', 'exported']), 0, 'validate');
    const plan = await ws.cvctl(['plan', 'exported', '--detailed-exitcode'], vars);
    expectExit(plan, 0, 'plan');
    expect(plan.stdout).toBe('No changes. The database matches the files.\n');
    expectExit(await ws.cvctl(['plan', 'exported', '--no-resolve-secrets', '--detailed-exitcode']), 0, 'plan without secrets');
    // And nothing drifted: the database is what the (original) files and the last apply say.
    expectExit(await ws.cvctl(['drift', 'platform'], env), 0, 'drift');
  });

  test('models, routing and grants (the platform example whole): export → validate → plan shows no changes', async () => {
    const env = envifiedPlatform(path.join(ws.work, 'platform'));
    fs.cpSync(path.join(REPO, 'examples/platform/models'), path.join(ws.work, 'platform', 'models'), { recursive: true });
    expectExit(await ws.cvctl(['apply', 'platform', '--auto-approve', '-q'], env), 0, 'apply');
    const counts = await ws.withDb(async (db) => (await db.query<{ m: number; b: number; g: number }>(
      'select (select count(*) from models)::int as m, (select count(*) from model_backends)::int as b, (select count(*) from access_grants)::int as g',
    )).rows[0]);
    expect(counts.m).toBeGreaterThan(0);
    expect(counts.b).toBeGreaterThan(counts.m);
    expect(counts.g).toBeGreaterThan(0);
    const exp = await ws.cvctl(['export', '--out', 'exported']);
    expectExit(exp, 0, 'export');
    const models = fs.readdirSync(path.join(ws.work, 'exported', 'models'));
    expect(models).toHaveLength(counts.m);
    expectExit(await ws.cvctl(['validate', 'exported']), 0, 'validate');
    const plan = await ws.cvctl(['plan', 'exported', '--detailed-exitcode'], exportedEnv(exp.stderr));
    expectExit(plan, 0, 'plan');
    expect(plan.stdout).toBe('No changes. The database matches the files.\n');
  });

  test('a console-built database: export --include-unmanaged → plan --adopt shows only adoptions', async () => {
    await ws.withDb((db) => db.query(consoleSql()));
    const none = await ws.cvctl(['export']);
    expectExit(none, 0, 'export without --include-unmanaged');
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain("no providers, models or access grants managed by scope 'default'");

    const exp = await ws.cvctl(['export', '--include-unmanaged', '--out', 'exported']);
    expectExit(exp, 0, 'export');
    const first = readDir(path.join(ws.work, 'exported'));
    expect(first['openai-console.yaml']).toContain('exclude:\n        - gpt-3.5-turbo\n        - o1-pro\n        - text-embedding-ada-002\n');
    expect(first['openai-console.yaml']).toContain('- id: gpt-4o\n          status: disabled\n');
    expect(first['openai-console.yaml']).toContain('- id: o3\n          pricing: {inputPerMTok: 1.5, outputPerMTok: 6}\n');
    expect(first['bedrock-role.yaml']).not.toContain('credentials');
    expect(first['vllm.yaml']).not.toContain('credentials');
    expect(exp.stderr).not.toContain('warning');
    expectExit(await ws.cvctl(['validate', 'exported']), 0, 'validate');

    const plan = await ws.cvctl(['plan', 'exported', '--adopt', '--no-resolve-secrets', '--output', 'json']);
    expectExit(plan, 0, 'plan --adopt');
    const json = JSON.parse(plan.stdout) as { changes: Array<{ action: string; adopt?: boolean; fields?: Array<{ path: string; after: unknown }> }> };
    // One adoption per row: every provider and every provider model.
    const rows = await ws.withDb(async (db) =>
      (await db.query<{ n: number }>('select (select count(*) from providers) + (select count(*) from provider_models) as n')).rows[0],
    );
    expect(json.changes).toHaveLength(Number(rows?.n));
    for (const c of json.changes) {
      expect(c.action).toBe('update');
      expect(c.adopt).toBe(true);
      // The console stored no fingerprints: a credential can only show as "added, value unknown".
      for (const f of c.fields ?? []) {
        expect(f.path).toMatch(/^credentials\./);
        expect(f.after).toMatchObject({ sensitive: true, unknown: true });
      }
    }

    const vars = exportedEnv(exp.stderr);
    expect(Object.keys(vars).sort()).toEqual(['ANTHROPIC_CONSOLE_API_KEY', 'AZURE_CONSOLE_API_KEY', 'OPENAI_CONSOLE_API_KEY', 'VERTEX_CONSOLE_SERVICE_ACCOUNT_JSON']);
    expectExit(await ws.cvctl(['apply', 'exported', '--adopt', '--auto-approve', '-q'], vars), 0, 'apply --adopt');
    expectExit(await ws.cvctl(['plan', 'exported', '--detailed-exitcode'], vars), 0, 'plan after adopting');
    expectExit(await ws.cvctl(['drift', 'exported'], vars), 0, 'drift after adopting');
    // Now managed: a plain export (this scope) writes the same files again.
    const again = await ws.cvctl(['export', '--out', 'exported', '--force']);
    expectExit(again, 0, 'export again');
    expect(readDir(path.join(ws.work, 'exported'))).toEqual(first);
  });
});
