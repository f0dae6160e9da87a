import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { CvctlError } from '../../src/errors';
import { canonicalContext, LocalKek, localKekId, openLocalKek, parseKeyBytes } from '../../src/crypto/local-kek';

const ROOT = path.resolve(__dirname, '../..');
const ctxA = { table: 'providers', id: 'row-a', field: 'credentials' };
const ctxB = { table: 'providers', id: 'row-b', field: 'credentials' };

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-kek-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CvctlError);
    return { code: (e as CvctlError).code, message: (e as CvctlError).message };
  }
  throw new Error('expected a CvctlError');
}

describe('key file', () => {
  it('is created on first use with mode 0600, in a new directory, and reopened with the same id', async () => {
    const p = path.join(dir, 'nested', '.cvctl', 'kek');
    const kek = await openLocalKek(p, { create: true });
    const st = fs.statSync(p);
    expect(st.size).toBe(32);
    if (process.platform !== 'win32') expect(st.mode & 0o777).toBe(0o600);
    expect(kek.id).toMatch(/^local:[0-9a-f]{16}$/);
    expect(kek.id).toBe('local:' + createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16));
    expect((await openLocalKek(p, { create: false })).id).toBe(kek.id);
    // no temporary files left behind (the .gitignore is cvctl's: test/state/cvctl-dir.test.ts)
    expect(fs.readdirSync(path.dirname(p)).sort()).toEqual(['.gitignore', 'kek']);
  });

  it('keeps its id when the file is moved', async () => {
    const a = path.join(dir, 'a');
    const kek = await openLocalKek(a, { create: true });
    const b = path.join(dir, 'b');
    fs.renameSync(a, b);
    const moved = await openLocalKek(b, { create: false });
    expect(moved.id).toBe(kek.id);
    const w = await kek.wrap(Buffer.alloc(32, 7), ctxA);
    expect(await moved.unwrap(w, ctxA)).toEqual(Buffer.alloc(32, 7));
  });

  it('is not created without create', async () => {
    const p = path.join(dir, 'missing');
    const e = await codeOf(openLocalKek(p, { create: false }));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain('does not exist');
    // Only readers of existing encrypted data open without create: the message says how to
    // find the old key, never that a write would create one (it could not decrypt the data).
    expect(e.message).toContain('restore the file, or point --kms (env CVCTL_KMS_KEY) at the key');
    expect(e.message).not.toMatch(/created by/);
    expect(fs.existsSync(p)).toBe(false);
  });

  (process.platform === 'win32' ? it.skip : it)('is refused when group/world readable, with chmod 600 advice', async () => {
    const p = path.join(dir, 'kek');
    fs.writeFileSync(p, randomBytes(32), { mode: 0o644 });
    fs.chmodSync(p, 0o644);
    const e = await codeOf(openLocalKek(p, { create: true }));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain(`chmod 600 ${p}`);
    expect(e.message).toContain('0644');
    fs.chmodSync(p, 0o640);
    expect((await codeOf(openLocalKek(p, { create: false }))).message).toContain('chmod 600');
    fs.chmodSync(p, 0o600);
    await expect(openLocalKek(p, { create: false })).resolves.toBeInstanceOf(LocalKek);
  });

  it.each([
    ['31 raw bytes', randomBytes(31)],
    ['33 raw bytes', randomBytes(33)],
    ['empty', Buffer.alloc(0)],
    ['63 hex chars', Buffer.from('a'.repeat(63))],
    ['base64 of 31 bytes', Buffer.from(randomBytes(31).toString('base64'))],
    ['a large file', randomBytes(4096)],
  ])('refuses a key file holding %s', async (_label, content) => {
    const p = path.join(dir, 'kek');
    fs.writeFileSync(p, content, { mode: 0o600 });
    const e = await codeOf(openLocalKek(p, { create: true }));
    expect(e.code).toBe('KMS_ERROR');
    expect(e.message).toContain('must hold exactly 32 bytes');
  });

  it('accepts hand-provisioned hex and base64 keys, with the id of the raw key', async () => {
    const raw = randomBytes(32);
    const id = localKekId(raw);
    for (const text of [raw.toString('hex') + '\n', raw.toString('hex').toUpperCase(), raw.toString('base64') + '\r\n', raw.toString('base64url')]) {
      const p = path.join(dir, 'kek');
      fs.writeFileSync(p, text, { mode: 0o600 });
      expect((await openLocalKek(p, { create: false })).id).toBe(id);
      fs.unlinkSync(p);
    }
    expect(parseKeyBytes(Buffer.from('zz'.repeat(32)))).toBeNull();
  });

  it('lets concurrent creators in one process agree on one key', async () => {
    const p = path.join(dir, 'kek');
    const keks = await Promise.all(Array.from({ length: 24 }, () => openLocalKek(p, { create: true })));
    expect(new Set(keks.map((k) => k.id)).size).toBe(1);
    expect(fs.readdirSync(dir)).toEqual(['kek']);
  });

  it('lets racing creator processes agree on one key', async () => {
    // Compile the module (and its one runtime dependency) so plain node processes can race.
    const out = path.join(dir, 'build');
    for (const rel of ['src/errors.ts', 'src/cvctl-dir.ts', 'src/crypto/kek.ts', 'src/crypto/local-kek.ts']) {
      const src = fs.readFileSync(path.join(ROOT, rel), 'utf8');
      const js = ts.transpileModule(src, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const dest = path.join(out, rel.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, js);
    }
    const script = path.join(out, 'race.js');
    fs.writeFileSync(
      script,
      `const { openLocalKek } = require('./src/crypto/local-kek.js');
       const start = Number(process.argv[3]);
       while (Date.now() < start) {}
       openLocalKek(process.argv[2], { create: true }).then((k) => process.stdout.write(k.id), (e) => { console.error(e); process.exit(1); });`,
    );
    const keyPath = path.join(dir, 'shared', 'kek');
    const start = String(Date.now() + 1500);
    const run = promisify(execFile);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => run(process.execPath, [script, keyPath, start])),
    );
    const ids = new Set(results.map((r) => r.stdout));
    expect(ids.size).toBe(1);
    expect((await openLocalKek(keyPath, { create: false })).id).toBe([...ids][0]);
    expect(fs.readdirSync(path.dirname(keyPath))).toEqual(['kek']);
  });
});

describe('wrap / unwrap', () => {
  const kek = LocalKek.fromKey(randomBytes(32));
  const other = LocalKek.fromKey(randomBytes(32));

  it('round-trips, in the documented byte format', async () => {
    const dek = randomBytes(32);
    const w = await kek.wrap(dek, ctxA);
    expect(w.kekId).toBe(kek.id);
    expect(w.wrapped.length).toBe(1 + 12 + 16 + 32);
    expect(w.wrapped[0]).toBe(0x01);
    expect(w.wrapped.includes(dek)).toBe(false);
    expect(await kek.unwrap(w, ctxA)).toEqual(dek);
    // a fresh IV every time
    expect((await kek.wrap(dek, ctxA)).wrapped.equals(w.wrapped)).toBe(false);
  });

  it('binds the wrapped key to its encryption context', async () => {
    const w = await kek.wrap(randomBytes(32), ctxA);
    const e = await codeOf(kek.unwrap(w, ctxB));
    expect(e.code).toBe('CRYPTO_INTEGRITY');
    expect(e.message).toBe(
      'cannot unwrap the data key for providers/row-b: integrity check failed (wrong key, or the wrapped key was moved from another row)',
    );
    // context key order does not matter
    expect(await kek.unwrap(w, { id: 'row-a', field: 'credentials', table: 'providers' })).toHaveLength(32);
  });

  it('refuses a key wrapped by another KEK, naming both', async () => {
    const w = await other.wrap(randomBytes(32), ctxA);
    const e = await codeOf(kek.unwrap(w, ctxA));
    expect(e.code).toBe('CRYPTO_INTEGRITY');
    expect(e.message).toContain(`wrapped by KEK ${other.id}, but the configured KEK is ${kek.id}`);
    // and a forged kek id does not help: GCM fails under the wrong key
    const forged = await codeOf(kek.unwrap({ wrapped: w.wrapped, kekId: kek.id }, ctxA));
    expect(forged.message).toContain('integrity check failed');
  });

  it('detects tampering, truncation and unknown versions', async () => {
    const w = await kek.wrap(randomBytes(32), ctxA);
    for (const i of [1, 13, 29, 60]) {
      const bad = Buffer.from(w.wrapped);
      bad[i]! ^= 1;
      expect((await codeOf(kek.unwrap({ ...w, wrapped: bad }, ctxA))).code).toBe('CRYPTO_INTEGRITY');
    }
    expect((await codeOf(kek.unwrap({ ...w, wrapped: w.wrapped.subarray(0, 20) }, ctxA))).message).toContain('format');
    const v2 = Buffer.from(w.wrapped);
    v2[0] = 2;
    expect((await codeOf(kek.unwrap({ ...w, wrapped: v2 }, ctxA))).message).toContain('format');
  });

  it('rewraps from another KEK without the caller seeing the key, and counts calls', async () => {
    const a = LocalKek.fromKey(randomBytes(32));
    const b = LocalKek.fromKey(randomBytes(32));
    const { plaintext, wrapped } = await a.generateDataKey(ctxA);
    const re = await b.rewrap(wrapped, ctxA, a);
    expect(re.kekId).toBe(b.id);
    expect(await b.unwrap(re, ctxA)).toEqual(plaintext);
    expect((await codeOf(a.unwrap(re, ctxA))).code).toBe('CRYPTO_INTEGRITY');
    expect(a.callCount()).toBe(3); // generate, unwrap (by rewrap), failed unwrap
    expect(b.callCount()).toBe(2); // wrap (by rewrap), unwrap
  });

  it('encodes contexts canonically', () => {
    expect(canonicalContext({ b: '1', a: '2', '10': 'x', '9': 'y' }).toString()).toBe(
      '{"10":"x","9":"y","a":"2","b":"1"}',
    );
    expect(canonicalContext({ a: '"|,' }).toString()).toBe('{"a":"\\"|,"}');
  });
});
