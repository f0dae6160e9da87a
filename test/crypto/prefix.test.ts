import { PROVIDER_KINDS, primaryCredentialField, type ProviderKind } from '../../src/domain/kinds';
import { checkServiceAccountJson, credentialPrefix, keyPrefix, vendorPrefix } from '../../src/crypto/prefix';
import { SecretValue } from '../../src/secrets/resolver';

const OPENAI_PROJ = 'sk-proj-' + 'A1b2C3d4'.repeat(20); // 168 chars
const ANTHROPIC = 'sk-ant-api03-' + 'x9Y8z7W6'.repeat(12) + '-AAAA'; // 114 chars
const SA_JSON = JSON.stringify({
  type: 'service_account',
  project_id: 'acme-prod',
  private_key_id: 'abc',
  private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQ...\n-----END PRIVATE KEY-----\n',
  client_email: 'cvctl@acme-prod.iam.gserviceaccount.com',
});

const cases: Array<[string, ProviderKind, string, string, string | null]> = [
  // [label, kind, field, value, expected]
  ['OpenAI project key', 'openai', 'apiKey', OPENAI_PROJ, 'sk-proj-A1b2'],
  ['OpenAI service account key', 'openai', 'apiKey', 'sk-svcacct-' + 'q'.repeat(60), 'sk-svcacct-qqqq'],
  ['OpenAI admin key', 'openai', 'apiKey', 'sk-admin-' + 'Z'.repeat(60), 'sk-admin-ZZZZ'],
  ['legacy sk- key', 'openai', 'apiKey', 'sk-' + 'abcdefgh'.repeat(6), 'sk-abcd'],
  // the quarter cap holds inside the vendor prefix: 11 chars -> at most 2
  ['short test key sk-test-123', 'openai', 'apiKey', 'sk-test-123', 'sk'],
  ['Anthropic api03 key', 'anthropic', 'apiKey', ANTHROPIC, 'sk-ant-api03-x9Y8'],
  ['Anthropic admin key', 'anthropic', 'apiKey', 'sk-ant-admin01-' + 'm'.repeat(80), 'sk-ant-admin01-mmmm'],
  ['Google AI Studio key', 'google', 'apiKey', 'AIzaSyD' + 'k'.repeat(32), 'AIzaSyDk'],
  ['Groq key', 'groq', 'apiKey', 'gsk_' + 'G'.repeat(52), 'gsk_GGGG'],
  ['xAI key via openai-compatible', 'openai-compatible', 'apiKey', 'xai-' + 'h'.repeat(76), 'xai-hhhh'],
  ['Perplexity key', 'openai-compatible', 'apiKey', 'pplx-' + 'p'.repeat(48), 'pplx-pppp'],
  ['DeepSeek key', 'deepseek', 'apiKey', 'sk-' + '0123456789abcdef'.repeat(2), 'sk-0123'],
  ['Cohere key: no vendor prefix', 'cohere', 'apiKey', 'Abcdefghij'.repeat(4), 'Abcd'],
  ['Azure key: no vendor prefix', 'azure', 'apiKey', '0123456789abcdef0123456789abcdef', '0123'],
  ['unknown prefix, short: quarter of 12', 'openai-compatible', 'apiKey', 'token-123456', 'tok'],
  ['very short value', 'openai-compatible', 'apiKey', 'abc', null],
  ['empty value', 'openai-compatible', 'apiKey', '', null],
  ['vendor prefix longer than a quarter', 'anthropic', 'apiKey', 'sk-ant-api03-abcdefgh', 'sk-an'],
  ['service account JSON -> client_email', 'vertex', 'serviceAccountJson', SA_JSON, 'cvctl@acme-prod.iam.gserviceaccount.com'],
  ['service account JSON (vertex-anthropic)', 'vertex-anthropic', 'serviceAccountJson', SA_JSON, 'cvctl@acme-prod.iam.gserviceaccount.com'],
  ['unparseable service account JSON', 'vertex', 'serviceAccountJson', '{not json', null],
  ['service account JSON without client_email', 'vertex', 'serviceAccountJson', '{"type":"service_account"}', null],
  ['AWS access key id: shown whole', 'bedrock', 'accessKeyId', 'AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['AWS temporary access key id', 'bedrock', 'accessKeyId', 'ASIAY34FZKBOKMUTVV7A', 'ASIAY34FZKBOKMUTVV7A'],
  ['AWS secret access key: never', 'bedrock', 'secretAccessKey', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', null],
  ['AWS session token: never', 'bedrock', 'sessionToken', 'IQoJb3JpZ2luX2VjE' + 'x'.repeat(300), null],
  ['Azure AD client secret: generic rule', 'azure', 'clientSecret', 'Qx~8Q~' + 'a'.repeat(34), 'Qx~8'],
];

describe('credentialPrefix', () => {
  it.each(cases)('%s', (_label, kind, field, value, expected) => {
    const got = credentialPrefix(kind, field, new SecretValue(value));
    expect(got).toBe(expected);
    // never more than a quarter of an API key (identifiers like emails and AWS ids aside)
    if (got !== null && field !== 'serviceAccountJson' && field !== 'accessKeyId') {
      expect(got.length).toBeLessThanOrEqual(Math.floor(value.length / 4));
      expect(value.startsWith(got)).toBe(true);
    }
  });

  it('has a rule for the primary credential field of every kind', () => {
    for (const kind of PROVIDER_KINDS) {
      const field = primaryCredentialField(kind);
      const value = field === 'serviceAccountJson' ? SA_JSON : field === 'accessKeyId' ? 'AKIAIOSFODNN7EXAMPLE' : 'sk-proj-' + 'a'.repeat(40);
      expect(credentialPrefix(kind, field, new SecretValue(value))).not.toBeNull();
    }
  });

  it('matches the longest vendor prefix', () => {
    expect(vendorPrefix('sk-ant-api03-xyz')).toBe('sk-ant-api03-');
    expect(vendorPrefix('sk-proj-xyz')).toBe('sk-proj-');
    expect(vendorPrefix('sk-xyz')).toBe('sk-');
    expect(vendorPrefix('nothing')).toBe('');
    expect(keyPrefix('a'.repeat(8))).toBe('aa');
  });
});

describe('checkServiceAccountJson', () => {
  const CANARY = 'CANARY-7f3a';
  it('accepts a service account key', () => {
    expect(checkServiceAccountJson(new SecretValue(SA_JSON))).toBeNull();
  });
  it.each([
    ['', 'is empty'],
    [`{"private_key": "${CANARY}`, 'is not valid JSON'],
    [`["${CANARY}"]`, 'must be a JSON object'],
    [`{"type": "authorized_user", "refresh_token": "${CANARY}"}`, '"type": "service_account"'],
    [`{"type": "service_account", "private_key": "${CANARY}"}`, 'missing "client_email"'],
    [`{"client_email": "a@b.c", "private_key_id": "${CANARY}"}`, 'missing "private_key"'],
    [`{"client_email": "${CANARY}", "private_key": "-----BEGIN PRIVATE KEY-----"}`, 'not an email address'],
    [`{"client_email": "a@b.c", "private_key": "${CANARY}"}`, 'not a PEM private key'],
  ])('explains %j without quoting it', (value, fragment) => {
    const msg = checkServiceAccountJson(new SecretValue(value));
    expect(msg).toContain(fragment);
    expect(msg).not.toContain(CANARY);
  });
});
