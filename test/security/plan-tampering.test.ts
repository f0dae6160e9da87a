// A saved plan is applied as shown or not at all (CONTRACT.md section 4). Every tampering an
// attacker with write access to the plan file (a CI artifact, a fork's workflow) can try is
// refused by `apply --plan` with one line on stderr, exit 1, and every table unchanged; the
// consistency check and the apply-time guards are also tested ALONE, on plans re-signed with
// the real key (as if the tag had been forged), so that none of them leans on the tag.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, type CliResult } from '../support/cli';
import { freshDatabase, targets, type DbTarget, type FreshDatabase } from '../support/db';
import type { Database } from '../../src/state/database';
import type { Change, Plan, ProviderTarget } from '../../src/plan/types';
import { planDigest, serializePlan } from '../../src/plan/serialize';
import { PLAN_KEY_LABEL, signPlan } from '../../src/plan/auth';
import { databaseIdentity } from '../../src/state/keys';
import { loadFingerprintKey } from '../../src/crypto/fingerprint';
import { openLocalKek } from '../../src/crypto/local-kek';
import { openDatabase } from '../../src/state/connect';
import { migrate } from '../../src/state/migrations';

const KEY = 'sk-proj-tamperTEST0123456789abcdefghij';

const V1 = `version: 1
providers:
  - name: openai-main
    kind: openai
    labels: {team: a}
    config: {organization: org-1}
    credentials:
      apiKey: {from: env, name: OPENAI_API_KEY}
    models:
      custom:
        - {id: gpt-4o, kind: chat}
  - name: keep-me
    kind: openai-compatible
    protected: true
    config: {baseUrl: "https://llm.internal.example/v1"}
`;
// The reviewed change: one label.
const V2 = V1.replace('labels: {team: a}', 'labels: {team: b}');
const V3 = V1.replace('labels: {team: a}', 'labels: {team: c}');
// V2 plus a new provider with a credential.
const V4 = `${V2}  - name: openai-new
    kind: openai
    credentials:
      apiKey: {from: env, name: OPENAI_API_KEY}
`;

/** Every table cvctl writes, as canonical text; history without its records of refused applies (checked apart). */
async function snapshot(db: Database): Promise<string> {
  const out: Record<string, string[]> = {};
  for (const t of ['providers', 'provider_models', 'models', 'model_backends', 'access_grants', 'cvctl_keys']) {
    const r = await db.query<{ j: string }>(`select to_jsonb(x)::text as j from ${t} x`);
    out[t] = r.rows.map((row) => row.j).sort();
  }
  const runs = await db.query<{ j: string }>(`select to_jsonb(x)::text as j from cvctl_runs x where result in ('applied', 'noop', 'failed')`);
  out.cvctl_runs = runs.rows.map((row) => row.j).sort();
  return JSON.stringify(out);
}

interface Workspace {
  dir: string;
  fresh: FreshDatabase;
  cli(args: string[], env?: Record<string, string>): Promise<CliResult>;
  read(file: string): Plan;
  write(file: string, plan: Plan | string): void;
}

/**
 * PGlite test databases are copies of one template, so they share the cluster's system
 * identifier like a copied data directory would; `initdb`: a database of its own, as a new
 * embedded database (or another PostgreSQL cluster) has.
 */
async function initdbPglite(): Promise<FreshDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-tamper-initdb-'));
  const db = await openDatabase({ embeddedDir: dir });
  await migrate(db);
  return {
    db,
    dir,
    async cleanup() {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function workspace(target: DbTarget, dir?: string, o: { initdb?: boolean } = {}): Promise<Workspace> {
  const work = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-tamper-'));
  const fresh = o.initdb && target === 'pglite' ? await initdbPglite() : await freshDatabase(target);
  const url = fresh.url ? ['--database-url', fresh.url] : [];
  return {
    dir: work,
    fresh,
    cli: (args, env = {}) => runCli([...url, ...args], { cwd: work, env: { OPENAI_API_KEY: KEY, ...env }, database: fresh.db }),
    read: (file) => JSON.parse(fs.readFileSync(path.join(work, file), 'utf8')) as Plan,
    // A Plan is written as cvctl writes it (an attacker can normalise the text too), so the check
    // under test is reached rather than the exact-text check in front of it.
    write: (file, plan) => fs.writeFileSync(path.join(work, file), typeof plan === 'string' ? plan : serializePlan(plan)),
  };
}

function files(ws: Workspace, name: string, yaml: string): string {
  fs.mkdirSync(path.join(ws.dir, name), { recursive: true });
  fs.writeFileSync(path.join(ws.dir, name, 'providers.yaml'), yaml);
  return name;
}

/** What an attacker who edits the file can do: change it and recompute the digest. */
function redigest(plan: Plan): Plan {
  return { ...plan, digest: planDigest(plan) };
}

/** As if the tag had been forged: the edited plan signed with the database's real key. */
async function resign(ws: Workspace, plan: Plan): Promise<string> {
  const kek = await openLocalKek(path.join(ws.dir, '.cvctl', 'kek'), { create: false });
  const fp = await loadFingerprintKey(ws.fresh.db, kek, { create: false });
  if (!fp) throw new Error('the database has no key');
  const key = fp.deriveKey(PLAN_KEY_LABEL);
  const keyRow = await ws.fresh.db.query<{ kek_id: string }>(`select kek_id from cvctl_keys where name = 'fingerprint'`);
  const { auth: _a, ...rest } = plan;
  return serializePlan(signPlan(redigest(rest as Plan), { key, kekId: keyRow.rows[0].kek_id }, await databaseIdentity(ws.fresh.db)));
}

const change = (p: Plan, name: string): Change => p.changes.find((c) => c.resource.type === 'provider' && c.resource.name === name)!;
const main = (p: Plan): Change => change(p, 'openai-main');
const targetOf = (p: Plan): ProviderTarget => main(p).target as ProviderTarget;
const clone = (p: Plan): Plan => JSON.parse(JSON.stringify(p)) as Plan;

describe.each(targets)('saved-plan tampering on %s', (target) => {
  let ws: Workspace;
  let before: string;

  /** apply --plan FILE is refused: exit 1, one line on stderr matching `why`, every table unchanged. */
  async function refused(file: string, why: RegExp, extra: string[] = [], db: Workspace = ws): Promise<string> {
    const snap = await snapshot(db.fresh.db);
    const refusals = async (): Promise<number> =>
      (await db.fresh.db.query<{ n: number }>(`select count(*)::int as n from cvctl_runs where result = 'refused'`)).rows[0].n;
    const before = await refusals();
    const r = await db.cli(['-q', ...extra, 'apply', '--plan', file, '--auto-approve', '--allow-delete']);
    const lines = r.stderr.trim().split('\n');
    expect({ code: r.code, lines: lines.length }).toEqual({ code: 1, lines: 1 });
    expect(lines[0]).toMatch(/^cvctl: error: /);
    expect(lines[0]).toMatch(why);
    expect(await snapshot(db.fresh.db)).toBe(snap);
    // The one write a refusal makes: its record in history, as refused (not as a failure).
    expect(await refusals()).toBe(before + 1);
    return lines[0];
  }

  beforeAll(async () => {
    ws = await workspace(target);
    files(ws, 'v1', V1);
    files(ws, 'v2', V2);
    files(ws, 'v3', V3);
    files(ws, 'v4', V4);
    expect((await ws.cli(['apply', 'v1', '--auto-approve'])).code).toBe(0);
    // A console-made row (no owning scope) next to the managed ones.
    await ws.fresh.db.query(
      `insert into providers (name, kind, config, labels) values ('console-row', 'openai-compatible', '{"baseUrl": "https://console.example/v1"}', '{}')`,
    );
    // And one another scope manages.
    await ws.fresh.db.query(
      `insert into providers (name, kind, config, labels, managed_by) values ('team-b-row', 'openai-compatible', '{"baseUrl": "https://b.example/v1"}', '{}', 'team-b')`,
    );
    expect((await ws.cli(['plan', 'v2', '--out', 'good.json'])).code).toBe(0);
    expect((await ws.cli(['plan', 'v3', '--out', 'other.json'])).code).toBe(0);
    before = await snapshot(ws.fresh.db);
  }, 120_000);

  afterAll(async () => {
    await ws?.fresh.cleanup().catch(() => undefined);
    if (ws) fs.rmSync(ws.dir, { recursive: true, force: true });
  });

  test('the saved plan is authenticated, and show prints exactly what plan printed', async () => {
    const good = ws.read('good.json');
    expect(good.auth).toMatchObject({ alg: 'HMAC-SHA256', keyId: expect.stringMatching(/^[0-9a-f]{16}$/), tag: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(good.auth!.newKey).toBeUndefined(); // the database has its key since the first apply
    for (const output of ['text', 'json', 'markdown']) {
      const planned = await ws.cli(['plan', 'v2', '--output', output, '--out', `shown-${output}.json`]);
      const shown = await ws.cli(['show', `shown-${output}.json`, '--output', output]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toBe(planned.stdout);
      expect(shown.stderr).not.toMatch(/NOT authenticated/);
    }
  });

  describe.each([
    ['status', (t: ProviderTarget) => void (t.status = 'disabled')],
    ['labels', (t: ProviderTarget) => void (t.labels = { team: 'evil' })],
    ['config.baseUrl', (t: ProviderTarget) => void (t.config = { ...t.config, baseUrl: 'https://attacker.example/v1' })],
  ])('an edit of target.%s only', (what, edit) => {
    test('with the digest recomputed: refused by the tag', async () => {
      const p = clone(ws.read('good.json'));
      edit(targetOf(p));
      ws.write(`target-${what}.json`, redigest(p));
      await refused(`target-${what}.json`, /not match its authentication tag: the file was changed/);
    });

    test('with a valid tag: refused by the consistency check alone', async () => {
      const p = clone(ws.read('good.json'));
      edit(targetOf(p));
      ws.write(`target-${what}-signed.json`, await resign(ws, p));
      const line = await refused(`target-${what}-signed.json`, /the plan is inconsistent: provider 'openai-main' writes other values than it shows/);
      expect(line).toContain(what);
    });
  });

  test('a field edited together with its target, digest recomputed: refused by the tag', async () => {
    const p = clone(ws.read('good.json'));
    targetOf(p).labels = { team: 'evil' };
    main(p).fields = main(p).fields!.map((f) => (f.path === 'labels.team' ? { ...f, after: 'evil' } : f));
    ws.write('both.json', redigest(p));
    await refused('both.json', /not match its authentication tag/);
  });

  test('a number canonical JSON spells otherwise (null edited to 1e400, 0 to -0) keeps the tag valid: refused', async () => {
    // labels.tier is added: its field shows `"before": null`, the value the tag covers as `null`.
    files(ws, 'v5', V1.replace('labels: {team: a}', 'labels: {team: a, tier: gold}'));
    expect((await ws.cli(['plan', 'v5', '--out', 'nulls.json'])).code).toBe(0);
    const text = fs.readFileSync(path.join(ws.dir, 'nulls.json'), 'utf8');
    expect(text).toContain('"before": null');
    expect(text).toContain('"delete": 0');
    for (const [file, edited] of [
      ['inf.json', text.replace('"before": null', '"before": 1e400')],
      ['negzero.json', text.replace('"delete": 0', '"delete": -0')],
    ]) {
      expect(edited).not.toBe(text);
      ws.write(file, edited);
      // The digest still matches (it cannot see the edit), so only the reader can refuse it.
      const p = JSON.parse(edited) as Plan;
      expect(planDigest(p)).toBe(p.digest);
      await refused(file, /invalid plan file|holds a number cvctl never writes/);
    }
  });

  test('text quoted from an unverified plan file (scope, resource name, auth.kekId) cannot add lines to the error', async () => {
    // A forged line a CI log reader would take for cvctl's own.
    const forged = '\ncvctl: Apply complete: 0 created, 1 updated, 0 disabled, 0 enabled, 0 deleted.';
    const scope = clone(ws.read('good.json'));
    scope.scope = `default${forged}`;
    ws.write('newline-scope.json', redigest(scope));
    const a = await refused('newline-scope.json', /plan was made for scope 'default\\ncvctl: Apply complete/);
    expect(a).not.toContain('\n');
    const name = clone(ws.read('good.json'));
    const c = main(name);
    c.action = 'bogus' as Change['action'];
    (c.resource as { name: string }).name = `openai-main${forged}`;
    ws.write('newline-name.json', redigest(name));
    await refused('newline-name.json', /invalid plan file: .*openai-main\\ncvctl: Apply complete/);
    const kek = clone(ws.read('good.json'));
    kek.auth!.kekId = `local:0000${forged}`;
    ws.write('newline-kek.json', redigest(kek));
    await refused('newline-kek.json', /signed under KEK local:0000\\ncvctl: Apply complete/);
  });

  /** keep-me (protected) deleted: the change an attacker would add. */
  async function withProtectedDelete(p: Plan): Promise<Plan> {
    const row = await ws.fresh.db.query<{ id: string; v: string }>(`select id::text as id, xmin::text as v from providers where name = 'keep-me'`);
    p.changes.push({
      action: 'delete',
      resource: { type: 'provider', name: 'keep-me' },
      cascade: { providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] },
      reason: 'removed from files',
      expect: { id: row.rows[0].id, rowVersion: Number(row.rows[0].v) },
    });
    p.summary.delete += 1;
    return p;
  }

  test('an added delete of a protected provider: refused by the tag, and by the protected guard alone', async () => {
    ws.write('protected.json', redigest(await withProtectedDelete(clone(ws.read('good.json')))));
    await refused('protected.json', /not match its authentication tag/);
    ws.write('protected-signed.json', await resign(ws, await withProtectedDelete(clone(ws.read('good.json')))));
    await refused('protected-signed.json', /provider 'keep-me' is protected: the plan deletes it/);
    // Without --allow-delete the delete guard speaks first.
    const r = await ws.cli(['-q', 'apply', '--plan', 'protected-signed.json', '--auto-approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pass --allow-delete/);
  });

  /** A label update of `name` (an openai-compatible row at `baseUrl`), and a delete of it. */
  async function foreignChanges(name: string, baseUrl: string): Promise<{ update: Plan; del: Plan }> {
    const row = await ws.fresh.db.query<{ id: string; v: string }>(`select id::text as id, xmin::text as v from providers where name = $1`, [name]);
    const expect_ = { id: row.rows[0].id, rowVersion: Number(row.rows[0].v) };
    const shape = { kind: 'openai-compatible', status: 'active', config: { baseUrl }, protected: false, onRemove: 'delete' };
    const update = clone(ws.read('good.json'));
    update.changes.unshift({
      action: 'update',
      resource: { type: 'provider', name },
      fields: [{ path: 'labels.team', before: null, after: 'x' }],
      cascade: { providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] },
      expect: expect_,
      target: { name, ...shape, labels: { team: 'x' }, credentials: null, lastApplied: {} } as ProviderTarget,
    });
    update.summary.update += 1;
    const del = clone(ws.read('good.json'));
    del.changes.push({ action: 'delete', resource: { type: 'provider', name }, cascade: { providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] }, expect: expect_ });
    del.summary.delete += 1;
    return { update, del };
  }

  test('a change to a row no scope manages, without adopt: refused by the ownership guard alone', async () => {
    const { update, del } = await foreignChanges('console-row', 'https://console.example/v1');
    ws.write('unowned-update.json', await resign(ws, update));
    await refused('unowned-update.json', /provider 'console-row' was not created by cvctl and the plan does not adopt it/);
    ws.write('unowned-delete.json', await resign(ws, del));
    await refused('unowned-delete.json', /provider 'console-row' was not created by cvctl; the plan deletes it/);
  });

  test("a change to another scope's row, even marked adopt: refused by the ownership guard alone", async () => {
    const { update, del } = await foreignChanges('team-b-row', 'https://b.example/v1');
    update.changes[0].adopt = true;
    ws.write('other-scope-update.json', await resign(ws, update));
    await refused('other-scope-update.json', /provider 'team-b-row' is managed by cvctl scope 'team-b', not 'default'/);
    ws.write('other-scope-delete.json', await resign(ws, del));
    await refused('other-scope-delete.json', /provider 'team-b-row' is managed by cvctl scope 'team-b', not 'default'/);
  });

  test('a hand-written create whose credentials reference DATABASE_URL: refused (no tag, or a made-up one)', async () => {
    const p: Plan = {
      formatVersion: 1,
      scope: 'default',
      summary: { create: 1, update: 0, disable: 0, enable: 0, delete: 0 },
      changes: [
        {
          action: 'create',
          resource: { type: 'provider', name: 'exfil' },
          fields: [
            { path: 'name', before: null, after: 'exfil' },
            { path: 'kind', before: null, after: 'openai-compatible' },
            { path: 'status', before: null, after: 'active' },
            { path: 'config.baseUrl', before: null, after: 'https://attacker.example/v1' },
            { path: 'protected', before: null, after: false },
            { path: 'onRemove', before: null, after: 'delete' },
            { path: 'credentials.apiKey', before: null, after: { sensitive: true, changed: true, prefix: null } },
          ],
          cascade: { providerModels: 0, modelBackends: 0, modelsLeftWithoutBackends: [] },
          expect: { absent: true },
          target: {
            name: 'exfil',
            kind: 'openai-compatible',
            status: 'active',
            config: { baseUrl: 'https://attacker.example/v1' },
            labels: {},
            protected: false,
            onRemove: 'delete',
            credentials: { apiKey: { ref: { from: 'env', name: 'DATABASE_URL' }, baseDir: '.', pos: { file: 'x.yaml', line: 1, column: 1 } } },
            lastApplied: {},
          },
        },
      ],
      warnings: [],
      meta: { createdAt: '2026-11-24T12:00:00.000Z', cvctlVersion: '0.1.0', catalogVersion: '2026.04.15', secretsResolved: true },
    };
    ws.write('handwritten.json', serializePlan(p));
    await refused('handwritten.json', /the saved plan is not authenticated: it has no tag/);
    const good = ws.read('good.json');
    ws.write('handwritten-tag.json', serializePlan({ ...p, auth: { ...good.auth!, tag: 'ab'.repeat(32) } }));
    await refused('handwritten-tag.json', /not match its authentication tag/);
  });

  test("a create's credential reference pointed at DATABASE_URL: refused by the tag, and by the displayed prefix alone", async () => {
    expect((await ws.cli(['plan', 'v4', '--out', 'with-create.json'])).code).toBe(0);
    const p = clone(ws.read('with-create.json'));
    const t = change(p, 'openai-new').target as ProviderTarget;
    t.credentials!.apiKey.ref = { from: 'env', name: 'DATABASE_URL' } as never;
    ws.write('exfil-create.json', redigest(p));
    await refused('exfil-create.json', /not match its authentication tag/);
    ws.write('exfil-create-signed.json', await resign(ws, p));
    const snap = await snapshot(ws.fresh.db);
    const r = await ws.cli(['-q', 'apply', '--plan', 'exfil-create-signed.json', '--auto-approve'], { DATABASE_URL: 'postgres://app:hunter2-db-password@db.internal:5432/codevector' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^cvctl: error: the saved plan is stale: credentials\.apiKey of provider 'openai-new' does not resolve to the value the plan showed/)]);
    expect(r.stderr).not.toContain('hunter2');
    expect(await snapshot(ws.fresh.db)).toBe(snap);
  });

  test('a tag copied from another plan: refused', async () => {
    const other = ws.read('other.json');
    const good = ws.read('good.json');
    expect(other.auth!.keyId).toBe(good.auth!.keyId); // same database, same key: only the tag differs
    ws.write('copied-tag.json', serializePlan({ ...other, auth: good.auth }));
    await refused('copied-tag.json', /not match its authentication tag/);
  });

  test('a plan written with --no-resolve-secrets: refused, even with meta.secretsResolved set to true', async () => {
    expect((await ws.cli(['plan', 'v2', '--no-resolve-secrets', '--out', 'untrusted.json'])).code).toBe(0);
    const shown = await ws.cli(['show', 'untrusted.json']);
    expect(shown.code).toBe(0);
    expect(shown.stderr).toMatch(/untrusted\.json is NOT authenticated/);
    await refused('untrusted.json', /the saved plan is not authenticated: it has no tag/);
    const p = ws.read('untrusted.json');
    ws.write('untrusted-meta.json', redigest({ ...p, meta: { ...p.meta!, secretsResolved: true } }));
    await refused('untrusted-meta.json', /the saved plan is not authenticated/);
  });

  test('a plan from another database (with its own key, or none yet): refused', async () => {
    // Same KEK file, another database.
    const other = await workspace(target, fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-tamper-b-')));
    const kekDir = path.join(other.dir, '.cvctl');
    fs.mkdirSync(kekDir, { recursive: true });
    fs.copyFileSync(path.join(ws.dir, '.cvctl', 'kek'), path.join(kekDir, 'kek'));
    files(other, 'v1', V1);
    files(other, 'v2', V2);
    try {
      // No key yet there: the plan carries a new one, which this database (it has a key) refuses.
      expect((await other.cli(['plan', 'v2', '--out', 'keyless.json'])).code).toBe(0);
      expect(other.read('keyless.json').auth!.newKey).toBeDefined();
      const keys = await other.fresh.db.query<{ n: number }>(`select count(*)::int as n from cvctl_keys`);
      expect(keys.rows[0].n).toBe(0); // plan wrote no key
      fs.copyFileSync(path.join(other.dir, 'keyless.json'), path.join(ws.dir, 'from-keyless.json'));
      await refused('from-keyless.json', /made for a database that had no plan-signing key, and this database has one/);
      // Once that database has its own key, its plans name it and are refused here.
      expect((await other.cli(['apply', 'v2', '--auto-approve'])).code).toBe(0);
      expect((await other.cli(['plan', 'v1', '--out', 'keyed.json'])).code).toBe(0);
      fs.copyFileSync(path.join(other.dir, 'keyed.json'), path.join(ws.dir, 'from-keyed.json'));
      await refused('from-keyed.json', /signed with key [0-9a-f]{16}, not with this database's key [0-9a-f]{16}: it was made for another database/);
    } finally {
      await other.fresh.cleanup().catch(() => undefined);
      fs.rmSync(other.dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a plan for a database without a key, carried to another database without a key: refused', async () => {
    const a = await workspace(target, undefined, { initdb: true });
    // Same folder: same KEK file. On the embedded database b is a copy of the test template and
    // a ran initdb: two clusters (system identifiers), as two new databases are (one initdb, not two).
    const b = await workspace(target, a.dir);
    files(a, 'v1', V1);
    try {
      expect((await a.cli(['plan', 'v1', '--out', 'a.json'])).code).toBe(0);
      await refused('a.json', /not match its authentication tag: .*or it was made for another database/, [], b);
      // ...while on its own database it applies, and installs the key it carries.
      expect((await a.cli(['-q', 'apply', '--plan', 'a.json', '--auto-approve'])).code).toBe(0);
      const keys = await a.fresh.db.query<{ n: number }>(`select count(*)::int as n from cvctl_keys`);
      expect(keys.rows[0].n).toBe(1);
      expect((await a.cli(['plan', 'v1', '--detailed-exitcode'])).code).toBe(0);
    } finally {
      await a.fresh.cleanup().catch(() => undefined);
      await b.fresh.cleanup().catch(() => undefined);
      fs.rmSync(a.dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a plan from another KEK: refused', async () => {
    const elsewhere = await workspace(target); // its own folder: its own KEK file
    files(elsewhere, 'v1', V1);
    try {
      // The configured KEK is another one: it cannot unwrap this database's key.
      expect((await elsewhere.cli(['plan', 'v1', '--out', 'p.json'])).code).toBe(0); // creates the other KEK file
      const otherKek = `local://${path.join(elsewhere.dir, '.cvctl', 'kek')}`;
      await refused('good.json', /KEK/, ['--kms', otherKek]);
      // A plan signed under another KEK for a database without a key, applied with this KEK.
      fs.copyFileSync(path.join(elsewhere.dir, 'p.json'), path.join(ws.dir, 'other-kek.json'));
      const keyless = await workspace(target, ws.dir);
      try {
        await refused('other-kek.json', /signed under KEK local:[0-9a-f]+, not under the configured KEK local:[0-9a-f]+/, [], keyless);
      } finally {
        await keyless.fresh.cleanup().catch(() => undefined);
      }
    } finally {
      await elsewhere.fresh.cleanup().catch(() => undefined);
      fs.rmSync(elsewhere.dir, { recursive: true, force: true });
    }
  }, 120_000);

  describe('a saved plan of models, backends and grants', () => {
    const ROUTING = `${V1}models:
  - name: chat-default
    kind: chat
    routing: {strategy: weighted}
    backends:
      - {providerModel: openai-main/gpt-4o, weight: 100}
accessGrants:
  - model: chat-default
    subject: {group: engineering}
    limits: {requestsPerMinute: 600}
`;
    const of = (p: Plan, type: string): Change => p.changes.find((c) => c.resource.type === type)!;
    const target = (p: Plan, type: string): Record<string, unknown> => of(p, type).target as unknown as Record<string, unknown>;

    beforeAll(async () => {
      files(ws, 'r1', ROUTING);
      expect((await ws.cli(['plan', 'r1', '--out', 'routing.json'])).code).toBe(0);
    });

    test.each([
      ['model', 'routing', (t: Record<string, unknown>) => void (t.routing = { strategy: 'fallback', retries: 1, failoverOn: ['timeout'] }), /model 'chat-default' writes other values than it shows \(routing/],
      ['modelBackend', 'weight', (t: Record<string, unknown>) => void (t.weight = 1000), /model backend 'chat-default\/openai-main\/gpt-4o' writes other values than it shows \(weight\)/],
      ['accessGrant', 'limits', (t: Record<string, unknown>) => void (t.limits = { requestsPerMinute: 10000000 }), /access grant 'chat-default\/group:engineering' writes other values than it shows \(limits/],
      ['accessGrant', 'subject', (t: Record<string, unknown>) => void (t.subject = 'admins'), /the target's subject is not the resource's subject/],
      ['modelBackend', 'model', (t: Record<string, unknown>) => void (t.model = 'other'), /the target's model is not the resource's model/],
    ])('an edit of the %s target\'s %s: refused by the tag, and with a valid tag by the checks alone', async (type, what, edit, why) => {
      const p = clone(ws.read('routing.json'));
      edit(target(p, type));
      ws.write(`routing-${type}-${what}.json`, redigest(p));
      // (A target naming another resource is refused by the reader, before the tag is checked.)
      await refused(`routing-${type}-${what}.json`, new RegExp(`not match its authentication tag: the file was changed|${why.source}`));
      ws.write(`routing-${type}-${what}-signed.json`, await resign(ws, p));
      await refused(`routing-${type}-${what}-signed.json`, why);
    });
  });

  test("policy.basis (the console rows requireFallback rests on) removed or edited: refused by the tag", async () => {
    // A provider no file declares carries the fallback; the plan records it, apply re-reads it.
    await ws.fresh.db.query(`insert into providers (name, kind) values ('groq-console', 'groq')`);
    await ws.fresh.db.query(
      `insert into provider_models (provider_id, model_id, kind, source) select id, 'llama', 'chat', 'custom' from providers where name = 'groq-console'`,
    );
    try {
      files(
        ws,
        'b1',
        `${V1}models:
  - name: chat-default
    kind: chat
    backends:
      - {providerModel: openai-main/gpt-4o, priority: 1}
      - {providerModel: groq-console/llama, priority: 2}
policy:
  requireFallback: true
`,
      );
      expect((await ws.cli(['plan', 'b1', '--out', 'basis.json'])).code).toBe(0);
      const saved = ws.read('basis.json');
      expect(saved.policy).toEqual({ violations: [], basis: [{ provider: 'groq-console', modelId: 'llama', serving: 'active' }] });
      const gone = clone(saved);
      delete gone.policy!.basis;
      ws.write('basis-gone.json', redigest(gone));
      await refused('basis-gone.json', /not match its authentication tag: the file was changed/);
      const edited = clone(saved);
      edited.policy!.basis![0].serving = 'disabled';
      ws.write('basis-edited.json', redigest(edited));
      await refused('basis-edited.json', /not match its authentication tag: the file was changed/);
    } finally {
      await ws.fresh.db.query(`delete from providers where name = 'groq-console'`);
    }
  });

  test('nothing above changed the database, and the untampered plan applies', async () => {
    expect(await snapshot(ws.fresh.db)).toBe(before);
    const r = await ws.cli(['-q', 'apply', '--plan', 'good.json', '--auto-approve']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const labels = await ws.fresh.db.query<{ labels: Record<string, string> }>(`select labels from providers where name = 'openai-main'`);
    expect(labels.rows[0].labels).toEqual({ team: 'b' });
    expect((await ws.cli(['plan', 'v2', '--detailed-exitcode'])).code).toBe(0);
  });
});
