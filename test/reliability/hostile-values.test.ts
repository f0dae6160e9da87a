// Reliability: hostile values in names, labels, model ids and config.
//
// Every value of support/hostile-values.ts (SQL metacharacters, control characters, Unicode that
// reorders or hides text, unpaired UTF-16 surrogates, 1 MB strings) goes into every place of a
// provider file (name, label key and value, custom model id, config fields, an Azure deployment
// key, an ignoreDrift reason), written as a YAML escape and, where it has one, raw. Each case
// must end in exactly one of two ways:
//   - rejected: `validate` exits 1 with an error diagnostic at the value's line (JSON and text),
//     no stack trace, and output that stays small (a 1 MB value is never echoed whole) and free
//     of raw control characters;
//   - accepted: `apply` stores it, and reading the row back gives exactly the same string
//     (JS string and UTF-8 bytes), `plan --detailed-exitcode` then exits 0 (no perpetual diff),
//     and `export` writes it back out unchanged, in files that validate and plan with no changes.
// On both targets. The CLI runs in-process (test/support/cli.ts) with a recording database
// handle (support/hostile-db.ts): no hostile value may ever be part of an SQL statement's text
// (values must travel as parameters or COPY data), and the tables are all still there after.
//
// Cost: ~1,100 cases. validate runs over all cases of one encoding at once (one file per case,
// each judged on the diagnostics of its own file), then over the accepted ones alone, which must
// pass with exit 0. Accepted cases are applied together (one provider per case); only when that
// apply fails are they applied place by place, then one by one, to pin the failure on a value.
// The `regressions` block holds the bugs these tests found (fixed in src/config).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runCli, type CliResult } from '../support/cli';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { tableNames } from '../e2e/support';
import { stackTraceIn } from './support/fuzz-check';
import { recording, type RecordingDatabase } from './support/hostile-db';
import {
  HOSTILE_VALUES,
  PLACES,
  hasRawForm,
  providerFile,
  readBack,
  yamlScalar,
  type Encoding,
  type ExportedBlock,
  type HostileValue,
  type Place,
} from './support/hostile-values';

jest.setTimeout(180_000);

const log = (s: string): void => void process.stdout.write(`[hostile] ${s}\n`);

const SECRET = 'sk-hostile-0123456789abcdef';
const ENV = { HOSTILE_API_KEY: SECRET, GITHUB_SHA: 'hostile-values-test' };

interface Case {
  n: number;
  place: Place;
  hv: HostileValue;
  enc: Encoding;
  /** The provider's name (the value itself for the name place). */
  name: string;
  /** The string the place should hold once stored. */
  stored: string;
  rel: string;
  text: string;
  /** 1-based line of the value in the file. */
  line: number;
}

function label(c: Case): string {
  return `${c.place.id} = ${c.hv.id} (${c.enc})`;
}

const CASES: Case[] = [];
for (const place of PLACES) {
  for (const hv of HOSTILE_VALUES) {
    for (const enc of ['escaped', 'raw'] as const) {
      const stored = place.stored(hv.value);
      if ((enc === 'raw' && !hasRawForm(stored)) || (hv.only && hv.only !== enc)) continue;
      const n = CASES.length;
      const name = place.providerName ? place.providerName(stored) : `h-${n}`;
      const file = providerFile(place, place.providerName ? yamlScalar(stored, enc) : name, yamlScalar(stored, enc));
      CASES.push({ n, place, hv, enc, name, stored, rel: `cases/c-${n}.yaml`, text: file.text, line: file.line });
    }
  }
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
/** Characters that reorder the text around them on a terminal or in a CI log (Trojan Source). */
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** Output about one small file: anything bigger is echoing the value. */
const MAX_OUTPUT = 16 * 1024;
/** Messages quote at most 40 code points of a value (80 UTF-16 units): a longer run of it is an echo. */
const ECHO = 200;

interface Diagnostic {
  severity: string;
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

const verdicts = new Map<number, { accepted: boolean; problems: string[] }>();
/** Problems of a whole validate run (exit code, stack trace), not of one case. */
const runProblems: string[] = [];
let validateDir: string;

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function write(root: string, rel: string, text: string): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
}

/** Writes exactly these cases under <root>/cases/. */
function writeCases(root: string, cases: Case[]): void {
  fs.rmSync(path.join(root, 'cases'), { recursive: true, force: true });
  for (const c of cases) write(root, c.rel, c.text);
}

/**
 * One case's share of a validate run over many files: its diagnostics (JSON) and its lines (text).
 * Accepted when it has no error diagnostic; rejected ones must be positioned at the value's line.
 */
function judge(c: Case, diags: Diagnostic[], textLines: string[], problems: string[]): boolean {
  const shown = textLines.join('\n');
  const size = shown.length + JSON.stringify(diags).length;
  if (size > MAX_OUTPUT) problems.push(`validate printed ${size} characters about a ${c.text.length}-character file`);
  for (let k = 0; c.stored.length >= ECHO && k + ECHO <= Math.min(c.stored.length, 8192); k += 997) {
    if (shown.includes(c.stored.slice(k, k + ECHO)) || diags.some((d) => d.message.includes(c.stored.slice(k, k + ECHO)))) {
      problems.push(`validate echoes the value (${ECHO} characters of it appear in the output)`);
      break;
    }
  }
  const control = RAW_CONTROL.exec(shown);
  if (control) problems.push(`raw control character U+${control[0].charCodeAt(0).toString(16).padStart(4, '0')} in validate's text output`);
  if (BIDI_CONTROL.test(shown)) problems.push("a raw bidirectional control character in validate's text output (it reorders what the terminal shows)");
  const errors = diags.filter((d) => d.severity === 'error');
  if (errors.length === 0) return true;
  for (const d of errors) {
    if (d.line < 1 || d.column < 1) problems.push(`unpositioned diagnostic ${d.file}:${d.line}:${d.column} ${d.code}`);
    if (d.code === 'internal-error') problems.push(`internal-error: ${d.message}`);
    if (!textLines.some((l) => l.startsWith(`${d.file}:${d.line}:${d.column} error ${d.code} `))) problems.push(`text output lacks ${d.file}:${d.line}:${d.column} ${d.code}`);
  }
  if (!errors.some((d) => d.line === c.line)) {
    problems.push(`no error at the value's line ${c.line}: ${errors.map((d) => `${d.line}:${d.column} ${d.code} ${d.message.slice(0, 80)}`).join('; ')}`);
  }
  return false;
}

/** `validate --output json cases` and `validate cases` over many case files at once. */
async function validateRun(cwd: string, label: string, wantExit?: number): Promise<{ diags: Diagnostic[]; text: string[]; code: number }> {
  const json = await runCli(['validate', '--output', 'json', 'cases'], { cwd });
  const text = await runCli(['validate', 'cases'], { cwd });
  for (const r of [json, text]) {
    const trace = stackTraceIn(r.stdout + r.stderr);
    if (trace) runProblems.push(`${label}: stack trace or runtime error: ${trace}`);
    if (r.stderr !== '') runProblems.push(`${label}: stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
    if (wantExit !== undefined && r.code !== wantExit) runProblems.push(`${label}: validate exit ${r.code}, expected ${wantExit}: ${r.stdout.slice(0, 500)}`);
    else if (r.code !== 0 && r.code !== 1) runProblems.push(`${label}: validate exit ${r.code}`);
  }
  if (json.code !== text.code) runProblems.push(`${label}: exit ${json.code} with --output json, ${text.code} with text`);
  let diags: Diagnostic[] = [];
  try {
    diags = (JSON.parse(json.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  } catch {
    runProblems.push(`${label}: validate --output json is not JSON: ${json.stdout.slice(0, 200)}`);
  }
  return { diags, text: text.stdout.split('\n'), code: json.code };
}

beforeAll(async () => {
  validateDir = tmp('cvctl-hostile-validate-');
  const t0 = Date.now();
  // One run per encoding over all its cases (the name cases of the two encodings would be
  // duplicate providers of each other); each case judged on its own file's diagnostics.
  for (const enc of ['escaped', 'raw'] as const) {
    const batch = CASES.filter((c) => c.enc === enc);
    writeCases(validateDir, batch);
    const run = await validateRun(validateDir, `validate (${enc})`, 1);
    for (const c of batch) {
      const problems: string[] = [];
      const accepted = judge(c, run.diags.filter((d) => d.file === c.rel), run.text.filter((l) => l.startsWith(`${c.rel}:`)), problems);
      verdicts.set(c.n, { accepted, problems });
    }
    // What was accepted among the others must also pass alone: exit 0, no error at all.
    const accepted = batch.filter((c) => verdicts.get(c.n)!.accepted);
    writeCases(validateDir, accepted);
    const alone = await validateRun(validateDir, `validate (${enc}, accepted only)`, 0);
    for (const d of alone.diags.filter((x) => x.severity === 'error')) runProblems.push(`accepted file ${d.file} fails alone: ${d.code} ${d.message}`);
  }
  const accepted = [...verdicts.values()].filter((v) => v.accepted).length;
  log(
    `${CASES.length} cases (${HOSTILE_VALUES.length} values x ${PLACES.length} places, escaped and raw) validated in ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s: ${accepted} accepted, ${CASES.length - accepted} rejected`,
  );
});

afterAll(() => {
  if (validateDir) fs.rmSync(validateDir, { recursive: true, force: true });
});

describe('hostile values through validate', () => {
  it('validate runs end with exit 1 (some rejected) or 0 (accepted only), without stack traces', () => {
    expect(runProblems).toEqual([]);
  });

  it.each(PLACES.map((p) => [p.id, p] as const))('%s: every value is rejected with a diagnostic at its line, or accepted, and never blows up the output', (_id, place) => {
    const problems = CASES.filter((c) => c.place === place).flatMap((c) => verdicts.get(c.n)!.problems.map((p) => `${label(c)}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('rejects what cannot be a provider name or a label key, and accepts plain Unicode in label values', () => {
    const verdict = (placeId: string, valueId: string, enc: Encoding = 'escaped') =>
      verdicts.get(CASES.find((c) => c.place.id === placeId && c.hv.id === valueId && c.enc === enc)!.n)!.accepted;
    // Both outcomes occur, so the round trip below has work to do and the schema is really applied.
    expect(verdict('provider name', 'sql-drop')).toBe(false);
    expect(verdict('label key', 'sql-drop')).toBe(false);
    expect(verdict('label value', '1mb-ascii', 'raw')).toBe(false);
    expect(verdict('label value', 'emoji')).toBe(true);
    expect(verdict('label value', 'sql-drop', 'raw')).toBe(true);
  });
});

describe('regressions: bugs these tests found, fixed in src/config', () => {
  let dir: string;
  beforeAll(() => {
    dir = tmp('cvctl-hostile-regressions-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const validate = async (text: string): Promise<string[]> => {
    write(dir, 'r.yaml', text);
    const r = await runCli(['validate', 'r.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    return r.stdout.trimEnd().split('\n').slice(0, -1);
  };
  const doc = (labels: string, extra: string[] = []) =>
    ['version: 1', 'providers:', '  - name: a', '    kind: openai', `    labels: ${labels}`, ...extra, '    credentials:', '      apiKey: {from: env, name: X}', ''].join('\n');

  it('a long key is quoted truncated in every message about its value (was: echoed whole, 1 MB in, 1 MB out)', async () => {
    const lines = await validate(doc(`{${'k'.repeat(100_000)}: }`));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.length).toBeLessThan(400);
    expect(lines[1]).toBe(`r.yaml:5:14 error invalid-type '${'k'.repeat(40)}…' must be a string, not empty (null)`);
  });

  it('a long alias name is quoted truncated (was: echoed twice, whole)', async () => {
    const lines = await validate(doc(`{team: *${'n'.repeat(100_000)}}`));
    expect(lines).toEqual([`r.yaml:5:20 error unknown-alias alias *${'n'.repeat(40)}… refers to no anchor &${'n'.repeat(40)}… defined before it`]);
  });

  it('NUL and unpaired surrogates are refused at their position (were: accepted, then a database error at apply, or U+FFFD stored and a change on every plan)', async () => {
    const lines = await validate(doc('{team: "a\\0b"}', ['    models:', '      custom:', '        - {id: "gpt\\ud800", kind: chat}']));
    expect(lines).toEqual([
      "r.yaml:5:20 error invalid-value 'team' contains a NUL character (\\u0000), which cannot be stored; remove it",
      "r.yaml:8:16 error invalid-value 'id' contains an unpaired UTF-16 surrogate (\\ud800), which cannot be stored; remove it",
    ]);
    const keys = await validate(
      doc('{}', ['    config:', '      endpoint: https://x.example/', '      apiVersion: v1', '      deployments: {"m\\udc00": dep}']).replace('kind: openai', 'kind: azure'),
    );
    expect(keys).toEqual(["r.yaml:9:21 error invalid-key key 'm\\udc00' contains an unpaired UTF-16 surrogate (\\udc00), which cannot be stored; remove it"]);
  });

  it('bidirectional controls are escaped in messages (were: printed raw, reordering the line)', async () => {
    const lines = await validate(doc('{"te\\u202eam": x}'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("key 'te\\u202eam' is not allowed here");
    expect(lines[0]).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });
});

interface Outcome {
  problems: string[];
}

describe.each(targets)('hostile values stored on %s', (target) => {
  let fresh: FreshDatabase;
  let db: RecordingDatabase;
  let cwd: string;
  const outcomes = new Map<number, Outcome>();
  let baselineSql = '';
  let tablesBefore: string[] = [];
  let accepted: Case[] = [];

  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd, env: { ...ENV, ...env }, database: db });
  const fail = (c: Case, p: string) => outcomes.get(c.n)!.problems.push(p);

  /** Applies the files of `cases` (and only those): exit 0 or why not. */
  async function applyCases(cases: Case[]): Promise<CliResult> {
    fs.rmSync(path.join(cwd, 'cases'), { recursive: true, force: true });
    for (const c of cases) write(cwd, c.rel, c.text);
    return cli(['apply', '--auto-approve', '--allow-delete', 'cases']);
  }

  async function checkStored(cases: Case[]): Promise<void> {
    for (const c of cases) {
      if (c.place.column === null) continue;
      const got = await readBack(db, c.place, c.name);
      if (!got) {
        fail(c, 'applied, but no row holds it');
        continue;
      }
      if (got.text !== c.stored) fail(c, `stored as ${JSON.stringify(got.text.slice(0, 80))}, not ${JSON.stringify(c.stored.slice(0, 80))}`);
      else if (got.hex !== Buffer.from(c.stored, 'utf8').toString('hex')) fail(c, 'the stored UTF-8 bytes differ from the value');
    }
  }

  /** `plan --detailed-exitcode --output json` of `dir`: providers with changes get the blame. */
  async function checkNoDiff(cases: Case[], dir: string, env: Record<string, string>, what: string): Promise<void> {
    const r = await cli(['plan', '--detailed-exitcode', '--output', 'json', dir], env);
    if (r.code === 0) return;
    if (r.code !== 2) {
      for (const c of cases) fail(c, `${what}: plan exit ${r.code}: ${r.stderr.slice(0, 300)}`);
      return;
    }
    const plan = JSON.parse(r.stdout) as { changes: Array<{ action: string; resource: { name?: string; provider?: string }; fields?: Array<{ path: string }> }> };
    for (const c of cases) {
      const mine = plan.changes.filter((ch) => (ch.resource.provider ?? ch.resource.name) === c.name);
      if (mine.length > 0) fail(c, `${what}: plan shows ${mine.map((ch) => `${ch.action} ${ch.resource.name ?? ''} ${(ch.fields ?? []).map((f) => f.path).join(',')}`).join('; ')}`);
    }
    if (!cases.some((c) => outcomes.get(c.n)!.problems.length > 0)) throw new Error(`${what}: plan exit 2 with changes to no case's provider: ${r.stdout.slice(0, 500)}`);
  }

  beforeAll(async () => {
    accepted = CASES.filter((c) => verdicts.get(c.n)!.accepted);
    for (const c of accepted) outcomes.set(c.n, { problems: [] });
    fresh = await freshDatabase(target);
    db = recording(fresh.db);
    cwd = tmp(`cvctl-hostile-${target}-`);
    tablesBefore = await tableNames(fresh.db);

    // A benign run first: the SQL that cvctl sends anyway (so `$1`, `_` or `%` in it are not findings).
    write(cwd, 'cases/benign.yaml', providerFile(PLACES[1]!, 'benign', 'platform').text);
    const benign = await cli(['apply', '--auto-approve', 'cases']);
    if (benign.code !== 0) throw new Error(`benign apply failed: ${benign.stderr}`);
    await cli(['plan', 'cases']);
    await cli(['export', '--out', 'benign-export']);
    baselineSql = db.statements.join('\n');
    db.statements.length = 0;

    const t0 = Date.now();
    // One set per encoding: the provider-name cases of the two are the same providers.
    for (const enc of ['escaped', 'raw'] as const) await roundTrip(accepted.filter((c) => c.enc === enc), enc);
    log(`${target}: ${accepted.length} accepted cases applied, read back, planned and exported in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  /**
   * Apply → read back → plan → export → validate and plan the export, for one set of cases.
   * All in one apply; when that fails, place by place, then case by case, so that each failure
   * is pinned on its value; what applied is then applied together again and exported.
   */
  async function roundTrip(set: Case[], tag: string): Promise<void> {
    let groups: Case[][] = [set];
    const applied: Case[][] = [];
    for (let round = 0; round < 3 && groups.length > 0; round++) {
      const next: Case[][] = [];
      for (const g of groups) {
        const r = await applyCases(g);
        if (r.code === 0) {
          await checkStored(g);
          await checkNoDiff(g, 'cases', {}, 'after apply');
          applied.push(g);
        } else if (g.length === 1) {
          fail(g[0]!, `apply exit ${r.code}: ${(r.stderr.split('\n').find((l) => l.startsWith('cvctl:')) ?? r.stderr).slice(0, 300)}`);
        } else if (round === 0) {
          next.push(...PLACES.map((p) => g.filter((c) => c.place === p)).filter((x) => x.length > 0));
        } else {
          next.push(...g.map((c) => [c]));
        }
      }
      groups = next;
    }
    // A failed apply writes nothing: the database holds the last group that applied.
    let all = applied.flat();
    if (applied.length > 1) {
      log(`${target}: applying all ${tag} cases at once failed; ${set.length - all.length} of ${set.length} could not be applied at all`);
      const r = await applyCases(all);
      if (r.code !== 0) {
        for (const c of all) fail(c, `the ${tag} cases that applied one group at a time fail together: exit ${r.code}: ${r.stderr.slice(0, 300)}`);
        all = [];
      }
    }
    if (all.length === 0) return;
    const out = `exported-${tag}`;
    const ex = await cli(['export', '--out', out]);
    if (ex.code !== 0) {
      for (const c of all) fail(c, `export exit ${ex.code}: ${ex.stderr.slice(0, 300)}`);
      return;
    }
    const env: Record<string, string> = {};
    for (const m of ex.stderr.matchAll(/^ {2}([A-Z_][A-Z0-9_]*) +provider /gm)) env[m[1]!] = SECRET;
    for (const c of all) {
      if (!c.place.exported) continue;
      const file = path.join(cwd, out, `${c.name}.yaml`);
      if (!fs.existsSync(file)) {
        fail(c, `export wrote no ${c.name}.yaml`);
        continue;
      }
      const doc = parseYaml(fs.readFileSync(file, 'utf8')) as { providers: ExportedBlock[] };
      const got = c.place.exported(doc.providers[0]!);
      if (got !== c.stored) fail(c, `exported as ${JSON.stringify(String(got).slice(0, 80))}, not ${JSON.stringify(c.stored.slice(0, 80))}`);
    }
    // The exported files must be valid files of the format; a file that is not is its case's
    // failure, and is left out of the plan below (which then blames the same case again).
    const v = await cli(['validate', '--output', 'json', out]);
    const errors = (JSON.parse(v.stdout) as { diagnostics: Diagnostic[] }).diagnostics.filter((d) => d.severity === 'error');
    for (const c of all) {
      const mine = errors.filter((d) => d.file === `${out}/${c.name}.yaml`);
      if (mine.length === 0) continue;
      fail(c, `cvctl cannot read its own export: ${mine.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`).join('; ')}`);
      fs.rmSync(path.join(cwd, out, `${c.name}.yaml`));
    }
    if (errors.some((d) => !all.some((c) => d.file === `${out}/${c.name}.yaml`))) throw new Error(`export ${tag}: errors in no case's file: ${v.stdout.slice(0, 500)}`);
    await checkNoDiff(all, out, env, 'export round trip');
  }

  afterAll(async () => {
    await fresh?.cleanup();
    if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
  });

  it.each(PLACES.map((p) => [p.id, p] as const))('%s: accepted values are stored and read back byte-for-byte, plan shows no diff, export round-trips', (_id, place) => {
    const problems = accepted.filter((c) => c.place === place).flatMap((c) => outcomes.get(c.n)!.problems.map((p) => `${label(c)}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('never puts a value into the text of an SQL statement, and leaves every table in place', async () => {
    expect(db.statements.length).toBeGreaterThan(0);
    const sql = db.statements.join('\n');
    const leaked = accepted
      .filter((c) => c.stored.length >= 2 && !baselineSql.includes(c.stored) && sql.includes(c.stored))
      .map((c) => `${label(c)} appears in an SQL statement`);
    expect(leaked).toEqual([]);
    expect(await tableNames(fresh.db)).toEqual(tablesBefore);
    const n = await fresh.db.query<{ n: number }>('select count(*)::int as n from providers');
    expect(n.rows[0]!.n).toBeGreaterThan(0);
  });
});
