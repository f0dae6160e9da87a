// Issue 11 item 4: after `kek rotate` from AWS KMS key C to key D, a stale `--kms` naming C
// used to be accepted (KMS decrypts a blob with whichever key wrapped it) and `apply` then
// wrapped changed rows under C again: rows on mixed keys, lost when C is deleted. Every
// command that unwraps or wraps now checks the configured KEK against the one cvctl_keys
// records and refuses a mismatch in one line naming both keys and the rotation, exit 1,
// nothing written. An alias ARN and the key ARN it points to are the same key.
// Against the wire-level KMS emulator, on PostgreSQL and the embedded database.
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { targets } from '../support/db';
import { type KmsEmulator, startKmsEmulator } from '../support/kms-emulator';
import { openLocalKek } from '../../src/crypto/local-kek';
import { openAwsKmsKek } from '../../src/crypto/aws-kms-kek';
import { seedProviders } from '../rotate/support';
import { expectExit, setProcessEnv, snapshot, workspace, type Workspace } from './support';

const REGION = 'eu-west-1';
jest.setTimeout(240_000);

let emu: KmsEmulator;
let restoreEnv: () => void;

beforeAll(async () => {
  emu = await startKmsEmulator({ region: REGION });
  restoreEnv = setProcessEnv({ AWS_ACCESS_KEY_ID: 'AKIDPIN', AWS_SECRET_ACCESS_KEY: 'pin-secret', AWS_REGION: REGION });
});

afterAll(async () => {
  restoreEnv();
  await emu.close();
});

const yaml = `version: 1
providers:
  - name: openai-a
    kind: openai
    credentials:
      apiKey: {from: env, name: KEY_A}
  - name: openai-b
    kind: openai
    credentials:
      apiKey: {from: env, name: KEY_B}
`;

/** Every wrapped key's KEK id: the providers' and the fingerprint key's. */
async function kekIds(ws: Workspace): Promise<string[]> {
  return ws.withDb(async (db) => {
    const r = await db.query<{ k: string }>(
      `select credential_kek_id as k from providers where credential_kek_id is not null
       union all select kek_id from cvctl_keys order by 1`,
    );
    return r.rows.map((x) => x.k);
  });
}

/** The refusal: one line on stderr, naming the recorded key, the rotation and the configured key. */
function expectPinRefusal(stderr: string, recorded: string, configured: string): void {
  const lines = stderr.split('\n').filter((l) => l.startsWith('cvctl: error:'));
  expect(lines).toHaveLength(1);
  const line = lines[0]!;
  expect(line).toContain(`wrapped by KEK ${recorded}`);
  expect(line).toMatch(/moved there by `cvctl kek rotate` at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
  expect(line).toContain(`but the configured KEK (--kms / CVCTL_KMS_KEY) is ${configured}`);
  expect(line).toContain(`pass --kms aws-kms://${recorded}`);
  expect(line).toContain('nothing was written');
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe.each(targets)('KMS key pinning after kek rotate C -> D on %s', (target) => {
  let ws: Workspace;
  const keys: Record<string, string> = {};
  let C: { keyId: string; arn: string };
  let D: { keyId: string; arn: string };
  let aliasC: string;
  let aliasD: string;

  beforeAll(async () => {
    C = emu.createKey({ description: 'C' });
    D = emu.createKey({ description: 'D' });
    const tag = `${target}-${randomBytes(3).toString('hex')}`;
    aliasC = emu.createAlias(`alias/pin-c-${tag}`, C.keyId);
    aliasD = emu.createAlias(`alias/pin-d-${tag}`, D.keyId);
    keys.KEY_A = `sk-proj-${randomBytes(16).toString('hex')}`;
    keys.KEY_B = `sk-proj-${randomBytes(16).toString('hex')}`;
    ws = await workspace(target, () => ({ AWS_ENDPOINT_URL_KMS: emu.url, ...keys }));
    ws.write('repo/providers.yaml', yaml);
    expectExit(await ws.cli(['--kms', `aws-kms://${C.arn}`, 'apply', 'repo', '--auto-approve']), 0);
    expect(await kekIds(ws)).toEqual([C.arn, C.arn, C.arn]);
    const rot = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'kek', 'rotate', '--to', `aws-kms://${D.arn}`, '-o', 'json']);
    expectExit(rot, 0);
    expect(await kekIds(ws)).toEqual([D.arn, D.arn, D.arn]);
  });

  afterAll(async () => {
    await ws?.cleanup();
  });

  test('plan with the stale --kms C is refused (it used to succeed)', async () => {
    const r = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'plan', 'repo']);
    expectExit(r, 1);
    expectPinRefusal(r.stderr, D.arn, C.arn);
  });

  test('apply with the stale --kms C is refused and writes nothing (it used to re-wrap changed rows under C)', async () => {
    keys.KEY_A = `sk-proj-${randomBytes(16).toString('hex')}`;
    const before = await ws.withDb(snapshot);
    const r = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'apply', 'repo', '--auto-approve']);
    expectExit(r, 1);
    expectPinRefusal(r.stderr, D.arn, C.arn);
    expect(await ws.withDb(snapshot)).toEqual(before);
    expect(await kekIds(ws)).not.toContain(C.arn);
    // Through CVCTL_KMS_KEY as well.
    const viaEnv = await ws.cli(['apply', 'repo', '--auto-approve'], { CVCTL_KMS_KEY: `aws-kms://${C.arn}` });
    expectExit(viaEnv, 1);
    expectPinRefusal(viaEnv.stderr, D.arn, C.arn);
    expect(await ws.withDb(snapshot)).toEqual(before);
  });

  test('apply --plan of a plan made with D, run with the stale --kms C, is refused and writes nothing', async () => {
    const saved = await ws.cli(['--kms', `aws-kms://${D.arn}`, 'plan', 'repo', '--out', 'plan.json']);
    expectExit(saved, 0);
    const before = await ws.withDb(snapshot);
    const r = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'apply', '--plan', 'plan.json', '--auto-approve']);
    expectExit(r, 1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await ws.withDb(snapshot)).toEqual(before);
    expect(await kekIds(ws)).not.toContain(C.arn);
  });

  test('drift with the stale --kms C is refused', async () => {
    const r = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'drift', 'repo']);
    expectExit(r, 1);
    expectPinRefusal(r.stderr, D.arn, C.arn);
  });

  test('an alias of C is C: refused, naming both the alias and the key it resolves to', async () => {
    const r = await ws.cli(['--kms', `aws-kms://${aliasC}`, 'plan', 'repo']);
    expectExit(r, 1);
    expectPinRefusal(r.stderr, D.arn, `${C.arn} (${aliasC})`);
  });

  test('kek rotate from the stale source to a third key is refused before anything is written', async () => {
    const E = emu.createKey({ description: 'E' });
    const before = await ws.withDb(snapshot);
    const r = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'kek', 'rotate', '--to', `aws-kms://${E.arn}`]);
    expectExit(r, 1);
    expect(r.stderr).toContain(`wrapped by KEK ${D.arn}`);
    expect(r.stderr).toContain(`but the source KEK (--kms) is ${C.arn}`);
    expect(r.stderr).toContain('nothing was written');
    expect(await ws.withDb(snapshot)).toEqual(before);
    // Running the finished rotation again (the database is on its target) is still a no-op.
    const again = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'kek', 'rotate', '--to', `aws-kms://${D.arn}`, '-o', 'json']);
    expectExit(again, 0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: { rewrapped: 0 }, fingerprintKey: 'already-on-target' });
  });

  test('the key D, by key ARN or by an alias of D, works; changed rows are written under D only', async () => {
    emu.resetStats();
    const plan = await ws.cli(['--kms', `aws-kms://${aliasD}`, 'plan', 'repo', '--detailed-exitcode']);
    expectExit(plan, 2); // KEY_A changed in the refused apply above
    // The alias costs no extra DescribeKey: the Decrypt names it and KMS resolves it.
    expect(emu.stats().calls).toEqual({ Decrypt: 1 });
    keys.KEY_B = `sk-proj-${randomBytes(16).toString('hex')}`;
    expectExit(await ws.cli(['--kms', `aws-kms://${D.arn}`, 'apply', 'repo', '--auto-approve']), 0);
    expect(await kekIds(ws)).toEqual([D.arn, D.arn, D.arn]);
    const noop = await ws.cli(['--kms', `aws-kms://${aliasD}`, 'plan', 'repo', '--detailed-exitcode']);
    expectExit(noop, 0);
  });

  test('rows left under C (as an older cvctl wrote them) are counted, and the kek rotate it names moves them to D', async () => {
    const kekC = await openAwsKmsKek({ keyId: C.arn, endpoint: emu.url });
    try {
      await ws.withDb((db) => seedProviders(db, kekC, 2, 'stray', { fingerprints: false }));
    } finally {
      kekC.destroy();
    }
    const r = await ws.cli(['--kms', `aws-kms://${C.arn}`, 'plan', 'repo']);
    expectExit(r, 1);
    expectPinRefusal(r.stderr, D.arn, C.arn);
    const advice = `\`cvctl kek rotate --kms aws-kms://${C.arn} --to aws-kms://${D.arn}\` moves them`;
    expect(r.stderr).toContain(`2 provider row(s) are on ${C.arn} (written with it since): ${advice}`);
    expectExit(await ws.cli(['--kms', `aws-kms://${C.arn}`, 'kek', 'rotate', '--to', `aws-kms://${D.arn}`]), 0);
    expect(new Set(await kekIds(ws))).toEqual(new Set([D.arn]));
  });
});

describe.each(targets)('KEK pinning is the same for local:// keys on %s', (target) => {
  let ws: Workspace;

  afterEach(async () => {
    await ws?.cleanup();
  });

  test('after kek rotate to a new local key, the old key file is refused with the same message', async () => {
    const env = { KEY_A: `sk-proj-${randomBytes(16).toString('hex')}`, KEY_B: `sk-proj-${randomBytes(16).toString('hex')}` };
    ws = await workspace(target, () => env);
    ws.write('repo/providers.yaml', yaml);
    expectExit(await ws.cli(['apply', 'repo', '--auto-approve']), 0);
    expectExit(await ws.cli(['kek', 'rotate', '--to', 'local://.cvctl/kek-new']), 0);
    const oldKek = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek'), { create: false });
    const newKek = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek-new'), { create: false });
    env.KEY_A = `sk-proj-${randomBytes(16).toString('hex')}`;
    const before = await ws.withDb(snapshot);
    const r = await ws.cli(['apply', 'repo', '--auto-approve']);
    expectExit(r, 1);
    const line = r.stderr.split('\n').filter((l) => l.startsWith('cvctl: error:'));
    expect(line).toHaveLength(1);
    expect(line[0]).toContain(`wrapped by KEK ${newKek.id} (moved there by \`cvctl kek rotate\` at `);
    expect(line[0]).toContain(`but the configured KEK (--kms / CVCTL_KMS_KEY) is ${oldKek.id} (local://`);
    expect(await ws.withDb(snapshot)).toEqual(before);
    expectExit(await ws.cli(['--kms', 'local://.cvctl/kek-new', 'apply', 'repo', '--auto-approve']), 0);
  });
});
