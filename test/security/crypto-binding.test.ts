// Ciphertext is bound to its row: swapping stored ciphertexts, IVs or wrapped keys between two
// provider rows in the database, or truncating the GCM tag, must make decryption fail with an
// integrity error. Fingerprints are not encrypted but keyed by row and field: one moved to
// another row or field never passes for the credential there (the plan shows it changed).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../support/cli';
import { targets, workspaceDatabase, type WorkspaceDatabase } from '../support/db';
import type { Database } from '../../src/state/database';
import { readCredentialColumns } from '../../src/state/read-state';
import { openLocalKek } from '../../src/crypto/local-kek';
import { openCredentials } from '../../src/crypto/envelope';

const FILES = `version: 1
providers:
  - name: a
    kind: openai
    credentials: {apiKey: {from: env, name: KEY_A}}
  - name: b
    kind: groq
    credentials: {apiKey: {from: env, name: KEY_B}}
`;

const KEYS = { KEY_A: 'sk-aaaaaaaaaaaaaaaaaaaaaaaa', KEY_B: 'gsk_bbbbbbbbbbbbbbbbbbbbbbbb' };

describe.each(targets)('stored credentials are bound to their row on %s', (target) => {
  let work: string;
  let wdb: WorkspaceDatabase;
  /** One handle for the file: the embedded database admits one, and the CLI's plan gets it too. */
  let db: Database;

  // One apply for the file; every test starts from its rows: the credential columns the tests
  // tamper with are put back from a copy taken right after the apply.
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-bind-'));
    fs.writeFileSync(path.join(work, 'p.yaml'), FILES);
    wdb = await workspaceDatabase(target, work);
    const r = await runCli([...wdb.dbArgs, 'apply', 'p.yaml', '--auto-approve'], { cwd: work, env: KEYS });
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    db = await wdb.open();
    await db.query('create temp table applied as select * from providers');
  });

  beforeEach(async () => {
    await db.query(
      `update providers p set credential_ciphertext = a.credential_ciphertext, credential_iv = a.credential_iv,
              credential_wrapped_dek = a.credential_wrapped_dek, credential_fingerprints = a.credential_fingerprints
         from applied a where a.id = p.id`,
    );
  });

  afterAll(async () => {
    await db?.close();
    await wdb?.cleanup().catch(() => undefined);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function decryptBoth(): Promise<Array<string | Error>> {
    const ids = (await db.query<{ id: string }>(`select id::text as id from providers order by name`)).rows.map((r) => r.id);
    const cols = await readCredentialColumns(db, ids);
    const kek = await openLocalKek(path.join(work, '.cvctl', 'kek'), { create: false });
    return Promise.all(
      ids.map((id) =>
        openCredentials(kek, id, cols.get(id)!).then(
          (f) => f.apiKey.reveal(),
          (e: Error) => e,
        ),
      ),
    );
  }

  async function swap(columns: string[]): Promise<void> {
    const sets = columns.map((c) => `${c} = o.${c}`).join(', ');
    await db.query(`update providers p set ${sets} from providers o where p.name <> o.name`);
  }

  test('untouched rows decrypt to their own values', async () => {
    expect(await decryptBoth()).toEqual(['sk-aaaaaaaaaaaaaaaaaaaaaaaa', 'gsk_bbbbbbbbbbbbbbbbbbbbbbbb']);
  });

  test.each([
    [['credential_iv']],
    [['credential_ciphertext']],
    [['credential_ciphertext', 'credential_iv']],
    [['credential_ciphertext', 'credential_iv', 'credential_wrapped_dek']],
    [['credential_wrapped_dek']],
  ])('swapping %j between rows fails with an integrity error', async (columns) => {
    await swap(columns);
    for (const r of await decryptBoth()) {
      expect(r).toBeInstanceOf(Error);
      expect(r).toMatchObject({ code: 'CRYPTO_INTEGRITY' });
    }
  });

  test.each([
    ['the last byte of the tag', 'substring(credential_ciphertext from 1 for length(credential_ciphertext) - 1)'],
    ['the whole 16-byte tag', 'substring(credential_ciphertext from 1 for length(credential_ciphertext) - 16)'],
    ['one flipped bit', "set_byte(credential_ciphertext, 0, get_byte(credential_ciphertext, 0) # 1)"],
  ])('a ciphertext with %s cut or changed is rejected with an integrity error', async (_what, expr) => {
    await db.query(`update providers set credential_ciphertext = ${expr}`);
    for (const r of await decryptBoth()) {
      expect(r).toBeInstanceOf(Error);
      expect(r).toMatchObject({ code: 'CRYPTO_INTEGRITY' });
      expect(String((r as Error).message)).not.toMatch(/sk-a{6}|gsk_b{6}/);
    }
  });

  test('a fingerprint moved to another row does not pass for the credential there', async () => {
    await swap(['credential_fingerprints']);
    const r = await runCli([...wdb.dbArgs, 'plan', 'p.yaml', '--detailed-exitcode', '--output', 'json'], {
      cwd: work,
      env: KEYS,
      database: wdb.embeddedDir ? db : undefined,
    });
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout) as { changes: Array<{ resource: { name: string }; fields: Array<{ path: string }> }> };
    const changed = plan.changes.filter((c) => c.fields.some((f) => f.path === 'credentials.apiKey')).map((c) => c.resource.name);
    expect(changed.sort()).toEqual(['a', 'b']);
  });
});
