// local -> local through the CLI, on rows made by a real `cvctl apply`: every credential
// still decrypts (with the new KEK only), nothing but the wrapping changed, the fingerprint
// key moved last, and a plan with the new --kms sees no changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { targets } from '../support/db';
import { main } from '../../src/cli/main';
import { openLocalKek } from '../../src/crypto/local-kek';
import { credentialsContext } from '../../src/crypto/envelope';
import { loadFingerprintKey } from '../../src/crypto/fingerprint';
import { SecretValue } from '../../src/secrets/resolver';
import type { RotateSummary } from '../../src/app/kek-rotate';
import { envelopes, fingerprintKeyRow, readAll, workspace, type Workspace } from './support';

const N = 50;
// PGlite under a loaded machine: every CLI run opens the embedded database afresh.
jest.setTimeout(180_000);

/** One file with N openai providers, each apiKey from its own env var. */
function writeProviders(ws: Workspace): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = ['version: 1', 'providers:'];
  for (let i = 1; i <= N; i++) {
    const name = `p-${String(i).padStart(3, '0')}`;
    const v = `KEY_${String(i).padStart(3, '0')}`;
    env[v] = `sk-proj-${randomBytes(10).toString('hex')}`;
    lines.push(`  - name: ${name}`, '    kind: openai', '    credentials:', `      apiKey: {from: env, name: ${v}}`);
  }
  fs.mkdirSync(path.join(ws.cwd, 'providers'));
  fs.writeFileSync(path.join(ws.cwd, 'providers', 'providers.yaml'), lines.join('\n') + '\n');
  return env;
}

describe.each(targets)('kek rotate local -> local on %s', (target) => {
  let ws: Workspace;
  let keys: Record<string, string>;

  beforeEach(async () => {
    ws = await workspace(target);
    keys = writeProviders(ws);
    const r = await ws.cli(['apply', 'providers', '--auto-approve'], keys);
    if (r.code !== 0) throw new Error(`seeding apply failed: ${r.stderr}`);
  });

  afterEach(async () => {
    await ws.cleanup();
  });

  test('every row is re-wrapped in batches, readable only with the new KEK, ciphertexts untouched', async () => {
    const source = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek'), { create: false });
    const before = await ws.withDb((db) => envelopes(db));
    expect(before.size).toBe(N);
    const fpBefore = await ws.withDb((db) => fingerprintKeyRow(db));
    expect(fpBefore?.kekId).toBe(source.id);

    const r = await ws.cli(['kek', 'rotate', '--to', 'local://.cvctl/kek-new', '--batch-size', '7', '-o', 'json']);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RotateSummary;
    const targetKek = await openLocalKek(path.join(ws.cwd, '.cvctl', 'kek-new'), { create: false });
    expect(s).toMatchObject({
      dryRun: false,
      source: source.id,
      target: targetKek.id,
      rows: { withCredentials: N, rewrapped: N, alreadyOnTarget: 0, changedConcurrently: 0, remaining: 0 },
      fromKeks: { [source.id]: N },
      passes: [{ pass: 1, rewrapped: N, changedConcurrently: 0 }],
      fingerprintKey: 'rewrapped',
      kmsCalls: { total: 0 },
    });
    expect(fs.statSync(path.join(ws.cwd, '.cvctl', 'kek-new')).mode & 0o777).toBe(0o600);

    const after = await ws.withDb((db) => envelopes(db));
    for (const [id, b] of before) {
      const a = after.get(id)!;
      expect(a.kekId).toBe(targetKek.id);
      // Only the wrapping changed: same DEK, so the very same ciphertext and IV.
      expect(a.ciphertext.equals(b.ciphertext)).toBe(true);
      expect(a.iv.equals(b.iv)).toBe(true);
      expect(a.wrappedDek.equals(b.wrappedDek)).toBe(false);
      // The old KEK cannot unwrap the new wrapping, even told it is its own.
      await expect(source.unwrap({ wrapped: a.wrappedDek, kekId: source.id }, credentialsContext(id))).rejects.toMatchObject({
        code: 'CRYPTO_INTEGRITY',
      });
    }
    const values = await ws.withDb((db) => readAll(db, [targetKek]));
    for (let i = 1; i <= N; i++) {
      expect(values.get(`p-${String(i).padStart(3, '0')}`)).toBe(keys[`KEY_${String(i).padStart(3, '0')}`]);
    }

    // The fingerprint key: re-wrapped, same key (stored fingerprints still match), old KEK refused.
    const fpAfter = await ws.withDb((db) => fingerprintKeyRow(db));
    expect(fpAfter?.kekId).toBe(targetKek.id);
    expect(fpAfter?.rotatedAt).not.toBeNull();
    await ws.withDb(async (db) => {
      const fp = await loadFingerprintKey(db, targetKek, { create: false });
      const r1 = await db.query<{ id: string; fps: Record<string, string> }>(
        `select id::text as id, credential_fingerprints as fps from providers where name = 'p-001'`,
      );
      const row = r1.rows[0]!;
      expect(fp!.matches(row.id, 'apiKey', new SecretValue(keys.KEY_001!), row.fps.apiKey)).toBe(true);
      await expect(loadFingerprintKey(db, source, { create: false })).rejects.toMatchObject({ code: 'CRYPTO_INTEGRITY' });
    });

    // Plans with the new KEK see exactly what was applied.
    const plan = await ws.cli(['--kms', 'local://.cvctl/kek-new', 'plan', 'providers', '--detailed-exitcode'], keys);
    expect(plan.stderr).not.toContain('error');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes');

    // A second run has nothing to do.
    const again = await ws.cli(['kek', 'rotate', '--to', 'local://.cvctl/kek-new', '--kms', 'local://.cvctl/kek', '-o', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      rows: { rewrapped: 0, alreadyOnTarget: N },
      fingerprintKey: 'already-on-target',
      passes: [],
    });
  });

  test('--dry-run counts and writes nothing, not even the new key file; text summary', async () => {
    const before = await ws.withDb((db) => envelopes(db));
    const r = await ws.cli(['kek', 'rotate', '--to', 'local://.cvctl/kek-new', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Dry run: nothing was written/);
    expect(r.stdout).toMatch(/rows to re-wrap: +50 \(50 on local:[0-9a-f]{16}\)/);
    expect(r.stdout).toMatch(/fingerprint key: +would be re-wrapped/);
    expect(fs.existsSync(path.join(ws.cwd, '.cvctl', 'kek-new'))).toBe(false);
    expect(await ws.withDb((db) => envelopes(db))).toEqual(before);

    const real = await ws.cli(['kek', 'rotate', '--to', 'local://.cvctl/kek-new', '--batch-size', '7']);
    expect(real.code).toBe(0);
    // Not a terminal: no progress bar on stderr, the summary on stdout.
    expect(real.stderr).not.toContain('\r');
    expect(real.stdout).toMatch(/^Rotated the key-encryption key: local:[0-9a-f]{16} -> local:[0-9a-f]{16}\n/);
    expect(real.stdout).toMatch(/rows re-wrapped: +50\n/);
    expect(real.stdout).toMatch(/changed concurrently: +0\n/);
    expect(real.stdout).toMatch(/fingerprint key: +re-wrapped\n/);
    expect(real.stdout).toMatch(/KMS calls: +0 \(local KEKs make none\)\n/);
    expect(real.stdout).toMatch(/elapsed: +\d+\.\d s \([\d,]+ rows\/s\)\n/);
  });

  test('on a terminal a progress bar is drawn on stderr with \\r; -q silences it', async () => {
    const run = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      let stdout = '';
      let stderr = '';
      const code = await main(['node', 'cvctl', ...ws.dbArgs, ...args], {
        cwd: ws.cwd,
        env: { PATH: process.env.PATH },
        io: {
          stdout: (s) => void (stdout += s),
          stderr: (s) => void (stderr += s),
          stdinIsTTY: true,
          stdoutIsTTY: true,
          prompt: async () => '',
        },
      });
      return { code, stdout, stderr };
    };
    const quiet = await run(['-q', 'kek', 'rotate', '--to', 'local://.cvctl/kek-2']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/rows re-wrapped: +50\n/);
    const loud = await run(['--kms', 'local://.cvctl/kek-2', 'kek', 'rotate', '--to', 'local://.cvctl/kek-3']);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/\r\[#{30}\] 50\/50 rows 100% [\d,]+ rows\/s/);
    // Cleared before the summary, which goes to stdout alone.
    expect(loud.stderr.endsWith('\r\x1b[K')).toBe(true);
    expect(loud.stdout).not.toContain('\r');
  });

  test('a missing source key file is an error and nothing is created', async () => {
    const r = await ws.cli(['--kms', 'local://.cvctl/nope', 'kek', 'rotate', '--to', 'local://.cvctl/kek-new']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot open the source KEK \(--kms local:\/\/\.cvctl\/nope\).*does not exist/);
    expect(fs.existsSync(path.join(ws.cwd, '.cvctl', 'kek-new'))).toBe(false);
  });
});
