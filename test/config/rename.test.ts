// `renamedFrom` in the files: a name or a list becomes the spec's earlier names with their
// positions; the cross-file rules (declared elsewhere, claimed twice, own name) are errors at
// the entry that breaks them, also across files.
import { load, providerDoc, removeRepo, summarize, tempRepo } from './helpers';

describe('renamedFrom', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  it('reads a single name and a list, each with its position', async () => {
    dir = tempRepo({
      'a.yaml': providerDoc('new-a', '    renamedFrom: old-a\n'),
      'b.yaml': providerDoc('new-b', '    renamedFrom:\n      - old-b1\n      - old-b2\n'),
      'c.yaml': providerDoc('plain'),
    });
    const r = await load(['.'], dir);
    expect(r.diagnostics).toEqual([]);
    const byName = Object.fromEntries(r.desired.providers.map((p) => [p.spec.name, p.spec.renamedFrom]));
    expect(byName['new-a']).toEqual([{ name: 'old-a', pos: { file: 'a.yaml', line: 7, column: 18 } }]);
    expect(byName['new-b']).toEqual([
      { name: 'old-b1', pos: { file: 'b.yaml', line: 8, column: 9 } },
      { name: 'old-b2', pos: { file: 'b.yaml', line: 9, column: 9 } },
    ]);
    expect(byName.plain).toBeUndefined();
  });

  it('an earlier name declared as a provider in another file is an error at the renamedFrom entry', async () => {
    dir = tempRepo({ 'a.yaml': providerDoc('new', '    renamedFrom: [old]\n'), 'sub/b.yaml': providerDoc('old') });
    const r = await load(['.'], dir);
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line, d.column, d.message])).toEqual([
      ['renamed-from-declared', 'a.yaml', 7, 19, "renamedFrom 'old' names a provider that is also declared in the files (at sub/b.yaml:3:5); a provider cannot be renamed and kept"],
    ]);
  });

  it('an earlier name claimed by providers in two files is an error at both claims', async () => {
    dir = tempRepo({ 'a.yaml': providerDoc('one', '    renamedFrom: old\n'), 'b.yaml': providerDoc('two', '    renamedFrom: [x, old]\n') });
    const r = await load(['.'], dir);
    expect(summarize(r)).toEqual(['duplicate-renamed-from 7:18', 'duplicate-renamed-from 7:22']);
    expect(r.diagnostics.map((d) => d.file)).toEqual(['a.yaml', 'b.yaml']);
    expect(r.diagnostics[0].message).toContain("also 'two' at b.yaml:7:22");
  });

  it("a provider's own name in its renamedFrom is an error", async () => {
    dir = tempRepo({ 'a.yaml': providerDoc('same', '    renamedFrom: same\n') });
    expect(summarize(await load(['.'], dir))).toEqual(['renamed-from-self 7:18']);
  });
});
