// The working folder `.cvctl/` (embedded database, local key file) must never be committed: it
// holds the KEK that decrypts every stored credential. Whoever creates it also writes
// `.cvctl/.gitignore` containing `*`, so `git add .` skips it even in a repository whose own
// .gitignore forgets it. An existing folder is left as it is (the user may have chosen otherwise).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const CVCTL_DIR_NAME = '.cvctl';
export const CVCTL_GITIGNORE = '# written by cvctl: this folder holds the local key and database; never commit it\n*\n';

/** The nearest ancestor-or-self of `dir` named `.cvctl`, or undefined. */
function cvctlAncestor(dir: string): string | undefined {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (path.basename(d) === CVCTL_DIR_NAME) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * `mkdir -p dir` (with `mode` for the folders it creates); when that creates a `.cvctl` folder
 * on the way, writes its `.gitignore`. Throws what mkdir throws.
 */
export function ensureCvctlDir(dir: string, mode?: number): void {
  const root = cvctlAncestor(dir);
  const created = root !== undefined && !fs.existsSync(root);
  fs.mkdirSync(dir, { recursive: true, ...(mode !== undefined ? { mode } : {}) });
  if (!created) return;
  try {
    // wx: a concurrent cvctl that created the folder at the same time wrote the same file.
    fs.writeFileSync(path.join(root, '.gitignore'), CVCTL_GITIGNORE, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
