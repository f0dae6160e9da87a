// One small invalid document per rule. Each must be rejected, and ajv's errors must point at the
// offending node: an error with the expected instancePath (and keyword) must be present, and no
// error may point outside that node (the `if` companions ajv adds at enclosing nodes aside).
import type { ErrorObject } from 'ajv';
import { Json, compileSchema, errorsOf, realErrors, describeErrors } from './compile';

const validate = compileSchema();

const env = (name = 'API_KEY') => ({ from: 'env', name });
const doc = (...providers: Json[]) => ({ version: 1, providers });
const openai = (over: Json = {}) => ({ name: 'openai-prod', kind: 'openai', credentials: { apiKey: env() }, ...over });
const azure = (over: Json = {}) => ({
  name: 'azure-eastus',
  kind: 'azure',
  config: { endpoint: 'https://acme.openai.azure.com/', apiVersion: '2024-10-21' },
  credentials: { apiKey: env() },
  ...over,
});
const bedrock = (over: Json = {}) => ({
  name: 'bedrock-us',
  kind: 'bedrock',
  config: { region: 'us-east-1' },
  credentials: { accessKeyId: env('AWS_KEY_ID'), secretAccessKey: env('AWS_SECRET') },
  ...over,
});
const vertex = (over: Json = {}) => ({
  name: 'vertex-eu',
  kind: 'vertex',
  config: { project: 'acme-ml-prod', location: 'europe-west4' },
  credentials: { serviceAccountJson: { from: 'file', path: 'sa.json' } },
  ...over,
});
const withRef = (ref: Json) => doc(openai({ credentials: { apiKey: ref } }));
const withModels = (models: Json) => doc(openai({ models }));
const withCustom = (custom: Json) => withModels({ custom: [{ id: 'm1', kind: 'chat', ...custom }] });
const price = { inputPerMTok: 1, outputPerMTok: 2 };

const chat = (over: Json = {}) => ({ name: 'chat-default', backends: [{ providerModel: 'openai-prod/gpt-4o' }], ...over });
const routed = (over: Json) => ({ version: 1, models: [chat(over)] });
const backend = (over: Json) => routed({ backends: [{ providerModel: 'openai-prod/gpt-4o', ...over }] });
const grant = (over: Json = {}) => ({ version: 1, accessGrants: [{ model: 'chat-default', subject: { group: 'engineering' }, ...over }] });

const P = '/providers/0';
const M = '/models/0';
const G = '/accessGrants/0';
const REF = `${P}/credentials/apiKey`;

interface Case {
  rule: string;
  doc: Json;
  path: string;
  keyword: string;
  params?: Record<string, unknown>;
}

const cases: Case[] = [
  // document
  { rule: 'unknown top-level key', doc: { ...doc(), provider: [] }, path: '', keyword: 'additionalProperties', params: { additionalProperty: 'provider' } },
  { rule: 'missing version', doc: { providers: [] }, path: '', keyword: 'required', params: { missingProperty: 'version' } },
  { rule: 'none of providers, models, accessGrants', doc: { version: 1 }, path: '', keyword: 'anyOf' },
  { rule: 'version 2', doc: { version: 2, providers: [] }, path: '/version', keyword: 'const' },
  { rule: 'providers not an array', doc: { version: 1, providers: { name: 'x' } }, path: '/providers', keyword: 'type' },
  { rule: 'provider not an object', doc: doc('openai-prod'), path: P, keyword: 'type' },
  // provider
  { rule: 'unknown provider key', doc: doc(openai({ lables: {} })), path: P, keyword: 'additionalProperties', params: { additionalProperty: 'lables' } },
  { rule: 'bad name (upper case, underscore)', doc: doc(openai({ name: 'OpenAI_Prod' })), path: `${P}/name`, keyword: 'pattern' },
  { rule: 'name ending with a dash', doc: doc(openai({ name: 'openai-' })), path: `${P}/name`, keyword: 'pattern' },
  { rule: 'name of 64 characters', doc: doc(openai({ name: 'a'.repeat(64) })), path: `${P}/name`, keyword: 'maxLength' },
  { rule: 'missing name', doc: doc({ kind: 'openai', credentials: { apiKey: env() } }), path: P, keyword: 'required', params: { missingProperty: 'name' } },
  { rule: 'bad kind', doc: doc(openai({ kind: 'open-ai' })), path: `${P}/kind`, keyword: 'enum' },
  { rule: 'missing kind', doc: doc({ name: 'x', credentials: { apiKey: env() } }), path: P, keyword: 'required', params: { missingProperty: 'kind' } },
  { rule: 'bad status', doc: doc(openai({ status: 'enabled' })), path: `${P}/status`, keyword: 'enum' },
  { rule: 'bad onRemove', doc: doc(openai({ onRemove: 'keep' })), path: `${P}/onRemove`, keyword: 'enum' },
  { rule: 'protected not a boolean', doc: doc(openai({ protected: 'yes' })), path: `${P}/protected`, keyword: 'type' },
  // labels
  { rule: '2 KB label value', doc: doc(openai({ labels: { team: 'x'.repeat(2048) } })), path: `${P}/labels/team`, keyword: 'maxLength' },
  { rule: 'label value not a string', doc: doc(openai({ labels: { replicas: 3 } })), path: `${P}/labels/replicas`, keyword: 'type' },
  { rule: 'bad label key', doc: doc(openai({ labels: { 'cost center': 'x' } })), path: `${P}/labels`, keyword: 'propertyNames' },
  // config
  { rule: 'unknown key in openai config', doc: doc(openai({ config: { organisation: 'org-1' } })), path: `${P}/config`, keyword: 'additionalProperties', params: { additionalProperty: 'organisation' } },
  { rule: 'config key of another kind (google has no project)', doc: doc({ name: 'g', kind: 'google', config: { project: 'p' }, credentials: { apiKey: env() } }), path: `${P}/config`, keyword: 'additionalProperties', params: { additionalProperty: 'project' } },
  { rule: 'baseUrl not http(s)', doc: doc(openai({ config: { baseUrl: 'ftp://proxy.internal/v1' } })), path: `${P}/config/baseUrl`, keyword: 'pattern' },
  { rule: 'baseUrl not a URI', doc: doc(openai({ config: { baseUrl: 'https://exa mple.com' } })), path: `${P}/config/baseUrl`, keyword: 'format' },
  { rule: '1 MB config string', doc: doc(openai({ config: { organization: 'o'.repeat(1 << 20) } })), path: `${P}/config/organization`, keyword: 'maxLength' },
  // credentials
  { rule: 'openai without apiKey', doc: doc(openai({ credentials: {} })), path: `${P}/credentials`, keyword: 'required', params: { missingProperty: 'apiKey' } },
  { rule: 'openai without credentials', doc: doc({ name: 'openai-prod', kind: 'openai' }), path: P, keyword: 'required', params: { missingProperty: 'credentials' } },
  { rule: 'unknown credential field', doc: doc(openai({ credentials: { apiKey: env(), apikey: env() } })), path: `${P}/credentials`, keyword: 'additionalProperties', params: { additionalProperty: 'apikey' } },
  { rule: 'literal string as apiKey', doc: withRef('sk-proj-abc123'), path: REF, keyword: 'type', params: { type: 'object' } },
  // azure
  { rule: 'azure without endpoint', doc: doc(azure({ config: { apiVersion: '2024-10-21' } })), path: `${P}/config`, keyword: 'required', params: { missingProperty: 'endpoint' } },
  { rule: 'azure without config', doc: doc(azure({ config: undefined })), path: P, keyword: 'required', params: { missingProperty: 'config' } },
  { rule: 'azure with no apiKey and a partial tenant trio', doc: doc(azure({ credentials: { tenantId: env('T'), clientId: env('C') } })), path: `${P}/credentials`, keyword: 'oneOf' },
  { rule: 'azure with apiKey and a partial tenant trio', doc: doc(azure({ credentials: { apiKey: env(), tenantId: env('T') } })), path: `${P}/credentials`, keyword: 'dependentRequired' },
  { rule: 'azure with both apiKey and a service principal', doc: doc(azure({ credentials: { apiKey: env(), tenantId: env('T'), clientId: env('C'), clientSecret: env('S') } })), path: `${P}/credentials`, keyword: 'oneOf' },
  { rule: 'azure deployment name not a string', doc: doc(azure({ config: { endpoint: 'https://a.openai.azure.com/', apiVersion: 'v1', deployments: { 'gpt-4o': 1 } } })), path: `${P}/config/deployments/gpt-4o`, keyword: 'type' },
  // bedrock
  { rule: 'bedrock without credentials and without roleArn', doc: doc(bedrock({ credentials: undefined })), path: P, keyword: 'required', params: { missingProperty: 'credentials' } },
  { rule: 'bedrock with only accessKeyId', doc: doc(bedrock({ credentials: { accessKeyId: env('K') } })), path: `${P}/credentials`, keyword: 'required', params: { missingProperty: 'secretAccessKey' } },
  { rule: 'bedrock with roleArn and only a sessionToken', doc: doc(bedrock({ config: { region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/cv' }, credentials: { sessionToken: env('T') } })), path: `${P}/credentials`, keyword: 'required', params: { missingProperty: 'accessKeyId' } },
  { rule: 'bedrock bad region', doc: doc(bedrock({ config: { region: 'US East' } })), path: `${P}/config/region`, keyword: 'pattern' },
  { rule: 'bedrock bad roleArn', doc: doc(bedrock({ config: { region: 'us-east-1', roleArn: 'arn:aws:iam::123:role/x' } })), path: `${P}/config/roleArn`, keyword: 'pattern' },
  // vertex, openai-compatible
  { rule: 'vertex without project', doc: doc(vertex({ config: { location: 'europe-west4' } })), path: `${P}/config`, keyword: 'required', params: { missingProperty: 'project' } },
  { rule: 'vertex-anthropic without serviceAccountJson', doc: doc(vertex({ kind: 'vertex-anthropic', credentials: {} })), path: `${P}/credentials`, keyword: 'required', params: { missingProperty: 'serviceAccountJson' } },
  { rule: 'openai-compatible without baseUrl', doc: doc({ name: 'vllm', kind: 'openai-compatible', config: {} }), path: `${P}/config`, keyword: 'required', params: { missingProperty: 'baseUrl' } },
  { rule: 'openai-compatible without config', doc: doc({ name: 'vllm', kind: 'openai-compatible' }), path: P, keyword: 'required', params: { missingProperty: 'config' } },
  // secret references
  { rule: 'bad secret ref source', doc: withRef({ from: 'environment', name: 'X' }), path: `${REF}/from`, keyword: 'enum' },
  { rule: 'secret ref without from', doc: withRef({ name: 'X' }), path: REF, keyword: 'required', params: { missingProperty: 'from' } },
  { rule: 'extra key in a ref', doc: withRef({ from: 'env', name: 'X', default: 'sk-abc' }), path: REF, keyword: 'additionalProperties', params: { additionalProperty: 'default' } },
  { rule: 'key of another source in a ref', doc: withRef({ from: 'file', path: 'k.txt', name: 'X' }), path: REF, keyword: 'additionalProperties', params: { additionalProperty: 'name' } },
  { rule: 'env name with a dash', doc: withRef({ from: 'env', name: 'OPENAI-KEY' }), path: `${REF}/name`, keyword: 'pattern' },
  { rule: 'aws-secrets-manager without secretId', doc: withRef({ from: 'aws-secrets-manager', jsonKey: 'k' }), path: REF, keyword: 'required', params: { missingProperty: 'secretId' } },
  { rule: 'aws-ssm bad region', doc: withRef({ from: 'aws-ssm', name: '/cv/key', region: 'moon' }), path: `${REF}/region`, keyword: 'pattern' },
  { rule: 'vault without field', doc: withRef({ from: 'vault', path: 'cv/openai' }), path: REF, keyword: 'required', params: { missingProperty: 'field' } },
  { rule: 'vault version 0', doc: withRef({ from: 'vault', path: 'cv/openai', field: 'k', version: 0 }), path: `${REF}/version`, keyword: 'minimum' },
  { rule: 'gcp-secret-manager short name', doc: withRef({ from: 'gcp-secret-manager', name: 'openai-key' }), path: `${REF}/name`, keyword: 'pattern' },
  { rule: 'azure-key-vault over http', doc: withRef({ from: 'azure-key-vault', vaultUrl: 'http://acme.vault.azure.net/', name: 'k' }), path: `${REF}/vaultUrl`, keyword: 'pattern' },
  // models
  { rule: 'unknown key in models', doc: withModels({ catalog: '2026.04.15', excludes: ['gpt-4o'] }), path: `${P}/models`, keyword: 'additionalProperties', params: { additionalProperty: 'excludes' } },
  { rule: 'bad catalog version format', doc: withModels({ catalog: '2026-04-15' }), path: `${P}/models/catalog`, keyword: 'pattern' },
  { rule: 'catalog version as a number', doc: withModels({ catalog: 2026.0415 }), path: `${P}/models/catalog`, keyword: 'type' },
  { rule: 'exclude not an array', doc: withModels({ exclude: 'gpt-4o' }), path: `${P}/models/exclude`, keyword: 'type' },
  { rule: 'exclude with duplicates', doc: withModels({ exclude: ['gpt-4o', 'gpt-4o'] }), path: `${P}/models/exclude`, keyword: 'uniqueItems' },
  { rule: 'unknown key in a custom model', doc: withCustom({ context_window: 8192 }), path: `${P}/models/custom/0`, keyword: 'additionalProperties', params: { additionalProperty: 'context_window' } },
  { rule: 'custom model without id', doc: withModels({ custom: [{ kind: 'chat' }] }), path: `${P}/models/custom/0`, keyword: 'required', params: { missingProperty: 'id' } },
  { rule: 'custom model id with a space', doc: withCustom({ id: 'gpt 4o' }), path: `${P}/models/custom/0/id`, keyword: 'pattern' },
  { rule: 'custom model bad kind', doc: withCustom({ kind: 'completion' }), path: `${P}/models/custom/0/kind`, keyword: 'enum' },
  { rule: 'negative contextWindow', doc: withCustom({ contextWindow: -1 }), path: `${P}/models/custom/0/contextWindow`, keyword: 'minimum' },
  { rule: 'fractional contextWindow', doc: withCustom({ contextWindow: 8192.5 }), path: `${P}/models/custom/0/contextWindow`, keyword: 'type' },
  { rule: 'negative price', doc: withCustom({ pricing: { ...price, inputPerMTok: -0.5 } }), path: `${P}/models/custom/0/pricing/inputPerMTok`, keyword: 'minimum' },
  { rule: 'pricing without outputPerMTok', doc: withCustom({ pricing: { inputPerMTok: 1 } }), path: `${P}/models/custom/0/pricing`, keyword: 'required', params: { missingProperty: 'outputPerMTok' } },
  { rule: 'price as a string', doc: withCustom({ pricing: { ...price, outputPerMTok: '$2' } }), path: `${P}/models/custom/0/pricing/outputPerMTok`, keyword: 'type' },
  { rule: 'unknown key in pricing', doc: withCustom({ pricing: { ...price, currency: 'EUR' } }), path: `${P}/models/custom/0/pricing`, keyword: 'additionalProperties', params: { additionalProperty: 'currency' } },
  // ignoreDrift
  { rule: 'ignoreDrift without reason', doc: doc(openai({ ignoreDrift: [{ path: 'config.project' }] })), path: `${P}/ignoreDrift/0`, keyword: 'required', params: { missingProperty: 'reason' } },
  { rule: 'ignoreDrift with an empty reason', doc: doc(openai({ ignoreDrift: [{ path: 'config.project', reason: '' }] })), path: `${P}/ignoreDrift/0/reason`, keyword: 'minLength' },
  { rule: 'ignoreDrift until not a date', doc: doc(openai({ ignoreDrift: [{ path: 'labels', reason: 'x', until: 'next year' }] })), path: `${P}/ignoreDrift/0/until`, keyword: 'format' },
  { rule: 'unknown key in ignoreDrift', doc: doc(openai({ ignoreDrift: [{ path: 'labels', reason: 'x', ttl: 3 }] })), path: `${P}/ignoreDrift/0`, keyword: 'additionalProperties', params: { additionalProperty: 'ttl' } },
  // user-facing models (CONTRACT.md section 5)
  { rule: 'models not an array', doc: { version: 1, models: { name: 'chat' } }, path: '/models', keyword: 'type' },
  { rule: 'model without name', doc: { version: 1, models: [{ kind: 'chat' }] }, path: M, keyword: 'required', params: { missingProperty: 'name' } },
  { rule: 'model name with upper case', doc: routed({ name: 'Chat' }), path: `${M}/name`, keyword: 'pattern' },
  { rule: 'model bad kind', doc: routed({ kind: 'completion' }), path: `${M}/kind`, keyword: 'enum' },
  { rule: 'model bad status', doc: routed({ status: 'paused' }), path: `${M}/status`, keyword: 'enum' },
  { rule: 'model 2 KB description', doc: routed({ description: 'd'.repeat(2048) }), path: `${M}/description`, keyword: 'maxLength' },
  { rule: 'model bad renamedFrom', doc: routed({ renamedFrom: ['Chat'] }), path: `${M}/renamedFrom/0`, keyword: 'pattern' },
  { rule: 'unknown model key', doc: routed({ backend: [] }), path: M, keyword: 'additionalProperties', params: { additionalProperty: 'backend' } },
  { rule: 'bad routing strategy', doc: routed({ routing: { strategy: 'round-robin' } }), path: `${M}/routing/strategy`, keyword: 'enum' },
  { rule: 'retries over 5', doc: routed({ routing: { retries: 6 } }), path: `${M}/routing/retries`, keyword: 'maximum' },
  { rule: 'negative retries', doc: routed({ routing: { retries: -1 } }), path: `${M}/routing/retries`, keyword: 'minimum' },
  { rule: 'unknown failover trigger', doc: routed({ routing: { failoverOn: ['overload'] } }), path: `${M}/routing/failoverOn/0`, keyword: 'enum' },
  { rule: 'failover trigger twice', doc: routed({ routing: { failoverOn: ['timeout', 'timeout'] } }), path: `${M}/routing/failoverOn`, keyword: 'uniqueItems' },
  { rule: 'unknown routing key', doc: routed({ routing: { stickiness: true } }), path: `${M}/routing`, keyword: 'additionalProperties', params: { additionalProperty: 'stickiness' } },
  { rule: 'backend without providerModel', doc: routed({ backends: [{ priority: 1 }] }), path: `${M}/backends/0`, keyword: 'required', params: { missingProperty: 'providerModel' } },
  { rule: 'providerModel without a provider', doc: backend({ providerModel: 'gpt-4o' }), path: `${M}/backends/0/providerModel`, keyword: 'pattern' },
  { rule: 'providerModel with an empty model id', doc: backend({ providerModel: 'openai-prod/' }), path: `${M}/backends/0/providerModel`, keyword: 'pattern' },
  { rule: 'priority 0', doc: backend({ priority: 0 }), path: `${M}/backends/0/priority`, keyword: 'minimum' },
  { rule: 'priority 101', doc: backend({ priority: 101 }), path: `${M}/backends/0/priority`, keyword: 'maximum' },
  { rule: 'weight 0', doc: backend({ weight: 0 }), path: `${M}/backends/0/weight`, keyword: 'minimum' },
  { rule: 'weight 1001', doc: backend({ weight: 1001 }), path: `${M}/backends/0/weight`, keyword: 'maximum' },
  { rule: 'fractional weight', doc: backend({ weight: 2.5 }), path: `${M}/backends/0/weight`, keyword: 'type' },
  { rule: 'bad backend status', doc: backend({ status: 'off' }), path: `${M}/backends/0/status`, keyword: 'enum' },
  // access grants
  { rule: 'grant without subject', doc: grant({ subject: undefined }), path: G, keyword: 'required', params: { missingProperty: 'subject' } },
  { rule: 'grant without model', doc: grant({ model: undefined }), path: G, keyword: 'required', params: { missingProperty: 'model' } },
  { rule: 'grant subject with neither group nor user', doc: grant({ subject: {} }), path: `${G}/subject`, keyword: 'oneOf' },
  { rule: 'grant subject with both group and user', doc: grant({ subject: { group: 'eng', user: 'a@b.co' } }), path: `${G}/subject`, keyword: 'oneOf' },
  { rule: 'grant subject of another kind', doc: grant({ subject: { team: 'eng' } }), path: `${G}/subject`, keyword: 'additionalProperties', params: { additionalProperty: 'team' } },
  { rule: 'grant user not an email', doc: grant({ subject: { user: 'ana' } }), path: `${G}/subject/user`, keyword: 'format' },
  { rule: 'grant group with surrounding spaces', doc: grant({ subject: { group: ' eng ' } }), path: `${G}/subject/group`, keyword: 'pattern' },
  { rule: 'requestsPerMinute 0', doc: grant({ limits: { requestsPerMinute: 0 } }), path: `${G}/limits/requestsPerMinute`, keyword: 'minimum' },
  { rule: 'fractional tokensPerDay', doc: grant({ limits: { tokensPerDay: 1.5 } }), path: `${G}/limits/tokensPerDay`, keyword: 'type' },
  { rule: 'negative monthlyBudgetUsd', doc: grant({ limits: { monthlyBudgetUsd: -1 } }), path: `${G}/limits/monthlyBudgetUsd`, keyword: 'minimum' },
  { rule: 'unknown limit', doc: grant({ limits: { rpm: 5 } }), path: `${G}/limits`, keyword: 'additionalProperties', params: { additionalProperty: 'rpm' } },
  { rule: 'expiresAt not a date', doc: grant({ expiresAt: 'next year' }), path: `${G}/expiresAt`, keyword: 'pattern' },
  { rule: 'expiresAt without a time zone', doc: grant({ expiresAt: '2027-06-30T18:00:00' }), path: `${G}/expiresAt`, keyword: 'pattern' },
];

/** Drop keys set to undefined (azure({config: undefined}) means "no config"). */
function clean(x: Json): Json {
  return JSON.parse(JSON.stringify(x));
}

function matches(e: ErrorObject, c: Case): boolean {
  if (e.instancePath !== c.path || e.keyword !== c.keyword) return false;
  return Object.entries(c.params ?? {}).every(([k, v]) => (e.params as Record<string, unknown>)[k] === v);
}

function under(e: ErrorObject, path: string): boolean {
  return path === '' || e.instancePath === path || e.instancePath.startsWith(`${path}/`);
}

describe('invalid documents are rejected at the right node', () => {
  test.each(cases.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const errors = errorsOf(validate, clean(c.doc));
    expect(errors.length).toBeGreaterThan(0);
    if (!errors.some((e) => matches(e, c))) {
      throw new Error(`expected ${c.keyword} at ${c.path || '(root)'}, got:\n${describeErrors(errors)}`);
    }
    const stray = realErrors(errors).filter((e) => !under(e, c.path));
    if (stray.length) throw new Error(`errors outside ${c.path}:\n${describeErrors(stray)}`);
  });

  test('the rule table is not trivially small', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
});

describe('the error shapes src/config relies on', () => {
  test('a literal string in place of a secret reference: one type error, parentSchema is the secretRef', () => {
    const errors = realErrors(errorsOf(validate, withRef('sk-proj-abc123')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ instancePath: REF, keyword: 'type', params: { type: 'object' } });
    expect((errors[0].parentSchema as Json).title).toBe('Secret reference');
  });

  test('an unknown "from": one enum error at .../from', () => {
    const errors = realErrors(errorsOf(validate, withRef({ from: 'environment', name: 'X' })));
    expect(errors.map((e) => [e.instancePath, e.keyword])).toEqual([[`${REF}/from`, 'enum']]);
  });

  test('an unknown key in config: one additionalProperties error naming the key', () => {
    const errors = realErrors(errorsOf(validate, doc(openai({ config: { organisation: 'o' } }))));
    expect(errors.map((e) => [e.instancePath, e.keyword, e.params])).toEqual([
      [`${P}/config`, 'additionalProperties', { additionalProperty: 'organisation' }],
    ]);
  });

  test('a missing required credential: one required error at credentials', () => {
    const errors = realErrors(errorsOf(validate, doc(openai({ credentials: {} }))));
    expect(errors.map((e) => [e.instancePath, e.keyword, e.params])).toEqual([
      [`${P}/credentials`, 'required', { missingProperty: 'apiKey' }],
    ]);
  });

  test('the if companions are always keyword "if" with failingKeyword then/else', () => {
    const errors = errorsOf(validate, doc(openai({ credentials: {} })));
    for (const e of errors.filter((x) => x.keyword === 'if')) {
      expect(['then', 'else']).toContain((e.params as Json).failingKeyword);
    }
  });

  test('an unknown kind reports only the kind (config and credentials are not checked)', () => {
    const errors = realErrors(errorsOf(validate, doc({ name: 'x', kind: 'mistral', config: { a: 1 }, credentials: { k: 'v' } })));
    expect(errors.map((e) => [e.instancePath, e.keyword])).toEqual([[`${P}/kind`, 'enum']]);
  });

  test('errors in the second provider point at /providers/1', () => {
    const errors = realErrors(errorsOf(validate, doc(openai(), openai({ name: 'openai-b', credentials: { apiKey: 'sk' } }))));
    expect(errors.map((e) => e.instancePath)).toEqual(['/providers/1/credentials/apiKey']);
  });
});

describe('valid edge cases are accepted', () => {
  const valid: [string, Json][] = [
    ['bedrock with roleArn and no credentials', doc(bedrock({ config: { region: 'us-gov-west-1', roleArn: 'arn:aws-us-gov:iam::123456789012:role/cv' }, credentials: undefined }))],
    ['bedrock with roleArn and empty credentials', doc(bedrock({ config: { region: 'eu-central-1', roleArn: 'arn:aws:iam::123456789012:role/cv', externalId: 'ext-1' }, credentials: {} }))],
    ['bedrock with session token', doc(bedrock({ credentials: { accessKeyId: env('A'), secretAccessKey: env('B'), sessionToken: env('C') } }))],
    ['azure with a service principal', doc(azure({ credentials: { tenantId: env('T'), clientId: env('C'), clientSecret: env('S') } }))],
    ['openai-compatible without credentials', doc({ name: 'vllm', kind: 'openai-compatible', config: { baseUrl: 'http://localhost:8000/v1' } })],
    ['every kind with a baseUrl override', doc(openai({ config: { baseUrl: 'https://proxy.internal/openai/v1', organization: 'org-1', project: 'proj_1' } }))],
    ['catalog override entry without kind', withModels({ catalog: '2026.04.15', custom: [{ id: 'gpt-4o', status: 'disabled' }] })],
    ['model ids with : / @ .', withModels({ exclude: ['anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5@20251001', 'meta-llama/llama-4-scout-17b-16e-instruct'] })],
    ['zero prices and a big context window', withCustom({ kind: 'embedding', contextWindow: 100000000, pricing: { inputPerMTok: 0, outputPerMTok: 0 } })],
    ['prefixed label key and empty label value', doc(openai({ labels: { 'codevector.dev/owner': 'platform', note: '' } }))],
    ['ignoreDrift with until', doc(openai({ ignoreDrift: [{ path: 'config.project', reason: 'console', until: '2026-12-31' }] }))],
    ['every secret source', doc({
      name: 'azure-sp', kind: 'azure',
      config: { endpoint: 'https://a.openai.azure.com/', apiVersion: '2025-04-01-preview', deployments: { 'gpt-4o': 'gpt-4o-prod' } },
      credentials: {
        tenantId: { from: 'aws-ssm', name: 'arn:aws:ssm:us-east-1:123456789012:parameter/cv/tenant', region: 'us-east-1' },
        clientId: { from: 'gcp-secret-manager', name: 'projects/p/secrets/client-id/versions/2' },
        clientSecret: { from: 'vault', path: 'cv/azure', field: 'secret', mount: 'kv', version: 4 },
      },
    }), ],
    ['azure-key-vault, aws-secrets-manager, file', doc(
      openai({ name: 'a', credentials: { apiKey: { from: 'azure-key-vault', vaultUrl: 'https://v.vault.azure.net/', name: 'k-1', version: 'abc123' } } }),
      openai({ name: 'b', credentials: { apiKey: { from: 'aws-secrets-manager', secretId: 'cv/openai', jsonKey: 'key', versionStage: 'AWSPREVIOUS', region: 'eu-west-1' } } }),
      openai({ name: 'c', credentials: { apiKey: { from: 'file', path: '/run/secrets/openai' } } }),
    )],
  ];
  test.each(valid)('%s', (_name, d) => {
    const errors = errorsOf(validate, clean(d));
    if (errors.length) throw new Error(describeErrors(errors));
  });
});
