import * as fs from 'fs';
import * as path from 'path';
import { discoverFiles, displayPath } from '../../src/config/discover';
import { removeRepo, tempRepo } from './helpers';

describe('discoverFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempRepo({
      'b.yaml': '',
      'a.yml': '',
      'notes.txt': '',
      'README.md': '',
      'teams/z/providers.yaml': '',
      'teams/a/providers.YAML': '',
      '.git/config.yaml': '',
      '.github/workflows/ci.yml': '',
      '.pre-commit-config.yaml': '',
      'node_modules/pkg/x.yaml': '',
      'teams/node_modules/y.yaml': '',
    });
  });
  afterEach(() => removeRepo(dir));

  it('walks folders for *.yaml and *.yml, sorted, skipping hidden entries and node_modules', () => {
    const r = discoverFiles(['.'], dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.display)).toEqual(['a.yml', 'b.yaml', 'teams/a/providers.YAML', 'teams/z/providers.yaml']);
    expect(r.files[0].abs).toBe(path.join(dir, 'a.yml'));
  });

  it('takes an explicitly named file whatever its extension, once', () => {
    const r = discoverFiles(['notes.txt', 'b.yaml', './b.yaml', 'teams/z'], dir);
    expect(r.files.map((f) => f.display)).toEqual(['b.yaml', 'notes.txt', 'teams/z/providers.yaml']);
  });

  it('reports a missing path as path-not-found at 0:0 and goes on with the others', () => {
    const r = discoverFiles(['nope', 'b.yaml'], dir);
    expect(r.files.map((f) => f.display)).toEqual(['b.yaml']);
    expect(r.diagnostics).toEqual([
      { severity: 'error', code: 'path-not-found', message: 'no such file or directory: nope', file: 'nope', line: 0, column: 0 },
    ]);
  });

  it('reports no-files when the paths hold no YAML at all', () => {
    fs.mkdirSync(path.join(dir, 'empty'));
    const r = discoverFiles(['empty'], dir);
    expect(r.files).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line, d.column])).toEqual([['no-files', 'empty', 0, 0]]);
  });

  it('follows symlinks without looping', () => {
    fs.symlinkSync(path.join(dir, 'teams'), path.join(dir, 'teams/z/loop'));
    fs.symlinkSync(path.join(dir, 'b.yaml'), path.join(dir, 'teams/link.yaml'));
    fs.symlinkSync(path.join(dir, 'missing.yaml'), path.join(dir, 'teams/dangling.yaml'));
    const r = discoverFiles(['teams'], dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.files.map((f) => f.display)).toEqual(['teams/a/providers.YAML', 'teams/link.yaml', 'teams/z/providers.yaml']);
  });

  it('shows paths relative to cwd with forward slashes', () => {
    expect(displayPath(path.join(dir, 'x', 'y.yaml'), dir)).toBe('x/y.yaml');
    expect(displayPath(path.join(dir, 'y.yaml'), path.join(dir, 'sub'))).toBe('../y.yaml');
  });
});
