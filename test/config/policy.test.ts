// The `policy` section in the files (CONTRACT.md section 7): what it loads to (rules with the
// positions of their keys), the "at most one section" rule, and `validate` with each rule
// violated in a repository of several files, as a table (code, file, line, column). Then the
// inputs plan reuses (policyInputsFromDesired) with a view of the database, and the CLI's exit
// code and JSON.
import { loadConfig, type LoadResult } from '../../src/config/load';
import { checkPolicyStatic } from '../../src/plan/policy';
import { policyInputsFromDesired, type PolicyDbView } from '../../src/plan/policy-inputs';
import { runCli } from '../support/cli';
import { fakeCatalog, removeRepo, tempRepo } from './helpers';

const validate = (cwd: string, checkPolicy = true): Promise<LoadResult> => loadConfig(['.'], { catalog: fakeCatalog(), cwd, checkPolicy });

/** A repository that passes every rule of POLICY (fake catalog: gpt-4o $2.50/$10, claude-sonnet-4-6 $3/$15). */
const BASE: Record<string, string> = {
  'policy.yaml': [
    'version: 1',
    'policy:',
    '  maxPricePerMTok: {input: 5, output: 20}',
    '  allowedProviderKinds: [openai, anthropic, bedrock]',
    '  allowedRegions: {bedrock: [eu-central-1]}',
    '  requireFallback: true',
    '  requireGrantLimits: true',
    '  maxMonthlyCostIncrease: 100',
    '',
  ].join('\n'),
  'providers.yaml': [
    'version: 1',
    'providers:',
    '  - name: openai-prod',
    '    kind: openai',
    '    credentials: {apiKey: {from: env, name: OPENAI_API_KEY}}',
    '    models: {catalog: "2026.04.15"}',
    '  - name: anthropic-main',
    '    kind: anthropic',
    '    credentials: {apiKey: {from: env, name: ANTHROPIC_API_KEY}}',
    '    models: {catalog: "2026.04.15"}',
    '  - name: bedrock-eu',
    '    kind: bedrock',
    '    config: {region: eu-central-1, roleArn: "arn:aws:iam::123456789012:role/cv"}',
    '',
  ].join('\n'),
  'models.yaml': [
    'version: 1',
    'models:',
    '  - name: chat',
    '    backends:',
    '      - providerModel: openai-prod/gpt-4o',
    '      - providerModel: anthropic-main/claude-sonnet-4-6',
    '        priority: 2',
    '',
  ].join('\n'),
  'grants.yaml': ['version: 1', 'accessGrants:', '  - model: chat', '    subject: {group: engineering}', '    limits: {requestsPerMinute: 60}', ''].join('\n'),
};

/** `needle` with a `|` where the position is; `nth` occurrence (0-based) in `text`. */
function posOf(text: string, marked: string, nth = 0): string {
  const at = marked.indexOf('|');
  const needle = marked.replace('|', '');
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`'${needle}' (#${nth}) not in the file`);
  }
  const before = text.slice(0, i + at).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

interface Case {
  /** file -> [text to replace, replacement] */
  edit: Record<string, [string, string]>;
  /** [code, file, marked needle, nth] */
  expect: Array<[string, string, string, number?]>;
}

const CASES: Record<string, Case> = {
  'an active catalog model above the output cap: at its provider\'s models.catalog': {
    edit: { 'policy.yaml': ['output: 20', 'output: 12'] },
    expect: [['policy-max-price', 'providers.yaml', 'models: {catalog: |"2026.04.15"}', 1]],
  },
  'a custom price above the input cap: at its pricing': {
    edit: {
      'providers.yaml': [
        '    models: {catalog: "2026.04.15"}\n  - name: anthropic-main',
        '    models:\n      catalog: "2026.04.15"\n      custom: [{id: gpt-4o, pricing: {inputPerMTok: 6, outputPerMTok: 10}}]\n  - name: anthropic-main',
      ],
    },
    expect: [['policy-max-price', 'providers.yaml', 'pricing: |{inputPerMTok: 6']],
  },
  'a provider of a kind not allowed: at its kind': {
    edit: { 'policy.yaml': ['[openai, anthropic, bedrock]', '[openai, bedrock]'] },
    expect: [['policy-provider-kind', 'providers.yaml', 'kind: |anthropic']],
  },
  'a bedrock provider in a region not allowed: at config.region': {
    edit: { 'policy.yaml': ['{bedrock: [eu-central-1]}', '{bedrock: [eu-west-1, eu-west-3]}'] },
    expect: [['policy-region', 'providers.yaml', 'region: |eu-central-1']],
  },
  'a model with active backends on one provider only: at the model': {
    edit: { 'models.yaml': ['anthropic-main/claude-sonnet-4-6\n        priority: 2', 'openai-prod/gpt-4o-mini\n        priority: 2'] },
    expect: [['policy-require-fallback', 'models.yaml', '  - |name: chat']],
  },
  'a model whose second provider\'s backend is disabled: at the model': {
    edit: { 'models.yaml': ['        priority: 2', '        priority: 2\n        status: disabled'] },
    expect: [['policy-require-fallback', 'models.yaml', '  - |name: chat']],
  },
  'a model whose second provider is disabled in the files: at the model': {
    edit: { 'providers.yaml': ['  - name: anthropic-main\n', '  - name: anthropic-main\n    status: disabled\n'] },
    // The backend on a disabled provider is also a routing error of its own.
    expect: [
      ['policy-require-fallback', 'models.yaml', '  - |name: chat'],
      ['backend-provider-model-disabled', 'models.yaml', 'providerModel: |anthropic-main'],
    ],
  },
  'a grant without limits: at the grant': {
    edit: { 'grants.yaml': ['    limits: {requestsPerMinute: 60}\n', ''] },
    expect: [['policy-grant-limits', 'grants.yaml', '  - |model: chat']],
  },
  'a second policy section in another file: both places, each naming the other': {
    edit: { 'grants.yaml': ['accessGrants:', 'policy: {requireFallback: false}\naccessGrants:'] },
    expect: [
      ['duplicate-policy', 'grants.yaml', '|policy:'],
      ['duplicate-policy', 'policy.yaml', '|policy:'],
    ],
  },
};

describe('validate with a policy', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  it('the base repository passes every rule, and its policy is in the desired state with each rule\'s key', async () => {
    dir = tempRepo(BASE);
    const r = await validate(dir);
    expect(r.diagnostics).toEqual([]);
    const at = (needle: string): { file: string; line: number; column: number } => {
      const [line, column] = posOf(BASE['policy.yaml'], needle).split(':').map(Number);
      return { file: 'policy.yaml', line, column };
    };
    expect(r.desired.policy).toEqual({
      pos: at('|policy:'),
      maxPricePerMTok: { value: { input: 5, output: 20 }, pos: at('|maxPricePerMTok') },
      allowedProviderKinds: { value: ['openai', 'anthropic', 'bedrock'], pos: at('|allowedProviderKinds') },
      allowedRegions: { value: { bedrock: ['eu-central-1'] }, pos: at('|allowedRegions') },
      requireFallback: { value: true, pos: at('|requireFallback') },
      requireGrantLimits: { value: true, pos: at('|requireGrantLimits') },
      maxMonthlyCostIncrease: { value: 100, pos: at('|maxMonthlyCostIncrease') },
    });
  });

  it.each(Object.entries(CASES))('%s', async (_name, c) => {
    const files = { ...BASE };
    for (const [file, [from, to]] of Object.entries(c.edit)) {
      expect(files[file]).toContain(from);
      files[file] = files[file].replace(from, to);
    }
    dir = tempRepo(files);
    const r = await validate(dir);
    const got = r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column} ${d.severity}`).sort();
    const want = c.expect.map(([code, file, needle, nth]) => `${code} ${file}:${posOf(files[file], needle, nth)} error`).sort();
    expect(got).toEqual(want);
    for (const d of r.diagnostics.filter((x) => x.code.startsWith('policy-'))) {
      // Each violation names where its rule is written.
      expect(d.message).toMatch(/ at policy\.yaml:\d+:3\)$/);
    }
  });

  it('a second section names the other place and leaves no policy in force', async () => {
    dir = tempRepo({ ...BASE, 'more.yaml': 'version: 1\npolicy:\n  requireGrantLimits: false\n' });
    const r = await validate(dir);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'more than one policy section: policy is also declared at policy.yaml:2:1; only one document may hold one',
      'more than one policy section: policy is also declared at more.yaml:2:1; only one document may hold one',
    ]);
    expect(r.desired.policy).toBeUndefined();
  });

  it('without checkPolicy (plan) the rules are not checked here, but the policy is loaded', async () => {
    dir = tempRepo({ ...BASE, 'policy.yaml': BASE['policy.yaml'].replace('output: 20', 'output: 1') });
    expect((await validate(dir)).diagnostics.map((d) => d.code)).toEqual(['policy-max-price', 'policy-max-price']);
    const r = await validate(dir, false);
    expect(r.diagnostics).toEqual([]);
    expect(r.desired.policy?.maxPricePerMTok?.value).toEqual({ input: 5, output: 1 });
  });

  it('schema errors in the section are reported once; the rules that are well-formed still apply', async () => {
    const policy = 'version: 1\npolicy:\n  requireFallback: "yes"\n  allowedProviderKinds: [openai]\n  allowedRegions: {openai: [us]}\n';
    dir = tempRepo({ ...BASE, 'policy.yaml': policy });
    const r = await validate(dir);
    expect(r.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`)).toEqual([
      'invalid-type policy.yaml:3:20',
      'unknown-key policy.yaml:5:20',
      `policy-provider-kind providers.yaml:${posOf(BASE['providers.yaml'], 'kind: |anthropic')}`,
      `policy-provider-kind providers.yaml:${posOf(BASE['providers.yaml'], 'kind: |bedrock')}`,
    ]);
    expect(r.desired.policy?.requireFallback).toBeUndefined();
    expect(r.desired.policy?.allowedRegions).toBeUndefined();
  });
});

describe('policyInputsFromDesired: the database as the plan leaves it (plan)', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  /** `chat` with backends on openai-prod (in the files) and on legacy/old-model (only in the database). */
  async function desired() {
    dir = tempRepo({
      ...BASE,
      'models.yaml': BASE['models.yaml'].replace('anthropic-main/claude-sonnet-4-6', 'legacy/old-model'),
    });
    return (await validate(dir, false)).desired;
  }
  const db = (pmStatus: 'active' | 'disabled', providerStatus: 'active' | 'disabled' = 'active', extra: Partial<PolicyDbView> = {}): PolicyDbView => ({
    providers: [{ id: 'p1', name: 'legacy', status: providerStatus }],
    providerModels: [{ providerId: 'p1', modelId: 'old-model', status: pmStatus }],
    ...extra,
  });
  const fallbackViolations = (d: Awaited<ReturnType<typeof desired>>, view?: PolicyDbView): string[] =>
    checkPolicyStatic(d.policy!, policyInputsFromDesired(d, view)).map((x) => x.code);

  it.each([
    ['no database (validate): the backend\'s own status stands', undefined, []],
    ['an active provider model of an active provider counts', db('active'), []],
    ['a disabled provider model does not', db('disabled'), ['policy-require-fallback']],
    ['a provider model of a disabled provider does not', db('active', 'disabled'), ['policy-require-fallback']],
    ['a provider the plan deletes or disables does not', db('active', 'active', { leavesUnusable: new Set(['legacy']) }), ['policy-require-fallback']],
    ['a provider model the database does not have does not', db('active', 'active', { providerModels: [] }), ['policy-require-fallback']],
  ] as const)('%s', async (_name, view, want) => {
    expect(fallbackViolations(await desired(), view)).toEqual(want);
  });

  it('maps every declared provider, provider model, model and grant, with positions', async () => {
    dir = tempRepo(BASE);
    const inputs = policyInputsFromDesired((await validate(dir)).desired);
    expect(inputs.providers.map((p) => [p.name, p.kind, p.kindPos?.line, p.regionPos?.line ?? null])).toEqual([
      ['anthropic-main', 'anthropic', 8, null],
      ['bedrock-eu', 'bedrock', 12, 13],
      ['openai-prod', 'openai', 4, null],
    ]);
    const gpt4o = inputs.providerModels.find((m) => m.provider === 'openai-prod' && m.modelId === 'gpt-4o');
    expect(gpt4o).toEqual({
      provider: 'openai-prod',
      modelId: 'gpt-4o',
      status: 'active',
      pricing: { inputPerMTok: 2.5, outputPerMTok: 10 },
      pos: { file: 'providers.yaml', line: 6, column: 23 },
    });
    expect(inputs.models).toEqual([
      {
        name: 'chat',
        status: 'active',
        backends: [
          { provider: 'openai-prod', status: 'active' },
          { provider: 'anthropic-main', status: 'active' },
        ],
        pos: { file: 'models.yaml', line: 3, column: 5 },
      },
    ]);
    expect(inputs.grants).toEqual([
      { model: 'chat', subject: 'group:engineering', limits: { requestsPerMinute: 60 }, pos: { file: 'grants.yaml', line: 3, column: 5 } },
    ]);
  });
});

describe('cvctl validate with policy violations', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  it('exits 1 and reports each violation as a diagnostic, in text and in JSON', async () => {
    dir = tempRepo({
      'providers.yaml': [
        'version: 1',
        'providers:',
        '  - name: vllm',
        '    kind: openai-compatible',
        '    config: {baseUrl: "https://vllm.internal/v1"}',
        '    models:',
        '      custom: [{id: big, kind: chat, pricing: {inputPerMTok: 1, outputPerMTok: 99}}]',
        '',
      ].join('\n'),
      'policy.yaml': 'version: 1\npolicy:\n  maxPricePerMTok: {output: 50}\n',
    });
    const text = await runCli(['validate', '--no-color'], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      "providers.yaml:7:47 error policy-max-price provider model vllm/big costs $99 per 1M output tokens, above the policy's maximum of $50 (maxPricePerMTok at policy.yaml:3:3)",
    );
    const json = await runCli(['validate', '--output', 'json'], { cwd: dir });
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out.valid).toBe(false);
    expect(out.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'policy-max-price', file: 'providers.yaml', line: 7, column: 47 }),
    ]);
  });
});
