// One repo using EVERY secret source, each backed by its wire-level emulator, applied through
// the CLI on both database targets: the stored credentials decrypt to the emulators' values,
// each distinct reference is fetched once per run however often it is used, a throttled
// source is retried, and a source that is down stops the apply before anything is written.
import * as path from 'node:path';
import { targets } from '../support/db';
import { openLocalKek } from '../../src/crypto/local-kek';
import { openCredentials } from '../../src/crypto/envelope';
import { envelopes, expectExit, positionsOf, snapshot, workspace, type Workspace } from './support';
import {
  allSourcesYaml,
  DISTINCT_FETCHES,
  expectedCredentials,
  installAzureTls,
  makeValues,
  startEmulators,
  type Emulators,
  type SourceValues,
} from './emulators';

// Several CLI runs per test; each opening of the embedded database takes seconds on a busy machine.
jest.setTimeout(180_000);

describe.each(targets)('every secret source through the CLI on %s', (target) => {
  let emu: Emulators;
  let values: SourceValues;
  let ws: Workspace;
  let yaml: string;
  let undoTls: () => void;

  beforeAll(async () => {
    values = makeValues();
    emu = await startEmulators(values);
    undoTls = installAzureTls(emu.handles.kv.url);
    ws = await workspace(target, () => emu.env);
    yaml = allSourcesYaml(emu);
    ws.write('repo/providers.yaml', yaml);
    ws.write('repo/secrets/anthropic.txt', `${values.file}\n`);
  });

  afterAll(async () => {
    undoTls?.();
    await ws?.cleanup();
    await emu?.stop();
  });

  beforeEach(() => emu.resetStats());

  /** Every stored credential, decrypted with the workspace's local KEK: name -> {field: value}. */
  async function decrypted(): Promise<Record<string, Record<string, string>>> {
    const kek = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek'), { create: false });
    const out: Record<string, Record<string, string>> = {};
    for (const [name, e] of await ws.withDb(envelopes)) {
      const fields = await openCredentials(kek, e.id, e.sealed);
      out[name] = Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, v.reveal()]));
    }
    return out;
  }

  function fetches(): Record<string, Record<string, number>> {
    return { sm: emu.sm.stats(), ssm: emu.ssm.stats(), vault: emu.vault.stats(), gcp: emu.gcp.stats(), kv: emu.kv.stats() };
  }

  test('apply creates every provider; credentials decrypt to the emulators\' values', async () => {
    const r = await ws.cli(['apply', 'repo', '--auto-approve']);
    expectExit(r, 0);
    expect(r.stdout).toContain('15 created');
    expect(await decrypted()).toEqual(expectedCredentials(values));
    // Prefixes as the contract and issue 11 define them: vendor prefix + at most 4, never more than
    // a quarter of the value nor 12 characters (an access key id: AKIA + 1).
    const prefixes = await ws.withDb(async (db) =>
      Object.fromEntries((await db.query<{ name: string; p: string }>('select name, credential_prefix as p from providers')).rows.map((x) => [x.name, x.p])),
    );
    expect(prefixes['bedrock-a']).toBe(values.ssmBedrockKeyId.slice(0, 5));
    expect(prefixes['env-a']!.startsWith('sk-proj-')).toBe(true);
    // Never more than a quarter of the value, nor 12 characters, whatever the field.
    for (const [name, creds] of Object.entries(expectedCredentials(values))) {
      const primary = creds.apiKey ?? creds.accessKeyId!;
      expect(prefixes[name]!.length * 4).toBeLessThanOrEqual(primary.length);
      expect(prefixes[name]!.length).toBeLessThanOrEqual(12);
      expect(primary.startsWith(prefixes[name]!)).toBe(true);
    }
  });

  test('each distinct reference is fetched once per run, even when two providers use it', async () => {
    // apply resolves for its plan and again for the writes: still one fetch per reference.
    rotateVaultSecret();
    const r = await ws.cli(['apply', 'repo', '--auto-approve']);
    expectExit(r, 0);
    expect(r.stdout).toContain('2 updated');
    expect(fetches()).toEqual(DISTINCT_FETCHES);
    // One token per run from each identity provider, shared by every reference it serves.
    expect(Object.values(emu.oauth.stats())).toEqual([1]);
    expect(Object.values(emu.idp.stats())).toEqual([1]);
    expect((await decrypted())['vault-a']).toEqual({ apiKey: values.vault });

    emu.resetStats();
    const plan = await ws.cli(['plan', 'repo', '--detailed-exitcode']);
    expectExit(plan, 0);
    expect(fetches()).toEqual(DISTINCT_FETCHES);
  });

  /** A new value in Vault: two providers use it, so two updates. */
  function rotateVaultSecret(): void {
    values.vault = `sk-vault-rotated-${Date.now()}`;
    emu.vault.put('codevector/moonshot', { apiKey: values.vault });
  }

  test('a throttled source is retried during apply and the apply succeeds', async () => {
    values.gcp = `AIza-rotated-${Date.now()}`;
    emu.gcp.addVersion('proj-1', 'gemini', values.gcp);
    emu.gcp.injectFaults({ throttle: 1 });
    emu.ssm.injectFaults({ throttle: 1 });
    emu.kv.injectFaults({ throttle: 1 });
    const r = await ws.cli(['apply', 'repo', '--auto-approve']);
    expectExit(r, 0);
    expect(r.stdout).toContain('2 updated');
    // The throttled call, then the retry that worked; the other references are not refetched.
    expect(emu.gcp.stats()).toEqual({ AccessSecretVersion: 2 });
    expect(emu.ssm.stats()).toEqual({ GetParameter: 3 });
    expect(emu.kv.stats()).toEqual({ GetSecret: 2 });
    expect(await decrypted()).toEqual(expectedCredentials(values));
  });

  test('a source that is down: exit 1 naming file:line:col and the service; nothing written', async () => {
    const before = await ws.withDb(snapshot);
    values.env = `sk-proj-rotated-${Date.now()}`;
    emu.env.ENV_KEY = values.env; // a real change is pending, so an apply would write
    await emu.handles.gcp.close();
    const r = await ws.cli(['apply', 'repo', '--auto-approve']);
    expectExit(r, 1);
    const file = path.join('repo', 'providers.yaml');
    const refs = positionsOf(yaml, '{from: gcp-secret-manager');
    // Both references to the dead service are reported, each at its own place.
    expect(refs).toHaveLength(2);
    for (const p of refs) expect(r.stderr).toContain(`${file}:${p.line}:${p.column}`);
    expect(r.stderr).toContain('gcp-secret-manager');
    expect(r.stderr).toMatch(/Secret Manager/);
    expect(r.stderr).toMatch(/ECONNREFUSED|cannot reach/);
    expect(r.stderr).not.toContain(values.gcp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await ws.withDb(snapshot)).toEqual(before);
    // `plan` fails the same way, and the other sources were still read (all failures at once).
    emu.resetStats();
    const p = await ws.cli(['plan', 'repo']);
    expectExit(p, 1);
    expect(p.stderr).toContain(`${file}:${refs[0]!.line}:${refs[0]!.column}`);
    const { gcp: _down, ...others } = DISTINCT_FETCHES;
    const { gcp: _none, ...seen } = fetches();
    expect(seen).toEqual(others);
  });
});
