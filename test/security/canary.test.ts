// A unique canary secret goes in through every credential path; then every command, every
// output format, --verbose and the error paths run, and the canary is searched for in
// stdout, stderr, the saved plan, every file cvctl wrote and every table of the database.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, type CliResult } from '../support/cli';
import { freshDatabase, targets } from '../support/db';
import { openDatabase } from '../../src/state/connect';

const CANARY_ENV = `sk-proj-CANARY${randomBytes(12).toString('hex')}envZ`;
const CANARY_FILE = `CANARYfile${randomBytes(12).toString('hex')}/secretZ`;
const CANARY_SA = `CANARYsa${randomBytes(12).toString('hex')}`;

const FILES = `version: 1
providers:
  - name: openai-canary
    kind: openai
    credentials:
      apiKey: {from: env, name: CANARY_KEY}
    models:
      custom:
        - {id: gpt-4o, kind: chat}
  - name: bedrock-canary
    kind: bedrock
    config: {region: us-east-1}
    credentials:
      accessKeyId: {from: env, name: AWS_ID}
      secretAccessKey: {from: file, path: secret.txt}
  - name: vertex-canary
    kind: vertex
    config: {project: my-project, location: us-central1}
    credentials:
      serviceAccountJson: {from: file, path: sa.json}
`;

function needles(): string[] {
  // The whole values and their distinctive tails (a prefix may legitimately be shown).
  return [CANARY_ENV, CANARY_ENV.slice(-20), CANARY_FILE, CANARY_FILE.slice(-20), CANARY_SA];
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'db' ? [] : listFiles(p); // the database is scanned through SQL
    return [p];
  });
}

describe.each(targets)('secret canaries on %s', (target) => {
  test('no command, format or error path reveals a credential', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-canary-'));
    fs.mkdirSync(path.join(work, 'repo'));
    fs.writeFileSync(path.join(work, 'repo', 'providers.yaml'), FILES);
    fs.writeFileSync(path.join(work, 'repo', 'secret.txt'), CANARY_FILE + '\n');
    fs.writeFileSync(
      path.join(work, 'repo', 'sa.json'),
      JSON.stringify({
        type: 'service_account',
        client_email: 'cvctl@my-project.iam.gserviceaccount.com',
        private_key: `-----BEGIN PRIVATE KEY-----\n${CANARY_SA}\n-----END PRIVATE KEY-----\n`,
      }),
    );
    const fresh = await freshDatabase(target);
    const embedded = path.join(work, '.cvctl', 'db');
    if (fresh.dir) {
      await fresh.db.close();
      fs.mkdirSync(path.dirname(embedded), { recursive: true });
      fs.cpSync(fresh.dir, embedded, { recursive: true });
    }
    const db = fresh.url ? ['--database-url', fresh.url] : [];
    const env = { CANARY_KEY: CANARY_ENV, AWS_ID: 'AKIAIOSFODNN7EXAMPLE' };
    const outputs: CliResult[] = [];
    const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const r = await runCli([...db, ...args], { cwd: work, env: { ...env, ...extraEnv } });
      outputs.push(r);
      return r;
    };
    try {
      expect((await cli(['validate', 'repo', '-v'])).code).toBe(0);
      await cli(['validate', 'repo', '--output', 'json']);
      for (const output of ['text', 'json', 'markdown']) await cli(['plan', 'repo', '--output', output, '-v']);
      expect((await cli(['plan', 'repo', '--out', 'plan.json'])).code).toBe(0);
      for (const output of ['text', 'json', 'markdown']) await cli(['show', 'plan.json', '--output', output]);
      await cli(['show', 'plan.json', '--compact']);
      expect((await cli(['apply', '--plan', 'plan.json', '--auto-approve', '-v'])).code).toBe(0);
      await cli(['apply', 'repo', '--auto-approve', '-v']);
      await cli(['history', '--output', 'json']);
      await cli(['history']);
      // A rotated key: the plan shows a sensitive change.
      await cli(['plan', 'repo', '--output', 'json', '-v'], { CANARY_KEY: CANARY_ENV + 'x' });
      // ... in every view, including the grouped ones (old → new prefix).
      for (const view of [['--output', 'markdown'], ['--compact'], []]) await cli(['plan', 'repo', ...view], { CANARY_KEY: CANARY_ENV + 'x' });
      // Error paths, verbose: stale plan, approval refused, bad file next to a good secret,
      // database unreachable, an unknown KMS key file.
      expect((await cli(['apply', '--plan', 'plan.json', '--auto-approve', '-v'])).code).toBe(1);
      expect((await cli(['apply', 'repo', '-v'], { CANARY_KEY: CANARY_ENV + 'y' })).code).toBe(1);
      fs.writeFileSync(path.join(work, 'repo', 'bad.yaml'), `version: 1\nproviders:\n  - name: x\n    kind: openai\n    credentials:\n      apiKey: ${CANARY_ENV}\n`);
      expect((await cli(['validate', 'repo', '-v'])).code).toBe(1);
      expect((await cli(['plan', 'repo', '-v', '--output', 'json'])).code).toBe(1);
      fs.rmSync(path.join(work, 'repo', 'bad.yaml'));
      expect((await runCli(['--database-url', 'postgres://u:pw@127.0.0.1:1/x', 'plan', 'repo', '-v'], { cwd: work, env })).code).toBe(1);
      expect((await cli(['--kms', 'local://nope/kek', 'plan', 'repo', '-v'], { CANARY_KEY: CANARY_ENV + 'z' })).code).toBe(1);
      // The refusals and failures above are on record, with their messages: shown by history.
      await cli(['history', '--output', 'json']);
      await cli(['history']);
      // A provider deleted in the console: its last-applied record goes to cvctl_deleted_rows
      // (scanned below), drift compares the files' credentials with it; apply re-creates it.
      const consoleDb = fresh.url ? await openDatabase({ databaseUrl: fresh.url }) : await openDatabase({ embeddedDir: embedded });
      try {
        await consoleDb.query(`delete from providers where name = (select min(name) from providers)`);
      } finally {
        await consoleDb.close();
      }
      for (const output of ['text', 'json', 'markdown']) expect((await cli(['drift', 'repo', '--output', output, '-v'])).code).toBe(2);
      expect((await cli(['apply', 'repo', '--auto-approve', '-v'])).code).toBe(0);
      // A rename (renamedFrom) together with a rotated key: every format, a saved plan, its apply, drift.
      fs.mkdirSync(path.join(work, 'repo-renamed'));
      fs.writeFileSync(
        path.join(work, 'repo-renamed', 'providers.yaml'),
        FILES.replace('  - name: openai-canary\n', '  - name: openai-renamed\n    renamedFrom: openai-canary\n').replace(/path: (secret\.txt|sa\.json)/g, 'path: ../repo/$1'),
      );
      const rotated = { CANARY_KEY: CANARY_ENV + 'r' };
      for (const output of ['text', 'json', 'markdown']) expect((await cli(['plan', 'repo-renamed', '--output', output, '-v'], rotated)).code).toBe(0);
      expect((await cli(['plan', 'repo-renamed', '--out', 'rename-plan.json'], rotated)).stdout).toContain('renamed from "openai-canary"');
      await cli(['show', 'rename-plan.json', '--output', 'json']);
      expect((await cli(['apply', '--plan', 'rename-plan.json', '--auto-approve', '-v'], rotated)).code).toBe(0);
      expect((await cli(['drift', 'repo-renamed', '--output', 'json', '-v'], rotated)).code).toBe(0);

      const texts: Array<[string, string]> = outputs.flatMap((o, i) => [
        [`stdout #${i}`, o.stdout],
        [`stderr #${i}`, o.stderr],
      ]);
      for (const f of listFiles(work)) {
        if (f.startsWith(path.join(work, 'repo'))) continue; // the inputs themselves
        texts.push([f, fs.readFileSync(f).toString('latin1')]);
      }
      const handle = fresh.url ? await openDatabase({ databaseUrl: fresh.url }) : await openDatabase({ embeddedDir: embedded });
      try {
        for (const table of ['providers', 'provider_models', 'models', 'model_backends', 'cvctl_keys', 'cvctl_runs', 'cvctl_deleted_rows', 'cvctl_migrations']) {
          const rows = await handle.query<{ t: string }>(`select row_to_json(x)::text as t from ${table} x`);
          texts.push([`table ${table}`, rows.rows.map((r) => r.t).join('\n')]);
        }
        // The credentials really are stored (encrypted), so the scan above covered them.
        const stored = await handle.query<{ n: number }>(`select count(*)::int as n from providers where credential_ciphertext is not null`);
        expect(stored.rows[0].n).toBe(3);
        const recorded = await handle.query<{ n: number }>(`select count(*)::int as n from cvctl_deleted_rows`);
        expect(recorded.rows[0].n).toBeGreaterThan(0);
        const refused = await handle.query<{ n: number }>(`select count(*)::int as n from cvctl_runs where result in ('refused', 'failed')`);
        expect(refused.rows[0].n).toBeGreaterThanOrEqual(2);
      } finally {
        await handle.close();
      }
      expect(texts.length).toBeGreaterThan(40);
      const leaks = texts.flatMap(([where, text]) => needles().filter((n) => text.includes(n)).map((n) => `${where}: ${n.slice(0, 12)}…`));
      expect(leaks).toEqual([]);
    } finally {
      await fresh.cleanup().catch(() => undefined);
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});
