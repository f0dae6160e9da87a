// docs/security.md's database roles and grants, run for real: the two SQL blocks are taken
// from the doc, run on PostgreSQL (role and database names suffixed so parallel runs never
// collide), and each cvctl command is run as the role the doc says is enough for it. A grant
// the doc forgets, or one cvctl stops needing to be refused, fails here. Skipped without
// PostgreSQL (the embedded database has no roles).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { adminUrl, hasPostgres, withAdmin } from '../support/db';
import { runCli, type CliResult } from '../support/cli';
import { ROOT } from '../github/support';

const doc = fs.readFileSync(path.join(ROOT, 'docs', 'security.md'), 'utf8');

/** The ```sql block whose first line is `firstLine`. */
function sqlBlock(firstLine: string): string {
  const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const b = blocks.find((x) => x.startsWith(firstLine));
  if (!b) throw new Error(`docs/security.md has no sql block starting with ${firstLine}`);
  return b;
}

const ROLES = ['migrate', 'plan', 'apply', 'rotate'] as const;
type Role = (typeof ROLES)[number];

(hasPostgres ? describe : describe.skip)('docs/security.md: database grants are enough, and no more than needed', () => {
  const suffix = randomBytes(4).toString('hex');
  const dbName = `cvctl_t_grants_${suffix}`;
  const rename = (sql: string): string =>
    sql.replace(/\bcodevector\b/g, dbName).replace(/\bcvctl_(migrate|plan|apply|rotate)\b/g, `cvctl_$1_${suffix}`);
  const urlOf = (role: Role): string => {
    const u = new URL(adminUrl);
    u.username = `cvctl_${role}_${suffix}`;
    u.password = 'change-me';
    u.pathname = `/${dbName}`;
    return u.toString();
  };
  let cwd: string;
  const key = { OPENAI_API_KEY: 'sk-proj-grants-test-0123456789' };
  const cvctl = (role: Role, args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    runCli(['--database-url', urlOf(role), ...args], { cwd, env: { ...key, ...env } });

  beforeAll(async () => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-grants-'));
    fs.cpSync(path.join(ROOT, 'examples', 'basic'), path.join(cwd, 'providers'), { recursive: true });
    await withAdmin((c) => c.query(`create database ${dbName}`));
    const c = new Client({ connectionString: new URL(`/${dbName}`, adminUrl).toString() });
    await c.connect();
    try {
      await c.query(rename(sqlBlock('-- As a superuser')));
    } finally {
      await c.end();
    }
  }, 120_000);

  afterAll(async () => {
    await withAdmin(async (c) => {
      await c.query(`drop database if exists ${dbName} with (force)`);
      for (const r of ROLES) await c.query(`drop role if exists cvctl_${r}_${suffix}`);
    });
    fs.rmSync(cwd, { recursive: true, force: true });
  }, 60_000);

  it('cvctl_migrate runs db migrate, then the grants as the owner of the tables', async () => {
    const r = await cvctl('migrate', ['db', 'migrate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = new Client({ connectionString: urlOf('migrate') });
    await c.connect();
    try {
      await c.query(rename(sqlBlock('-- As cvctl_migrate')));
    } finally {
      await c.end();
    }
  }, 60_000);

  it('cvctl_plan can plan but not apply', async () => {
    const plan = await cvctl('plan', ['plan', 'providers', '--detailed-exitcode', '--out', 'plan.json']);
    expect(plan.stderr).toContain('Saved the plan');
    expect(plan.code).toBe(2);
    const apply = await cvctl('plan', ['apply', '--plan', 'plan.json', '--auto-approve']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/permission denied for table providers/);
  }, 60_000);

  it('cvctl_apply applies (inserts, fingerprint key, history with its sequence)', async () => {
    const r = await cvctl('apply', ['apply', '--plan', 'plan.json', '--auto-approve']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Apply complete: \d+ created/);
  }, 60_000);

  it('cvctl_apply updates a credential and deletes a model whose backends cascade (no grant on model_backends)', async () => {
    const su = new Client({ connectionString: new URL(`/${dbName}`, adminUrl).toString() });
    await su.connect();
    try {
      await su.query(`insert into models (name) values ('support-bot')`);
      await su.query(
        `insert into model_backends (model_id, provider_model_id)
           select m.id, pm.id from models m, provider_models pm where m.name = 'support-bot' and pm.model_id = 'gpt-4o-mini'`,
      );
      const file = path.join(cwd, 'providers', 'providers.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('exclude: [gpt-3.5-turbo]', 'exclude: [gpt-3.5-turbo, gpt-4o-mini]'));
      const r = await cvctl('apply', ['apply', 'providers', '--auto-approve', '--allow-delete'], { OPENAI_API_KEY: 'sk-proj-rotated-key-987654321' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('deletes 1 model backend');
      expect(r.stdout).toContain('Apply complete: 0 created, 1 updated, 0 disabled, 0 enabled, 1 deleted.');
      expect((await su.query('select count(*)::int as n from model_backends')).rows[0].n).toBe(0);
    } finally {
      await su.end();
    }
  }, 60_000);

  it('cvctl_plan runs drift, export and history (read-only)', async () => {
    const env = { OPENAI_API_KEY: 'sk-proj-rotated-key-987654321' };
    const drift = await cvctl('plan', ['drift', 'providers'], env);
    expect(drift.stderr).toBe('');
    expect(drift.code).toBe(0);
    const exp = await cvctl('plan', ['export']);
    expect(exp.code).toBe(0);
    expect(exp.stdout).toContain('name: openai-prod');
    const hist = await cvctl('plan', ['history']);
    expect(hist.code).toBe(0);
    expect(hist.stdout.trim().split('\n')).toHaveLength(3);
  }, 60_000);

  it('cvctl_rotate re-wraps the data keys; cvctl_plan cannot', async () => {
    const denied = await cvctl('plan', ['kek', 'rotate', '--to', 'local://kek-2']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/permission denied for table (providers|cvctl_keys)/);
    const r = await cvctl('rotate', ['kek', 'rotate', '--to', 'local://kek-2']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows re-wrapped: +1\n/);
    const plan = await cvctl('plan', ['--kms', 'local://kek-2', 'plan', 'providers', '--detailed-exitcode'], { OPENAI_API_KEY: 'sk-proj-rotated-key-987654321' });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
  }, 60_000);
});
