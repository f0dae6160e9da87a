// `cvctl apply --kms aws-kms://<alias ARN>` end to end, against the wire-level KMS emulator
// (the real @aws-sdk/client-kms signs, retries and times out as it would against AWS) and
// both database targets. The emulator counts every call it receives, so the tests assert
// what KMS really saw: how many data keys an apply generated, how many unwraps a plan made.
import { randomBytes } from 'node:crypto';
import { targets } from '../support/db';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { AwsKmsKek, openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import { openCredentials } from '../../src/crypto/envelope';
import { CvctlError } from '../../src/errors';
import { envelopes, expectExit, setProcessEnv, snapshot, workspace, type Workspace } from './support';

const REGION = 'eu-west-1';
const N = 5;
// Several CLI runs per test; each opening of the embedded database takes seconds on a busy machine.
jest.setTimeout(180_000);

let emu: KmsEmulator;
let key: { keyId: string; arn: string };
let aliasArn: string;
let restoreEnv: () => void;

beforeAll(async () => {
  emu = await startKmsEmulator({ region: REGION });
  key = emu.createKey({ description: 'cvctl e2e KEK' });
  aliasArn = emu.createAlias('alias/cvctl-e2e', key.keyId);
  // The SDK's default credential chain reads process.env; the endpoint comes from the CLI's env.
  restoreEnv = setProcessEnv({ AWS_ACCESS_KEY_ID: 'AKIDE2E', AWS_SECRET_ACCESS_KEY: 'e2e-secret', AWS_REGION: REGION });
});

afterAll(async () => {
  restoreEnv();
  await emu.close();
});

afterEach(() => emu.clearFaults());

const providersYaml = (extra = ''): string =>
  `version: 1
providers:
${Array.from(
  { length: N },
  (_, i) => `  - name: openai-${i + 1}
    kind: openai
    credentials:
      apiKey: {from: env, name: KEY_${i + 1}}
    models:
      custom:
        - {id: gpt-4o, kind: chat}
`,
).join('')}${extra}`;

/** KMS calls made by fn, per operation (the emulator's counts, not the client's). */
async function kmsCalls<T>(fn: () => Promise<T>): Promise<{ result: T; calls: Record<string, number>; total: number }> {
  emu.resetStats();
  const result = await fn();
  const s = emu.stats();
  return { result, calls: s.calls, total: s.total };
}

describe.each(targets)('apply with an AWS KMS KEK on %s', (target) => {
  let ws: Workspace;
  const keys: Record<string, string> = {};
  const kmsArgs = (): string[] => ['--kms', `aws-kms://${aliasArn}`];
  let kek: AwsKmsKek;

  beforeAll(async () => {
    for (let i = 1; i <= N; i++) keys[`KEY_${i}`] = `sk-proj-${randomBytes(16).toString('hex')}`;
    ws = await workspace(target, () => ({ AWS_ENDPOINT_URL_KMS: emu.url, ...keys }));
    ws.write('repo/providers.yaml', providersYaml());
    kek = (await openAwsKmsKek({ keyId: key.arn, endpoint: emu.url })) as AwsKmsKek;
  });

  afterAll(async () => {
    kek?.destroy();
    await ws?.cleanup();
  });

  /** Decrypts every stored credential through KMS: name -> apiKey. */
  async function stored(): Promise<Map<string, string>> {
    const envs = await ws.withDb(envelopes);
    const out = new Map<string, string>();
    for (const [name, e] of envs) out.set(name, (await openCredentials(kek, e.id, e.sealed)).apiKey!.reveal());
    return out;
  }

  test('the first apply stores the KEY ARN (never the alias) on every row and the fingerprint key', async () => {
    const { result: r, calls } = await kmsCalls(() => ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']));
    expectExit(r, 0);
    // One data key per row, plus the fingerprint key's; nothing to unwrap in an empty database.
    expect(calls.GenerateDataKey).toBe(N + 1);
    expect(calls.Decrypt ?? 0).toBe(0);
    const kekIds = await ws.withDb(async (db) => {
      const rows = await db.query<{ k: string }>(
        `select credential_kek_id as k from providers union all select kek_id from cvctl_keys`,
      );
      return rows.rows.map((x) => x.k);
    });
    expect(kekIds).toHaveLength(N + 1);
    for (const id of kekIds) expect(id).toBe(key.arn);
    expect(kekIds.join()).not.toContain('alias');
    expect(Object.fromEntries(await stored())).toEqual(
      Object.fromEntries(Object.entries(keys).map(([k, v]) => [`openai-${k.slice(4)}`, v])),
    );
  });

  test('a second plan is a no-op that makes at most one KMS call: the fingerprint-key unwrap', async () => {
    const { result: r, calls, total } = await kmsCalls(() => ws.cli([...kmsArgs(), 'plan', 'repo', '--detailed-exitcode']));
    expectExit(r, 0);
    expect(r.stdout).toMatch(/No changes/i);
    expect(total).toBeLessThanOrEqual(1);
    expect(calls.GenerateDataKey ?? 0).toBe(0);
    // And apply of an unchanged repo writes nothing and wraps nothing.
    const again = await kmsCalls(() => ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']));
    expectExit(again.result, 0);
    expect(again.calls.GenerateDataKey ?? 0).toBe(0);
    expect(again.total).toBeLessThanOrEqual(1);
  });

  test('changing ONE of N credentials makes exactly one data key (and one fingerprint unwrap)', async () => {
    const before = await ws.withDb(envelopes);
    keys.KEY_3 = `sk-proj-${randomBytes(16).toString('hex')}`;
    const { result: r, calls } = await kmsCalls(() => ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']));
    expectExit(r, 0);
    expect(r.stdout).toContain('1 updated');
    expect(calls.GenerateDataKey).toBe(1);
    expect(calls.Decrypt).toBe(1);
    expect(calls.Encrypt ?? 0).toBe(0);
    expect(calls.ReEncrypt ?? 0).toBe(0);
    expect(calls.DescribeKey ?? 0).toBeLessThanOrEqual(1);
    const after = await ws.withDb(envelopes);
    for (const [name, e] of after) {
      // The unchanged rows keep their wrapped DEK byte for byte; only openai-3 was re-sealed.
      if (name === 'openai-3') expect(e.sealed.wrappedDek.equals(before.get(name)!.sealed.wrappedDek)).toBe(false);
      else expect(e.sealed.wrappedDek.equals(before.get(name)!.sealed.wrappedDek)).toBe(true);
    }
    expect((await stored()).get('openai-3')).toBe(keys.KEY_3);
  });

  test('throttling during apply is retried and the apply succeeds', async () => {
    keys.KEY_1 = `sk-proj-${randomBytes(16).toString('hex')}`;
    emu.injectFaults({ throttle: 2, ops: ['GenerateDataKey'] });
    const { result: r, calls } = await kmsCalls(() => ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']));
    expectExit(r, 0);
    // Two throttled attempts, then the one that worked: the SDK retried, cvctl did not give up.
    expect(calls.GenerateDataKey).toBe(3);
    expect((await stored()).get('openai-1')).toBe(keys.KEY_1);
    // Throttling on every operation (the plan's unwrap too) is absorbed the same way.
    keys.KEY_2 = `sk-proj-${randomBytes(16).toString('hex')}`;
    emu.injectFaults({ throttle: 2 });
    expectExit(await ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']), 0);
    expect((await stored()).get('openai-2')).toBe(keys.KEY_2);
  });

  test('a persistent KMS fault during apply rolls the whole apply back', async () => {
    // Several kinds of change at once: a new provider, a new credential, a new model.
    ws.write(
      'repo/providers.yaml',
      providersYaml(`  - name: openai-new
    kind: openai
    credentials:
      apiKey: {from: env, name: KEY_NEW}
`).replace('{id: gpt-4o, kind: chat}', '{id: gpt-4o, kind: chat}\n        - {id: gpt-4.1, kind: chat}'),
    );
    keys.KEY_NEW = `sk-proj-${randomBytes(16).toString('hex')}`;
    keys.KEY_4 = `sk-proj-${randomBytes(16).toString('hex')}`;
    // One open per look: the embedded database takes a second or two to open.
    const look = () =>
      ws.withDb(async (db) => ({
        snap: await snapshot(db),
        runs: (await db.query<{ result: string; error: string | null }>('select result, error from cvctl_runs')).rows,
      }));
    const before = await look();

    // Inside the transaction: the plan and the fingerprint key work, every new data key fails.
    emu.injectFaults({ serverErrors: 100, ops: ['GenerateDataKey'] });
    const r = await ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']);
    expectExit(r, 1);
    expect(r.stderr).toMatch(/KMS/);
    expect(r.stderr).toMatch(/unavailable|KMSInternalException/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
    const after = await look();
    expect(after.snap).toEqual(before.snap);
    // The failure is recorded in history (outside the rolled-back transaction), and only that.
    expect(after.runs.length).toBe(before.runs.length + 1);
    expect(after.runs.filter((x) => x.result === 'failed' && /KMS/.test(x.error ?? ''))).toHaveLength(1);

    // Every operation failing (the plan's unwrap too): also nothing written.
    emu.injectFaults({ serverErrors: 100 });
    const r2 = await ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']);
    expectExit(r2, 1);
    expect(r2.stderr).toMatch(/KMS/);
    expect(await ws.withDb(snapshot)).toEqual(before.snap);

    // With KMS back, the same apply goes through.
    emu.clearFaults();
    expectExit(await ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']), 0);
    expect((await stored()).get('openai-new')).toBe(keys.KEY_NEW);
  });

  test('a disabled key: a clear error naming the key state, nothing written', async () => {
    keys.KEY_5 = `sk-proj-${randomBytes(16).toString('hex')}`;
    const before = await ws.withDb(snapshot);
    emu.setKeyState(key.keyId, 'Disabled');
    try {
      const r = await ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']);
      expectExit(r, 1);
      expect(r.stderr).toContain(key.arn);
      expect(r.stderr).toMatch(/Disabled/);
      expect(r.stderr).toMatch(/enable it/);
      expect(await ws.withDb(snapshot)).toEqual(before);
      // A key pending deletion is named as such too.
      emu.setKeyState(key.keyId, 'PendingDeletion');
      const r2 = await ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']);
      expectExit(r2, 1);
      expect(r2.stderr).toMatch(/PendingDeletion/);
      expect(await ws.withDb(snapshot)).toEqual(before);
    } finally {
      emu.setKeyState(key.keyId, 'Enabled');
    }
    expectExit(await ws.cli([...kmsArgs(), 'apply', 'repo', '--auto-approve']), 0);
  });

  test('a wrapped DEK moved to another row fails KMS decryption with the encryption-context hint', async () => {
    // Swap the two rows' wrapped DEKs, as someone with write access to the table could.
    const swapped = await ws.withDb(async (db) => {
      const envs = await envelopes(db);
      const a = envs.get('openai-1')!;
      const b = envs.get('openai-2')!;
      await db.query(
        `update providers set credential_wrapped_dek = case id when $1::uuid then $4::bytea when $2::uuid then $3::bytea end
          where id in ($1::uuid, $2::uuid)`,
        [a.id, b.id, a.sealed.wrappedDek, b.sealed.wrappedDek],
      );
      return envelopes(db);
    });
    for (const name of ['openai-1', 'openai-2']) {
      const e = swapped.get(name)!;
      const err = await openCredentials(kek, e.id, e.sealed).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(err).toBeInstanceOf(CvctlError);
      expect((err as CvctlError).code).toBe('CRYPTO_INTEGRITY');
      expect((err as CvctlError).message).toContain('encryption context');
      expect((err as CvctlError).message).toContain(`providers/${e.id}`);
    }
    // The other rows still decrypt: the damage is confined to the two rows.
    const ok = [...swapped.values()].filter((e) => e.name !== 'openai-1' && e.name !== 'openai-2');
    for (const e of ok) await expect(openCredentials(kek, e.id, e.sealed)).resolves.toBeDefined();
  });
});
