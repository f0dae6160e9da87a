// Issue 12 item 7: with the default path `.`, other tools' YAML is skipped (an info diagnostic,
// shown with -v), while a cvctl document with a mistake is still an error at its position.
import { hasSchemaComment, looksLikeCvctlDocument } from '../../src/config/recognise';
import { renderValidateText } from '../../src/render/validate';
import { runCli } from '../support/cli';
import { load, providerDoc, removeRepo, summarize, tempRepo } from './helpers';

const MKDOCS = 'site_name: Acme platform\nnav:\n  - Home: index.md\ntheme:\n  name: material\n';
const COMPOSE = 'version: "3.8"\nservices:\n  db:\n    image: postgres:15\n    ports: ["5432:5432"]\n';
const HELM_VALUES = 'replicaCount: 2\nimage:\n  repository: nginx\n  tag: "1.25"\nservice:\n  type: ClusterIP\n';
const WORKFLOW = 'name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n';
const SCHEMA_COMMENT = '# yaml-language-server: $schema=../schemas/providers.schema.json\n';

describe('which documents are cvctl\'s', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  // [case, files, expected "code file line:col" diagnostics, providers loaded]
  const cases: Array<[string, Record<string, string>, string[], string[]]> = [
    [
      'unrelated YAML next to a provider file is skipped, with an info line each',
      { 'mkdocs.yml': MKDOCS, 'docker-compose.yml': COMPOSE, 'charts/app/values.yaml': HELM_VALUES, 'providers.yaml': providerDoc('openai-prod') },
      ['not-cvctl-document charts/app/values.yaml 1:1', 'not-cvctl-document docker-compose.yml 1:1', 'not-cvctl-document mkdocs.yml 1:1'],
      ['openai-prod'],
    ],
    ['.github workflows are never read (dot-folders are skipped)', { '.github/workflows/ci.yml': WORKFLOW, 'p.yaml': providerDoc('a') }, [], ['a']],
    [
      'a typo in a top-level key of a cvctl document is an error with its position',
      { 'p.yaml': 'version: 1\nprovider:\n  - name: a\n' },
      ['unknown-key p.yaml 2:1'],
      [],
    ],
    ['version: "1" (a string) with providers is cvctl\'s: the schema reports the type', { 'p.yaml': providerDoc('a').replace('version: 1', 'version: "1"') }, ['invalid-value p.yaml 1:10'], ['a']],
    ['a document recognised by `models` alone is checked, not skipped', { 'm.yaml': 'models:\n  - name: chat\n' }, ['missing-property m.yaml 1:1', 'model-without-active-backend m.yaml 2:5'], []],
    ['a document recognised by `policy` alone is checked, not skipped', { 'm.yaml': 'policy: {requireFallback: true}\n' }, ['missing-property m.yaml 1:1'], []],
    [
      'the schema comment makes every document of the file cvctl\'s',
      { 'p.yaml': `${SCHEMA_COMMENT}site_name: not really\n` },
      ['missing-property p.yaml 2:1', 'missing-property p.yaml 2:1', 'unknown-key p.yaml 2:1'],
      [],
    ],
    [
      'in a multi-document file only the other documents are skipped',
      { 'all.yaml': `${MKDOCS}---\n${providerDoc('b')}` },
      ['not-cvctl-document all.yaml 1:1'],
      ['b'],
    ],
    [
      'YAML problems inside a skipped document are not reported',
      { 'compose.yaml': 'version: "3.8"\nservices: {}\nservices: {}\n', 'p.yaml': providerDoc('a') },
      ['not-cvctl-document compose.yaml 1:1'],
      ['a'],
    ],
    ['a file that is not YAML at all is still an error', { 'bad.yaml': 'a: [\n', 'p.yaml': providerDoc('a') }, ['yaml-syntax bad.yaml 2:1'], ['a']],
    [
      'only other tools\' YAML: an error, since an empty desired state would delete everything',
      { 'mkdocs.yml': MKDOCS, 'docker-compose.yml': COMPOSE },
      ['no-documents . 0:0', 'not-cvctl-document docker-compose.yml 1:1', 'not-cvctl-document mkdocs.yml 1:1'],
      [],
    ],
  ];

  it.each(cases)('%s', async (_name, files, expected, providers) => {
    dir = tempRepo(files);
    const r = await load(['.'], dir);
    expect(r.diagnostics.map((d) => `${d.code} ${d.file} ${d.line}:${d.column}`)).toEqual(expected);
    expect(r.desired.providers.map((p) => p.spec.name)).toEqual(providers);
  });

  it('the typo gets a did-you-mean', async () => {
    dir = tempRepo({ 'p.yaml': 'version: 1\nprovider:\n  - name: a\n' });
    const r = await load(['.'], dir);
    expect(r.diagnostics.find((d) => d.code === 'unknown-key')?.message).toMatch(/did you mean 'providers'\?/);
  });

  it('a file named on the command line is always read as cvctl\'s', async () => {
    dir = tempRepo({ 'docker-compose.yml': COMPOSE });
    const r = await load(['docker-compose.yml'], dir);
    expect(summarize(r)).toEqual(expect.arrayContaining(['unknown-key 2:1']));
    expect(r.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });

  it('validate lists skipped documents only with -v, and counts the skipped files', async () => {
    dir = tempRepo({ 'mkdocs.yml': MKDOCS, 'p.yaml': providerDoc('a') });
    const r = await load(['.'], dir);
    expect(r.files).toEqual(['p.yaml']);
    expect(r.skipped).toEqual(['mkdocs.yml']);
    expect(renderValidateText(r, { color: false })).toBe('1 file valid: 1 provider, 0 models; 1 other YAML file skipped\n');
    expect(renderValidateText(r, { color: false, verbose: true })).toBe(
      "mkdocs.yml:1:1 info not-cvctl-document skipped: not a cvctl document (no 'version: 1' and no top-level 'providers', 'models', 'accessGrants', 'policy')\n" +
        '1 file valid: 1 provider, 0 models; 1 other YAML file skipped\n',
    );
  });

  it('a folder named on the command line is walked like `.`', async () => {
    dir = tempRepo({ 'cfg/mkdocs.yml': MKDOCS, 'cfg/p.yaml': providerDoc('a') });
    const r = await load(['cfg'], dir);
    expect(r.diagnostics.map((d) => [d.severity, d.code, d.file])).toEqual([['info', 'not-cvctl-document', 'cfg/mkdocs.yml']]);
  });

  it.each([
    [{ version: 1 }, true],
    [{ version: '3.8', services: {} }, false],
    [{ version: 2 }, false],
    [{ providers: [] }, true],
    [{ accessGrants: [] }, true],
    [{ models: [] }, true],
    [{ policy: {} }, true],
    [['a', 'b'], false],
    ['text', false],
    [null, false],
  ])('looksLikeCvctlDocument(%j) is %s', (value, expected) => {
    expect(looksLikeCvctlDocument(value)).toBe(expected);
  });

  it.each([
    ['# yaml-language-server: $schema=../schemas/providers.schema.json\n', true],
    ['site: x\n  # yaml-language-server: $schema=https://example.com/providers.schema.json\n', true],
    ['# yaml-language-server: $schema=https://json.schemastore.org/github-workflow.json\n', false],
    ['description: "# yaml-language-server: $schema=providers.schema.json"\n', false],
  ])('hasSchemaComment(%j) is %s', (text, expected) => {
    expect(hasSchemaComment(text)).toBe(expected);
  });
});

describe('Azure deployments name models the provider has', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  const azure = (models: string, deployments: string): string =>
    [
      'version: 1',
      'providers:',
      '  - name: azure-eu',
      '    kind: azure',
      '    config:',
      '      endpoint: https://eu.openai.azure.com/',
      '      apiVersion: "2024-10-21"',
      '      deployments:',
      ...deployments.split('\n').map((l) => `        ${l}`),
      '    credentials:',
      '      apiKey: {from: env, name: AZURE_KEY}',
      ...models.split('\n').map((l) => `    ${l}`),
      '',
    ].join('\n');

  // The fake catalog (helpers.ts) has no azure models, so these use custom models; the catalog
  // case is covered with the openai-shaped ids below through `custom`.
  const cases: Array<[string, string, string, string[]]> = [
    ['a custom model with a deployment', 'models:\n  custom:\n    - {id: gpt-4o, kind: chat}', 'gpt-4o: gpt4o-eu', []],
    [
      'a deployment for a model that is not there',
      'models:\n  custom:\n    - {id: gpt-4o, kind: chat}',
      'gpt-4o: gpt4o-eu\ngpt-40: mini-eu',
      ["unknown-deployment-model 10:9 deployment for 'gpt-40': the model is not in models.custom (no catalog imported) (did you mean 'gpt-4o'?)"],
    ],
    ['no models section: nothing to compare with', '', 'gpt-4o: gpt4o-eu', []],
  ];

  it.each(cases)('%s', async (_name, models, deployments, expected) => {
    dir = tempRepo({ 'a.yaml': azure(models, deployments) });
    const r = await load(['.'], dir);
    expect(r.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`)).toEqual(expected);
  });
});

describe('the CLI with other tools\' YAML in the default path', () => {
  let dir: string;
  afterEach(() => dir && removeRepo(dir));

  it('validate exits 0; -v lists the skipped files; plan -v lists them on stderr', async () => {
    dir = tempRepo({ 'mkdocs.yml': MKDOCS, 'docker-compose.yml': COMPOSE, 'p.yaml': providerDoc('a').replace('kind: openai', 'kind: groq') });
    const quiet = await runCli(['validate'], { cwd: dir });
    expect([quiet.code, quiet.stdout]).toEqual([0, '1 file valid: 1 provider, 0 models; 2 other YAML files skipped\n']);
    const verbose = await runCli(['validate', '-v'], { cwd: dir });
    expect(verbose.stdout).toMatch(/^docker-compose\.yml:1:1 info not-cvctl-document skipped: not a cvctl document/m);
    expect(verbose.stdout).toMatch(/^mkdocs\.yml:1:1 info not-cvctl-document /m);
    const plan = await runCli(['plan', '-v', '--no-resolve-secrets'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stderr).toMatch(/^mkdocs\.yml:1:1 info not-cvctl-document /m);
    expect(plan.stdout).toContain('+ provider "a"');
  }, 60_000);
});
