// schemas/plan.schema.json, the published shape of plan JSON (docs/cli.md "Checking a plan file
// in CI"): compiled here as a CI user compiles it (ajv's defaults, none of cvctl's code), it
// accepts every plan cvctl writes (a real `plan --out`, the golden plan and drift JSON) and the
// members later versions add (CONTRACT.md sections 5-7), and refuses tampered shapes, as
// cvctl's own reader does, with the change and the JSON pointer in the message.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { checkPlanShape, compilePlanSchema, planSchemaSha256, planValidatorSource } from '../../src/plan/plan-schema';
import { parsePlan } from '../../src/plan/serialize';
import { runCli } from '../support/cli';
import { freshDatabase, type FreshDatabase } from '../support/db';
import { ROOT } from './compile';

type Raw = Record<string, any>;
const SCHEMA_FILE = path.join(ROOT, 'schemas', 'plan.schema.json');
const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));

/** As docs/cli.md shows: default options; a strict-mode warning fails the test. */
function userValidator(): ValidateFunction {
  const complain = (m: unknown): never => {
    throw new Error(`ajv: ${String(m)}`);
  };
  return new Ajv2020({ allErrors: true, logger: { log: () => undefined, warn: complain, error: complain } }).compile(schema);
}
const validate = userValidator();
const errorsOf = (doc: unknown): string =>
  validate(doc) ? '' : (validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => `${e.instancePath} ${e.message}`).join('\n');

function goldenJson(): string[] {
  return ['test/render/golden', 'test/drift/golden']
    .flatMap((d) => fs.readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith('.json')).map((f) => path.join(ROOT, d, f)))
    .filter((f) => 'formatVersion' in JSON.parse(fs.readFileSync(f, 'utf8')));
}

const YAML = `version: 1
providers:
  - name: openai-main
    kind: openai
    labels: {team: a}
    credentials:
      apiKey: {from: env, name: OPENAI_API_KEY}
    models:
      custom:
        - {id: gpt-4o, kind: chat, contextWindow: 128000, pricing: {inputPerMTok: 2.5, outputPerMTok: 10}}
  - name: vault-llm
    kind: openai-compatible
    config: {baseUrl: "https://llm.internal.example/v1"}
    credentials:
      apiKey: {from: vault, path: llm/key, field: token, version: 3}
`;

let fresh: FreshDatabase;
let dir: string;
/** Saved plans as `cvctl plan --out` writes them: authenticated, and with secrets not resolved. */
const saved: Record<'signed' | 'unresolved', string> = { signed: '', unresolved: '' };

beforeAll(async () => {
  fresh = await freshDatabase('pglite');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-plan-schema-'));
  fs.writeFileSync(path.join(dir, 'providers.yaml'), YAML);
  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { OPENAI_API_KEY: 'sk-proj-schemaTEST0123456789abcdef' }, database: fresh.db });
  expect((await cli(['-q', 'plan', '.', '--no-resolve-secrets', '--out', 'unresolved.json'])).code).toBe(0);
  // vault is not reachable here: resolve only the env secret by planning the first provider alone.
  fs.writeFileSync(path.join(dir, 'providers.yaml'), YAML.slice(0, YAML.indexOf('  - name: vault-llm')));
  expect((await cli(['-q', 'plan', '.', '--out', 'signed.json'])).code).toBe(0);
  for (const k of ['signed', 'unresolved'] as const) saved[k] = fs.readFileSync(path.join(dir, `${k}.json`), 'utf8');
}, 60_000);

afterAll(async () => {
  await fresh?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('plan.schema.json', () => {
  test('is draft 2020-12 with a pinned $id, and compiles in ajv strict mode without a warning', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('https://codevector.dev/schemas/cvctl/plan.schema.json');
    expect(typeof validate).toBe('function');
  });

  test('accepts real saved plans, and cvctl reads them back', () => {
    const signed = JSON.parse(saved.signed) as Raw;
    expect(signed.auth).toMatchObject({ alg: 'HMAC-SHA256', newKey: expect.any(Object) });
    const unresolved = JSON.parse(saved.unresolved) as Raw;
    expect(JSON.stringify(unresolved)).toContain('"unknown":true');
    expect(JSON.stringify(unresolved)).toContain('"from":"vault"');
    for (const text of Object.values(saved)) {
      expect(errorsOf(JSON.parse(text))).toBe('');
      expect(parsePlan(text).scope).toBe('default');
    }
  });

  test('accepts every golden plan and drift JSON file', () => {
    const files = goldenJson();
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) expect({ file: path.relative(ROOT, f), errors: errorsOf(JSON.parse(fs.readFileSync(f, 'utf8'))) }).toEqual({ file: path.relative(ROOT, f), errors: '' });
  });

  const change = (p: Raw, pred: (c: Raw) => boolean): Raw => p.changes.find(pred);
  const provider = (p: Raw) => change(p, (c) => c.resource.type === 'provider');
  const model = (p: Raw) => change(p, (c) => c.resource.type === 'providerModel');
  const cred = (p: Raw) => provider(p).fields.find((f: Raw) => f.path === 'credentials.apiKey');
  const withDelete = (p: Raw): Raw => {
    p.changes.push({ action: 'delete', resource: { type: 'provider', name: 'gone' }, expect: { id: 'x', rowVersion: 1 } });
    p.summary.delete += 1;
    return p;
  };

  test.each<[string, (p: Raw) => unknown, RegExp]>([
    ['a credential field holding a value', (p) => (cred(p).after = 'sk-proj-theWholeKey'), /at \/changes\/0\/fields\/\d+\/after: a credential must be \{"sensitive": true, \.\.\.\} or null/],
    ['a credential with a value beside it', (p) => (cred(p).after.value = 'sk-proj-x'), /expected only sensitive, changed, prefix and unknown here, not 'value'/],
    ['a credential reference with a value beside it', (p) => (provider(p).target.credentials.apiKey.ref.value = 'sk-proj-x'), /at \/changes\/0\/target\/credentials\/apiKey\/ref: expected only .* not 'value'/],
    ['an unknown action', (p) => (provider(p).action = 'explode'), /^change 1 \(openai-main\): unknown action "explode"$/],
    ['an unknown provider kind', (p) => (provider(p).target.kind = 'skynet'), /^change 1 \(openai-main\) at \/changes\/0\/target: unknown provider kind "skynet"$/],
    ['a provider model without its provider', (p) => delete model(p).resource.provider, /change 2 \(gpt-4o\) at \/changes\/1\/resource: 'provider' must be a string/],
    ['a change without a target', (p) => delete model(p).target, /change 2 \(openai-main\/gpt-4o\): 'target' is missing/],
    ['a delete with a target', (p) => (withDelete(p).changes.at(-1).target = provider(p).target), /\(gone\): 'target' is not allowed here/],
    ['a delete of no row', (p) => (withDelete(p).changes.at(-1).expect = { absent: true }), /\(gone\) at \/changes\/2\/expect: a delete must name the row it deletes/],
    ['an expectation without a row id', (p) => (model(p).expect = {}), /at \/changes\/1\/expect: 'id' must be a string/],
    ['a count that is not one', (p) => (p.summary.create = -1), /^summary: 'create' must be a non-negative integer$/],
    ['a fractional context window', (p) => (model(p).target.contextWindow = 1.5), /'contextWindow' must be an integer or null/],
    ['a member cvctl never writes', (p) => (p.extra = 1), /^plan: expected only formatVersion, .* and routing here, not 'extra'$/],
    ['a tag that is not hex', (p) => (p.auth.tag = 'x'.repeat(64)), /^auth: 'tag' must be 64 hex digits$/],
    ['a renamedFrom that is not a provider name', (p) => (provider(p).renamedFrom = 'Not A Name'), /'renamedFrom' must be a provider name/],
    ['no digest', (p) => delete p.digest, /^plan: has no digest/],
  ])('refuses %s, in the published schema and in cvctl', (_name, edit, message) => {
    const p = JSON.parse(saved.signed) as Raw;
    edit(p);
    expect(errorsOf(p)).not.toBe('');
    expect(checkPlanShape(p)).toMatch(message);
  });

  /** The resources, cost and policy of CONTRACT.md sections 5-7, in a plan. */
  function nextVersionPlan(): Raw {
    const p = JSON.parse(saved.signed) as Raw;
    const add = (resource: Raw, target: Raw) => {
      p.changes.push({ action: 'create', resource, expect: { absent: true }, target });
      p.summary.create += 1;
    };
    const routing = { strategy: 'fallback', retries: 1, failoverOn: ['rate-limit', 'server-error', 'timeout'] };
    add(
      { type: 'model', name: 'chat-default' },
      { name: 'chat-default', kind: 'chat', status: 'active', description: null, labels: {}, routing, protected: false, onRemove: 'delete', lastApplied: {} },
    );
    add(
      { type: 'modelBackend', model: 'chat-default', provider: 'openai-main', name: 'gpt-4o' },
      { model: 'chat-default', provider: 'openai-main', providerModel: 'gpt-4o', priority: 1, weight: 100, status: 'active' },
    );
    add(
      { type: 'accessGrant', model: 'chat-default', subject: 'group:engineering' },
      { model: 'chat-default', subjectType: 'group', subject: 'engineering', limits: { requestsPerMinute: 600 }, expiresAt: null, lastApplied: {} },
    );
    p.cost = {
      currency: 'USD', windowDays: 30, from: '2026-11-06', to: '2026-12-05', before: 1520.4, after: 1790.1, delta: 269.7,
      items: [{ resource: { type: 'providerModel', provider: 'openai-main', name: 'gpt-4o' }, reason: 'price', delta: 250 }],
    };
    p.policy = { violations: [{ severity: 'error', code: 'policy-max-price', message: 'gpt-4o is priced above 20', file: 'providers.yaml', line: 9, column: 11 }] };
    return p;
  }

  test('admits the cost and policy JSON docs/cost-and-policy.md shows', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'cost-and-policy.md'), 'utf8');
    const members = [...doc.matchAll(/```json\n("(?:cost|policy)": [\s\S]*?)```/g)].map((m) => JSON.parse(`{${m[1]}}`) as Raw);
    expect(members.map((m) => Object.keys(m)[0]).sort()).toEqual(['cost', 'policy']);
    const p = JSON.parse(saved.signed) as Raw;
    for (const m of members) Object.assign(p, m);
    expect(p.cost.unattributed).toBeDefined();
    expect(errorsOf(p)).toBe('');
    expect(checkPlanShape(p)).toBeNull();
  });

  test('admits the resource types, cost and policy of contract sections 5-7, with the targets of each type', () => {
    const p = nextVersionPlan();
    expect(errorsOf(p)).toBe('');
    expect(checkPlanShape(p)).toBeNull();
    const bad: [string, (q: Raw) => void][] = [
      ['backend without provider', (q) => delete q.changes[3].resource.provider],
      ['grant with a name', (q) => (q.changes[4].resource.name = 'x')],
      ['model target without routing', (q) => delete q.changes[2].target.routing],
      ['routing strategy', (q) => (q.changes[2].target.routing.strategy = 'random')],
      ['backend weight 0', (q) => (q.changes[3].target.weight = 0)],
      ['backend priority 101', (q) => (q.changes[3].target.priority = 101)],
      ['backend target with a credential', (q) => (q.changes[3].target.credentials = {})],
      ['grant subject type', (q) => (q.changes[4].target.subjectType = 'team')],
      ['grant limit unknown', (q) => (q.changes[4].target.limits.requestsPerHour = 1)],
      ['grant expiry not a time', (q) => (q.changes[4].target.expiresAt = 'tomorrow')],
      ['cost reason', (q) => (q.cost.items[0].reason = 'magic')],
      ['violation code', (q) => (q.policy.violations[0].code = 'price')],
    ];
    for (const [what, edit] of bad) {
      const q = nextVersionPlan();
      edit(q);
      expect({ what, valid: errorsOf(q) === '' }).toEqual({ what, valid: false });
    }
    // What a schema cannot say: the target names the change's own resource.
    const other = nextVersionPlan();
    other.changes[3].target.model = 'other-model';
    expect(checkPlanShape(other)).toBe("change 4 (chat-default/openai-main/gpt-4o): the target's model is not the resource's model");
    const subject = nextVersionPlan();
    subject.changes[4].target.subject = 'admins';
    expect(checkPlanShape(subject)).toBe("change 5 (chat-default/group:engineering): the target's subject is not the resource's subject");
  });
});

describe('the precompiled plan validator (scripts/build-validator.js)', () => {
  /** Evaluates generated CommonJS as if it were a file in src/plan (so its requires resolve). */
  function load(source: string): ValidateFunction & { schemaSha256: string } {
    const mod = { exports: {} as unknown };
    new Function('module', 'exports', 'require', source)(mod, mod.exports, createRequire(path.join(ROOT, 'src', 'plan', 'plan-validator.js')));
    return mod.exports as ValidateFunction & { schemaSha256: string };
  }
  const strip = (errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map((e) => ({ ...e, schema: JSON.stringify(e.schema), parentSchema: JSON.stringify(e.parentSchema) }));

  test('is stamped with the schema it was made from, and reports what the compiled one reports', () => {
    const standalone = load(planValidatorSource(schema));
    expect(standalone.schemaSha256).toBe(planSchemaSha256(schema));
    const compiled = compilePlanSchema(schema);
    // Every member of every change of a real plan dropped, or replaced by a wrong type, once.
    const base = JSON.parse(saved.unresolved) as Raw;
    const cases: unknown[] = [base, ...goldenJson().map((f) => JSON.parse(fs.readFileSync(f, 'utf8')))];
    const walk = (node: unknown, at: (string | number)[]): void => {
      if (node === null || typeof node !== 'object') return;
      for (const k of Object.keys(node)) {
        for (const v of [undefined, 42, 'x', { bogus: true }]) {
          const copy = structuredClone(base);
          const holder = at.reduce<Raw>((o, key) => o[key], copy);
          if (v === undefined && !Array.isArray(holder)) delete holder[k];
          else (holder as Raw)[k] = v;
          cases.push(copy);
        }
        walk((node as Raw)[k], [...at, k]);
      }
    };
    walk(base, []);
    expect(cases.length).toBeGreaterThan(300);
    let invalid = 0;
    for (const doc of cases) {
      const ok = compiled(doc);
      expect(standalone(doc)).toBe(ok);
      expect(strip(standalone.errors)).toEqual(strip(compiled.errors));
      if (!ok) invalid++;
    }
    expect(invalid).toBeGreaterThan(cases.length / 2);
  });
});

describe('docs/cli.md: the check-plan.js script', () => {
  test('passes the saved plans and fails a tampered one, naming its JSON pointer', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    const section = doc.slice(doc.indexOf('#### Checking a plan file in CI'));
    const script = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(script).toContain('plan.schema.json');
    // A CI project: the package installed (as a link to this tree) next to ajv.
    const ci = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-ci-check-'));
    try {
      fs.mkdirSync(path.join(ci, 'node_modules'));
      fs.symlinkSync(ROOT, path.join(ci, 'node_modules', 'codevector-gitops'), 'dir');
      fs.symlinkSync(path.dirname(require.resolve('ajv/package.json')), path.join(ci, 'node_modules', 'ajv'), 'dir');
      fs.writeFileSync(path.join(ci, 'check-plan.js'), script!);
      const tampered = JSON.parse(saved.signed) as Raw;
      tampered.changes[0].fields.find((f: Raw) => f.path === 'credentials.apiKey').after = 'sk-proj-theWholeKey';
      fs.writeFileSync(path.join(ci, 'signed.json'), saved.signed);
      fs.writeFileSync(path.join(ci, 'unresolved.json'), saved.unresolved);
      fs.writeFileSync(path.join(ci, 'tampered.json'), JSON.stringify(tampered));
      execFileSync(process.execPath, ['check-plan.js', 'signed.json', 'unresolved.json'], { cwd: ci });
      const r = spawnSync(process.execPath, ['check-plan.js', 'signed.json', 'tampered.json'], { cwd: ci, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^tampered\.json: \/changes\/0\/fields\/\d+\/after must be object,null/m);
      expect(r.stderr).not.toContain('signed.json');
    } finally {
      fs.rmSync(ci, { recursive: true, force: true });
    }
  });
});
