// Issue 11, item 5, through the real CLI: a label value with a right-to-left override (and a
// model id with a zero-width space, a config value with a bidi isolate) goes through every
// command; no output, saved plan or exported file may hold the raw character, each shows it as
// \uXXXX, and the escapes are the same values (the saved plan applies them, the export reads
// back to a plan with no changes). The escape rule itself: test/render/escape.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { targets } from '../support/db';
import type { CliResult } from '../support/cli';
import { hasInvisible } from '../../src/escape';
import { expectExit, workspace, type Workspace } from '../e2e/support';

const RLO = '\u202e';
const FILES = `version: 1
providers:
  - name: openai-prod
    kind: openai
    labels: {team: "plat\\u202eform", note: "a\\u200bb"}
    config: {organization: "org-\\u2066x\\u2069"}
    credentials:
      apiKey: {from: env, name: OPENAI_KEY}
    models:
      custom:
        - {id: "gpt-4o\\u200b", kind: chat}
`;

/** Raw characters of the rule in a text (line breaks between lines aside). */
function rawInvisible(text: string): boolean {
  return hasInvisible(text.replace(/\n/g, ''));
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p) : [p];
  });
}

// One database target is enough: the outputs are rendered the same way on both.
describe.each(targets.slice(0, 1))('bidi and invisible characters in every output, on %s', (target) => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await workspace(target, () => ({ OPENAI_KEY: `sk-proj-${'k'.repeat(40)}` }));
    ws.write('repo/providers.yaml', FILES);
  });
  afterAll(async () => ws?.cleanup());

  test('plan, show, apply, drift, export, history and errors escape them', async () => {
    const runs: Array<[string, CliResult]> = [];
    const cli = async (args: string[]): Promise<CliResult> => {
      const r = await ws.cli(args);
      runs.push([args.join(' '), r]);
      return r;
    };
    /** The output shows the label escaped (and so, by the check at the end, never raw). */
    const showsEscaped = (r: CliResult): void => expect(r.stdout).toContain('plat\\u202eform');

    expectExit(await cli(['validate', 'repo']), 0);
    for (const output of ['text', 'json', 'markdown']) showsEscaped(await cli(['plan', 'repo', '--output', output]));
    expectExit(await cli(['plan', 'repo', '--out', 'plan.json']), 0);
    for (const output of ['text', 'json', 'markdown']) showsEscaped(await cli(['show', 'plan.json', '--output', output]));
    const applied = await cli(['apply', '--plan', 'plan.json', '--auto-approve']);
    expectExit(applied, 0);
    showsEscaped(applied);

    // The database holds the real characters: the escape is only how they are shown.
    const stored = await ws.withDb(async (db) => {
      const r = await db.query<{ labels: Record<string, string> }>("select labels from providers where name = 'openai-prod'");
      await db.query(`update providers set labels = labels || '{"owner": "ops\u2067x"}'::jsonb where name = 'openai-prod'`);
      return r.rows[0]!.labels;
    });
    expect(stored.team).toBe(`plat${RLO}form`);
    for (const output of ['text', 'json', 'markdown']) {
      const r = await cli(['drift', 'repo', '--output', output]);
      expect(r.stdout).toContain('ops\\u2067x');
    }
    expectExit(await cli(['export', '--out', 'exported']), 0);
    await cli(['history']);
    await cli(['history', '--output', 'json']);
    // An error quoting a bad key with an override in it.
    ws.write('repo/bad.yaml', `version: 1\nproviders:\n  - name: bad\n    kind: openai\n    "te${RLO}am": x\n`);
    const bad = await cli(['validate', 'repo']);
    expectExit(bad, 1);
    expect(bad.stdout + bad.stderr).toContain('te\\u202eam');
    fs.rmSync(path.join(ws.cwd, 'repo', 'bad.yaml'));

    // The export is the same data: planning it (the DB's owner label included) changes nothing
    // (its credential references are placeholders, so without resolving them).
    const exported = listFiles(path.join(ws.cwd, 'exported'));
    expect(exported.length).toBeGreaterThan(0);
    const yaml = exported.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(yaml).toContain('"plat\\u202eform"');
    const again = await ws.cli(['plan', 'exported', '--no-resolve-secrets', '--detailed-exitcode']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);

    const texts: Array<[string, string]> = runs.flatMap(([args, r]) => [
      [`stdout of ${args}`, r.stdout],
      [`stderr of ${args}`, r.stderr],
    ]);
    for (const f of listFiles(ws.cwd)) {
      if (f.includes(`${path.sep}.cvctl${path.sep}`) || f.startsWith(path.join(ws.cwd, 'repo'))) continue;
      texts.push([path.relative(ws.cwd, f), fs.readFileSync(f, 'utf8')]);
    }
    expect(texts.some(([w]) => w === 'plan.json')).toBe(true);
    expect(texts.filter(([, t]) => rawInvisible(t)).map(([w]) => w)).toEqual([]);
  }, 120_000);
});
