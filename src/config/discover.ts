// Which files `cvctl validate|plan|apply [paths..]` reads. A path may be a file (read
// whatever its extension: it was named explicitly) or a directory (walked for *.yaml and
// *.yml). Walks skip hidden entries (dot-folders like .git and dot-files like
// .gitlab-ci.yml, which are never provider files) and node_modules, follow symlinks
// without looping, and return files sorted by display path so output is deterministic.
// A path that does not exist is a `path-not-found` diagnostic with line 0 (no position: it
// is shown as `PATH error ...`, with null line and column in JSON), not an exception, so it is
// reported together with everything else.
// A file named on the command line is `explicit`: its documents are all read as cvctl's
// (load.ts), while files found by walking a folder may hold other tools' YAML, which is skipped.
import * as fs from 'fs';
import * as path from 'path';
import type { Diagnostic } from './diagnostics';
import { DIAGNOSTIC_CODES, type DiagnosticCode } from './codes';

export interface SourceFileRef {
  /** Absolute path, for reading. */
  abs: string;
  /** Relative to the working directory, with forward slashes, for messages. */
  display: string;
  /** Named on the command line (not found by walking a folder). */
  explicit?: boolean;
}

export interface Discovery {
  files: SourceFileRef[];
  diagnostics: Diagnostic[];
}

const YAML_EXT = /\.ya?ml$/i;

/** `abs` relative to `cwd`, with forward slashes (absolute when on another drive). */
export function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  const shown = rel === '' ? '.' : path.isAbsolute(rel) ? abs : rel;
  return shown.split(path.sep).join('/');
}

function fileDiagnostic(code: DiagnosticCode, file: string, message: string): Diagnostic {
  return { severity: DIAGNOSTIC_CODES[code].severity, code, message, file, line: 0, column: 0 };
}

function skipped(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

export function discoverFiles(paths: readonly string[], cwd: string): Discovery {
  const found = new Map<string, SourceFileRef>();
  const diagnostics: Diagnostic[] = [];
  const visitedDirs = new Set<string>();

  const addFile = (abs: string, explicit = false): void => {
    const display = displayPath(abs, cwd);
    const known = found.get(display);
    if (known === undefined) found.set(display, explicit ? { abs, display, explicit } : { abs, display });
    else if (explicit) known.explicit = true;
  };

  const walk = (dir: string): void => {
    let real: string;
    let entries: fs.Dirent[];
    try {
      real = fs.realpathSync(dir);
      if (visitedDirs.has(real)) return; // a symlink loop, or a folder reached twice
      visitedDirs.add(real);
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      diagnostics.push(fileDiagnostic('unreadable-file', displayPath(dir, cwd), `cannot read directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`));
      return;
    }
    for (const ent of entries) {
      if (skipped(ent.name)) continue;
      const abs = path.join(dir, ent.name);
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          const st = fs.statSync(abs);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // a dangling symlink is not a file of ours
        }
      }
      if (isDir) walk(abs);
      else if (isFile && YAML_EXT.test(ent.name)) addFile(abs);
    }
  };

  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') diagnostics.push(fileDiagnostic('path-not-found', p, `no such file or directory: ${p}`));
      else diagnostics.push(fileDiagnostic('unreadable-file', p, `cannot read ${p} (${code ?? 'error'})`));
      continue;
    }
    if (st.isDirectory()) walk(abs);
    else addFile(abs, true);
  }

  const files = [...found.values()].sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
  if (files.length === 0 && diagnostics.length === 0) {
    const where = paths.length === 0 ? '.' : paths.join(', ');
    diagnostics.push(fileDiagnostic('no-files', paths[0] ?? '.', `no *.yaml or *.yml files found in ${where}`));
  }
  return { files, diagnostics };
}
