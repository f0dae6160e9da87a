// The secret-canary test (test/security/canary.test.ts) extended to every secret source and
// the AWS KMS KEK: a unique canary sits in every emulator; every command, output format and
// error path runs, most with --verbose (stack traces and causes included); then stdout,
// stderr, saved plans, every file written under the work directory (the embedded database's
// own files too) and every row of every table are searched for each canary, whole and by its
// last 16 characters. The backends' own credentials (Vault token, Azure client secret, AWS
// secret key, every OAuth token the emulators issued) are searched for as well.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { targets } from '../support/db';
import type { CliResult } from '../support/cli';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { SCOPE_LOCK_NAMESPACE } from '../../src/state/lock';
import { allRows, expectExit, saidAndWritten, setProcessEnv, workspace, type Workspace } from './support';
import { allSourcesYaml, installAzureTls, makeValues, startEmulators, type Emulators, type SourceValues } from './emulators';

const KMS_REGION = 'eu-west-1';

/**
 * The secret values a run may read. The bedrock access key id too: a plan shows only its first
 * 5 characters (a quarter of it, issue 11), so neither it nor its last 16 characters may appear.
 */
function canaries(v: SourceValues): string[] {
  return Object.values(v);
}

describe.each(targets)('secret canaries, every source and the KMS KEK, on %s', (target) => {
  let emu: Emulators;
  let kms: KmsEmulator;
  let ws: Workspace;
  let undo: Array<() => void> = [];
  const seen: SourceValues[] = [];

  beforeAll(async () => {
    const v = makeValues('CANARY');
    seen.push({ ...v });
    emu = await startEmulators(v);
    kms = await startKmsEmulator({ region: KMS_REGION });
    undo = [
      installAzureTls(emu.handles.kv.url),
      // The KMS client's default credential chain reads process.env (the emulator's test keys).
      setProcessEnv({ AWS_ACCESS_KEY_ID: emu.env.AWS_ACCESS_KEY_ID!, AWS_SECRET_ACCESS_KEY: emu.env.AWS_SECRET_ACCESS_KEY! }),
    ];
    ws = await workspace(target, () => ({ ...emu.env, AWS_ENDPOINT_URL_KMS: kms.url }));
    ws.write('repo/providers.yaml', allSourcesYaml(emu));
    ws.write('repo/secrets/anthropic.txt', `${v.file}\n`);
  });

  afterAll(async () => {
    for (const u of undo) u();
    await ws?.cleanup();
    await emu?.stop();
    await kms?.close();
  });

  /** New canary values in every source (a rotation): the plan then shows sensitive changes. */
  function rotateAll(): void {
    const v = makeValues('CANARY');
    v.ssmBedrockKeyId = seen[0]!.ssmBedrockKeyId;
    seen.push({ ...v });
    emu.env.ENV_KEY = v.env;
    ws.write('repo/secrets/anthropic.txt', `${v.file}\n`);
    emu.sm.putSecret('prod/llm', JSON.stringify({ groq: v.smGroq, bedrockSecret: v.smBedrockSecret }));
    emu.ssm.putParameter('/prod/deepseek/api-key', v.ssmDeepseek);
    emu.vault.put('codevector/moonshot', { apiKey: v.vault });
    emu.gcp.addVersion('proj-1', 'gemini', v.gcp);
    emu.kv.setSecret('azure-openai', v.azure);
  }

  test('no command, format or error path reveals a secret', async () => {
    const key = kms.createKey();
    const alias = kms.createAlias('alias/cvctl-canary', key.keyId);
    const kmsArgs = ['--kms', `aws-kms://${alias}`];
    const outputs: Array<[string, CliResult]> = [];
    // Every run with the KMS KEK, except those that name their own --kms.
    const cli = async (args: string[], extra: Record<string, string> = {}, o: { ownKms?: boolean } = {}): Promise<CliResult> => {
      const r = await ws.cli(o.ownKms ? args : [...kmsArgs, ...args], extra);
      outputs.push([args.join(' '), r]);
      return r;
    };

    // The happy paths, every format, verbose.
    expectExit(await cli(['validate', 'repo', '-v']), 0);
    await cli(['validate', 'repo', '--output', 'json']);
    for (const output of ['text', 'json', 'markdown']) expectExit(await cli(['plan', 'repo', '--output', output, '-v']), 0);
    expectExit(await cli(['plan', 'repo', '--out', 'plan.json', '-v']), 0);
    for (const output of ['text', 'json', 'markdown']) expectExit(await cli(['show', 'plan.json', '--output', output]), 0);
    expectExit(await cli(['apply', '--plan', 'plan.json', '--auto-approve', '-v']), 0);
    expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 0);
    await cli(['history']);
    await cli(['history', '--output', 'json', '-v']);
    // Commands other engineers own, run for the scan only (their exit codes are theirs to test).
    await cli(['drift', 'repo', '--output', 'json', '-v']);
    await cli(['export', '--out', 'exported', '-v']);

    // Embedded target: the commands above opened ./.cvctl/db themselves; from here to the
    // database-unreachable case they share one open handle (an open per command was most of
    // this test's CPU). What they print and store is the same.
    await ws.hold();

    // A rotation everywhere: plans show sensitive changes; a saved plan, shown and applied.
    rotateAll();
    for (const output of ['text', 'json', 'markdown']) await cli(['plan', 'repo', '--output', output, '-v']);
    expectExit(await cli(['plan', 'repo', '--out', 'rotated.json', '-v']), 0);
    for (const output of ['text', 'json', 'markdown']) await cli(['show', 'rotated.json', '--output', output, '-v']);
    expectExit(await cli(['apply', '--plan', 'rotated.json', '--auto-approve', '-v']), 0);

    // Renames (renamedFrom) of providers reading two sources, with their credentials: every
    // format, a saved plan shown and applied, drift; then renamed back for the error paths below.
    /** The files with env-a and sm-a renamed: `back` false, to renamed-*; true, from renamed-* back. */
    const renamed = (back: boolean) =>
      allSourcesYaml(emu)
        .replace(/secrets\/anthropic\.txt/g, '../repo/secrets/anthropic.txt')
        .replace(/- name: (env|sm)-a\n/g, (_m, n: string) =>
          back ? `- name: ${n}-a\n    renamedFrom: renamed-${n}-a\n` : `- name: renamed-${n}-a\n    renamedFrom: ${n}-a\n`,
        );
    ws.write('repo-renamed/providers.yaml', renamed(false));
    for (const output of ['text', 'json', 'markdown']) expectExit(await cli(['plan', 'repo-renamed', '--output', output, '-v']), 0);
    const renamePlan = await cli(['plan', 'repo-renamed', '--out', 'renamed.json', '-v']);
    expect(renamePlan.stdout).toContain('renamed from "env-a"');
    for (const output of ['text', 'json', 'markdown']) expectExit(await cli(['show', 'renamed.json', '--output', output, '-v']), 0);
    expectExit(await cli(['apply', '--plan', 'renamed.json', '--auto-approve', '-v']), 0);
    await cli(['drift', 'repo-renamed', '--output', 'json', '-v']);
    ws.write('repo-back/providers.yaml', renamed(true));
    expectExit(await cli(['apply', 'repo-back', '--auto-approve', '-v']), 0);
    expectExit(await cli(['plan', 'repo', '--detailed-exitcode']), 0);

    // Error paths, each with a change pending so that the failure is mid-apply where it can be.
    rotateAll();
    expectExit(await cli(['apply', '--plan', 'plan.json', '--auto-approve', '-v']), 1); // stale plan
    expectExit(await cli(['apply', 'repo', '-v']), 1); // approval refused: stdin is not a terminal

    kms.injectFaults({ serverErrors: 100, ops: ['GenerateDataKey'] }); // KMS down inside the transaction
    expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 1);
    kms.injectFaults({ serverErrors: 100 }); // KMS down for the plan's unwrap too
    expectExit(await cli(['plan', 'repo', '-v', '--output', 'json']), 1);
    expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 1);
    kms.clearFaults();
    kms.setKeyState(key.keyId, 'Disabled');
    expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 1);
    kms.setKeyState(key.keyId, 'Enabled');

    // Each secret service failing in turn (5xx on every call), then one that is gone entirely.
    const services: Array<[{ injectFaults(f: object): void }, RegExp]> = [
      [emu.sm, /aws-secrets-manager secret 'prod\/llm'/],
      [emu.ssm, /aws-ssm parameter/],
      [emu.vault, /vault secret/],
      [emu.gcp, /gcp-secret-manager secret .*Secret Manager answered HTTP 503/],
      [emu.kv, /azure-key-vault secret .*Key Vault answered HTTP 500/],
      [emu.oauth, /Google OAuth token/],
      [emu.idp, /Entra ID token/],
    ];
    for (const [e, says] of services) {
      e.injectFaults({ serverErrors: 100 });
      const r = await cli(['apply', 'repo', '--auto-approve', '-v']);
      expectExit(r, 1);
      expect(r.stderr).toMatch(says);
      e.injectFaults({});
    }

    await ws.release();
    // The database unreachable; the scope's lock held by another session (PostgreSQL only:
    // the embedded database has one process by construction).
    expectExit(await cli(['--database-url', 'postgres://u:pw@127.0.0.1:1/x', ...kmsArgs, 'plan', 'repo', '-v'], {}, { ownKms: true }), 1);
    if (ws.url) {
      const holder = new Client({ connectionString: ws.url, application_name: 'canary lock holder' });
      await holder.connect();
      try {
        await holder.query('select pg_advisory_lock($1, hashtext($2))', [SCOPE_LOCK_NAMESPACE, 'default']);
        const locked = await cli(['apply', 'repo', '--auto-approve', '--lock-timeout', '1', '-v']);
        expectExit(locked, 1);
        expect(locked.stderr).toMatch(/locked/);
      } finally {
        await holder.end();
      }
    }

    // Bad files: a literal secret where a reference belongs, and broken YAML around one.
    const lit = seen.at(-1)!.env;
    ws.write('repo/bad.yaml', `version: 1\nproviders:\n  - name: x\n    kind: openai\n    credentials:\n      apiKey: ${lit}\n`);
    expectExit(await cli(['validate', 'repo', '-v']), 1);
    expectExit(await cli(['plan', 'repo', '-v', '--output', 'json']), 1);
    ws.write('repo/bad.yaml', `version: 1\nproviders:\n  - name: y\n    kind: openai\n    credentials:\n      apiKey: "${lit}\n`);
    expectExit(await cli(['validate', 'repo', '-v', '--output', 'json']), 1);
    expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 1);
    fs.rmSync(path.join(ws.cwd, 'repo', 'bad.yaml'));
    expectExit(await cli(['--kms', 'local://nope/kek', 'plan', 'repo', '-v'], {}, { ownKms: true }), 1);

    // A source that is down for good, last: it stays down.
    await emu.handles.kv.close();
    expectExit(await cli(['apply', 'repo', '--auto-approve', '-v']), 1);

    // Everything cvctl said, wrote and stored.
    const texts = saidAndWritten(outputs, ws.cwd);
    const tables = await ws.withDb(async (db) => {
      // The credentials really are stored, encrypted under the KMS key: the scan covered them.
      const n = await db.query<{ n: number }>(`select count(*)::int as n from providers where credential_kek_id = $1`, [key.arn]);
      expect(n.rows[0]!.n).toBe(15);
      return allRows(db);
    });
    for (const [t, rows] of Object.entries(tables)) texts.push([`table ${t}`, rows]);
    expect(Object.keys(tables)).toEqual(expect.arrayContaining(['providers', 'provider_models', 'cvctl_keys', 'cvctl_runs']));
    expect(outputs.length).toBeGreaterThan(40);
    expect(texts.some(([w]) => w === 'plan.json')).toBe(true);

    const backendSecrets = [
      emu.env.VAULT_TOKEN!,
      emu.env.AZURE_CLIENT_SECRET!,
      emu.env.AWS_SECRET_ACCESS_KEY!,
      ...emu.oauth.issued.map((t) => t.token),
      ...emu.idp.issued.map((t) => t.token),
    ];
    expect(emu.oauth.issued.length).toBeGreaterThan(0);
    // (the access key id is not rotated: the same value in every generation, searched once)
    const needles = [...new Set(seen.flatMap(canaries)), ...backendSecrets].flatMap((s) => [s, s.slice(-16)]);
    expect(new Set(needles).size).toBe(needles.length); // every needle unique: a hit names its value
    const leaks = texts.flatMap(([where, text]) => needles.filter((n) => text.includes(n)).map((n) => `${where}: …${n.slice(-6)}`));
    expect(leaks).toEqual([]);
  }, 600_000);
});
