// The docs hold together: docs/README.md links every document in docs/ (benchmark docs
// included), every relative link and #anchor in the docs resolves, every YAML and JSON snippet
// parses, and every complete providers document in them passes `cvctl validate`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runCli } from '../support/cli';
import { ROOT } from '../github/support';

const DOCS = path.join(ROOT, 'docs');
// The documents this test vouches for (others in docs/ are owned elsewhere, but must be indexed).
const OWN = ['README.md', 'getting-started.md', 'file-format.md', 'diagnostics.md', 'cli.md', 'ci-recipes.md', 'operations.md', 'security.md', 'routing-and-access.md'].map(
  (f) => path.join(DOCS, f),
);
const FILES = [...OWN, path.join(ROOT, 'README.md'), path.join(ROOT, 'examples', 'github', 'README.md')];
const read = (f: string): string => fs.readFileSync(f, 'utf8');

const fences = (text: string, lang: string): string[] =>
  [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1]!);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1/-2 for repeats. */
function anchorsOf(file: string): Set<string> {
  const text = read(file).replace(/^```[\s\S]*?^```/gm, '');
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const m of text.matchAll(/<a id="([^"]+)"><\/a>/g)) out.add(m[1]!);
  return out;
}

/** Relative markdown links outside code: [text](target). */
function linksOf(file: string): string[] {
  const text = read(file)
    .replace(/^```[\s\S]*?^```/gm, '')
    .replace(/\\./g, 'x') // escaped characters are text, not markup
    .replace(/`[^`\n]*`/g, 'code');
  return [...text.matchAll(/\[[^\]\n]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('the docs', () => {
  it('docs/README.md links every document in docs/, benchmark docs included', () => {
    const index = read(path.join(DOCS, 'README.md'));
    const docs = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(docs).toEqual(expect.arrayContaining(['benchmarks-validate.md', 'getting-started.md', 'security.md']));
    expect(docs.filter((f) => !index.includes(`](${f})`))).toEqual([]);
  });

  it('the root README links the docs index and the main documents', () => {
    const readme = read(path.join(ROOT, 'README.md'));
    const section = readme.slice(readme.indexOf('\n## Documentation\n'));
    for (const f of ['docs/README.md', 'docs/getting-started.md', 'docs/cli.md', 'docs/ci-recipes.md', 'docs/security.md', 'docs/operations.md']) {
      expect(section).toContain(`](${f})`);
    }
  });

  it.each(FILES.map((f) => [path.relative(ROOT, f), f]))('%s: every relative link and anchor resolves', (_name, file) => {
    const broken: string[] = [];
    for (const link of linksOf(file)) {
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const dest = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
      if (!fs.existsSync(dest)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (anchor !== undefined && dest.endsWith('.md') && !anchorsOf(dest).has(anchor)) broken.push(`${link}: no such anchor`);
    }
    expect(broken).toEqual([]);
  });

  it.each(OWN.map((f) => [path.relative(ROOT, f), f]))('%s: every yaml and json snippet parses', (_name, file) => {
    const text = read(file);
    for (const y of fences(text, 'yaml')) {
      for (const d of parseAllDocuments(y)) expect(d.errors.map((e) => e.message)).toEqual([]);
    }
    for (const j of fences(text, 'json')) expect(() => JSON.parse(j)).not.toThrow();
  });

  it('every complete providers document in the docs passes cvctl validate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-doc-yaml-'));
    try {
      let n = 0;
      for (const file of OWN) {
        for (const y of fences(read(file), 'yaml')) {
          if (!/^version: 1$/m.test(y) || !/^providers:$/m.test(y)) continue;
          fs.writeFileSync(path.join(dir, `${path.basename(file, '.md')}-${++n}.yaml`), y);
        }
      }
      expect(n).toBeGreaterThanOrEqual(2);
      const r = await runCli(['validate', '.'], { cwd: dir });
      expect(r.stdout).toMatch(/valid/);
      expect(r.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
