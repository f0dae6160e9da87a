// Issue 12 item 8: the `.cvctl/` folder holds the local key; whoever creates it writes a
// `.gitignore` containing `*`, so `git add .` never commits it. Both creators are covered: the
// local key file (src/crypto/local-kek.ts) and the embedded database (src/state/pglite.ts).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CVCTL_GITIGNORE, ensureCvctlDir } from '../../src/cvctl-dir';
import { openLocalKek } from '../../src/crypto/local-kek';
import { PgliteDatabase } from '../../src/state/pglite';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-dir-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const gitignore = (root: string): string | null => {
  const p = path.join(root, '.cvctl', '.gitignore');
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : null;
};

describe('ensureCvctlDir', () => {
  it('creates .cvctl/ and its .gitignore ("*") when it creates the folder, for nested paths too', () => {
    ensureCvctlDir(path.join(dir, '.cvctl', 'db'));
    expect(fs.statSync(path.join(dir, '.cvctl', 'db')).isDirectory()).toBe(true);
    expect(gitignore(dir)).toBe(CVCTL_GITIGNORE);
    expect(CVCTL_GITIGNORE.split('\n')).toContain('*');
  });

  it('leaves an existing .cvctl/ folder as it is (no .gitignore added or rewritten)', () => {
    fs.mkdirSync(path.join(dir, '.cvctl'));
    ensureCvctlDir(path.join(dir, '.cvctl', 'db'));
    expect(gitignore(dir)).toBeNull();
    fs.writeFileSync(path.join(dir, '.cvctl', '.gitignore'), 'mine\n');
    ensureCvctlDir(path.join(dir, '.cvctl'));
    expect(gitignore(dir)).toBe('mine\n');
  });

  it('writes nothing into a folder with another name', () => {
    ensureCvctlDir(path.join(dir, 'keys'));
    expect(fs.readdirSync(path.join(dir, 'keys'))).toEqual([]);
  });

  it('git then ignores everything in .cvctl/', () => {
    execFileSync('git', ['init', '-q', dir]);
    ensureCvctlDir(path.join(dir, '.cvctl'));
    fs.writeFileSync(path.join(dir, '.cvctl', 'kek'), 'x');
    fs.writeFileSync(path.join(dir, 'providers.yaml'), 'version: 1\n');
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir }).toString();
    expect(status.trim().split('\n')).toEqual(['?? providers.yaml']);
  });
});

describe('the creators of .cvctl/ write the .gitignore', () => {
  it('the local key file (local://.cvctl/kek)', async () => {
    await openLocalKek(path.join(dir, '.cvctl', 'kek'), { create: true });
    expect(gitignore(dir)).toBe(CVCTL_GITIGNORE);
  });

  it('the embedded database (.cvctl/db)', async () => {
    const db = await PgliteDatabase.open({ dir: path.join(dir, '.cvctl', 'db') });
    await db.close();
    expect(gitignore(dir)).toBe(CVCTL_GITIGNORE);
  }, 60_000);
});
