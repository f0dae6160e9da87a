// Table-driven test over test/fixtures/invalid: each file states what it must produce on
// its first lines, `# expect: code line:col[, code line:col...]` (and optionally
// `# env: NAME=value` for the run). The set of diagnostics must match exactly, so
// wrapper noise or a wrong position fails the test. Files are loaded as `cvctl validate` loads
// them, policy rules included.
import * as fs from 'fs';
import * as path from 'path';
import { DIAGNOSTIC_CODES } from '../../src/config/codes';
import { loadConfig } from '../../src/config/load';
import { FIXTURES, REPO_ROOT, fakeCatalog, summarize } from './helpers';

const DIR = path.join(FIXTURES, 'invalid');

interface Case {
  file: string;
  expect: string[];
  env: Record<string, string>;
}

function header(buf: Buffer): string {
  // Fixtures may be UTF-16 or contain bad bytes; only their first ASCII comment lines matter.
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  return buf.toString('latin1');
}

function readCases(): Case[] {
  return fs
    .readdirSync(DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((file) => {
      const text = header(fs.readFileSync(path.join(DIR, file)));
      const expect: string[] = [];
      const env: Record<string, string> = {};
      for (const line of text.split('\n')) {
        const e = /^# expect: (.*)$/.exec(line.trimEnd());
        if (e) expect.push(...e[1].split(',').map((s) => s.trim()));
        const v = /^# env: (\w+)=(.*)$/.exec(line.trimEnd());
        if (v) env[v[1]] = v[2];
      }
      return { file, expect: expect.sort(), env };
    });
}

const cases = readCases();

/** Codes that no single file can produce; each has its own unit test. */
// no-documents and not-cvctl-document need a walked folder (test/config/recognise.test.ts);
// backend-provider-model-deleted needs a plan (test/config/routing.test.ts); policy-cost-increase
// needs usage from the database (test/plan/policy.test.ts).
const NOT_FROM_A_FILE = [
  'path-not-found',
  'no-files',
  'no-documents',
  'not-cvctl-document',
  'unreadable-file',
  'internal-error',
  'schema-violation',
  'backend-provider-model-deleted',
  'policy-cost-increase',
];

describe('invalid fixture corpus', () => {
  it('has at least 40 fixtures, each with an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const c of cases) expect({ file: c.file, n: c.expect.length > 0 }).toEqual({ file: c.file, n: true });
  });

  it('covers every diagnostic code', () => {
    const covered = new Set(cases.flatMap((c) => c.expect.map((e) => e.split(' ')[0])));
    const missing = Object.keys(DIAGNOSTIC_CODES).filter((c) => !covered.has(c) && !NOT_FROM_A_FILE.includes(c));
    expect(missing).toEqual([]);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s', async (file, c) => {
    const saved = { ...process.env };
    Object.assign(process.env, c.env);
    try {
      const rel = path.relative(REPO_ROOT, path.join(DIR, file));
      const r = await loadConfig([rel], { catalog: fakeCatalog(), cwd: REPO_ROOT, checkPolicy: true });
      expect(summarize(r).sort()).toEqual(c.expect);
      for (const d of r.diagnostics) {
        expect(d.file).toBe(rel);
        expect(DIAGNOSTIC_CODES).toHaveProperty([d.code]);
        // Fixtures mark their fake secrets DO-NOT-LEAK: no message may carry them.
        expect(d.message).not.toMatch(/DO-NOT-LEAK/);
      }
      if (r.diagnostics.some((d) => d.severity === 'error')) {
        expect(r.desired.providers.every((p) => p.spec.pos.file === rel)).toBe(true);
      }
    } finally {
      process.env = saved;
    }
  });
});
