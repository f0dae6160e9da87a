import { PROVIDER_KINDS, primaryCredentialField, type ProviderKind } from '../../src/domain/kinds';
import { checkServiceAccountJson, credentialPrefix, keyPrefix, storedPrefixShown, vendorPrefix } from '../../src/crypto/prefix';
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

const ENVIRON = 'PATH=/usr/local/bin:/usr/bin\0HOSTNAME=ci-runner\0DATABASE_URL=postgres://app:hunter2@db.internal:5432/prod\0HOME=/root\0';
const DATABASE_URL = 'postgres://cvctl:S3cretPassw0rd@db.internal.example:5432/codevector?sslmode=require';

const cases: Array<[string, ProviderKind, string, string, string | null]> = [
  // [label, kind, field, value, expected]
  ['OpenAI project key', 'openai', 'apiKey', OPENAI_PROJ, 'sk-proj-A1b2'],
  // vendor part + 4 would be 15: the 12-character cap
  ['OpenAI service account key', 'openai', 'apiKey', 'sk-svcacct-' + 'q'.repeat(60), 'sk-svcacct-q'],
  ['OpenAI admin key', 'openai', 'apiKey', 'sk-admin-' + 'Z'.repeat(60), 'sk-admin-ZZZ'],
  ['legacy sk- key', 'openai', 'apiKey', 'sk-' + 'abcdefgh'.repeat(6), 'sk-abcd'],
  // the quarter cap holds inside the vendor prefix: 11 chars -> at most 2
  ['short test key sk-test-123', 'openai', 'apiKey', 'sk-test-123', 'sk'],
  ['Anthropic api03 key: the cap cuts inside the vendor part', 'anthropic', 'apiKey', ANTHROPIC, 'sk-ant-api03'],
  ['Anthropic admin key', 'anthropic', 'apiKey', 'sk-ant-admin01-' + 'm'.repeat(80), 'sk-ant-admin'],
  ['Google AI Studio key', 'google', 'apiKey', 'AIzaSyD' + 'k'.repeat(32), 'AIzaSyDk'],
  ['Groq key', 'groq', 'apiKey', 'gsk_' + 'G'.repeat(52), 'gsk_GGGG'],
  ['xAI key via openai-compatible', 'openai-compatible', 'apiKey', 'xai-' + 'h'.repeat(76), 'xai-hhhh'],
  ['Perplexity key', 'openai-compatible', 'apiKey', 'pplx-' + 'p'.repeat(48), 'pplx-pppp'],
  ['DeepSeek key', 'deepseek', 'apiKey', 'sk-' + '0123456789abcdef'.repeat(2), 'sk-0123'],
  ['Moonshot key', 'moonshot', 'apiKey', 'sk-' + 'M'.repeat(48), 'sk-MMMM'],
  ['Cohere key: no vendor prefix', 'cohere', 'apiKey', 'Abcdefghij'.repeat(4), 'Abcd'],
  ['Azure key: no vendor prefix', 'azure', 'apiKey', '0123456789abcdef0123456789abcdef', '0123'],
  ['unknown prefix, short: quarter of 12', 'openai-compatible', 'apiKey', 'token-123456', 'tok'],
  ['very short value', 'openai-compatible', 'apiKey', 'abc', null],
  ['empty value', 'openai-compatible', 'apiKey', '', null],
  ['vendor prefix longer than a quarter', 'anthropic', 'apiKey', 'sk-ant-api03-abcdefgh', 'sk-an'],
  // values that do not look like a key show nothing
  ['a DATABASE_URL as an API key', 'openai', 'apiKey', DATABASE_URL, null],
  ['/proc/self/environ as an API key', 'openai-compatible', 'apiKey', ENVIRON, null],
  ['a key with a trailing space', 'openai', 'apiKey', OPENAI_PROJ + ' ', null],
  ['a multi-line value', 'groq', 'apiKey', 'gsk_' + 'G'.repeat(40) + '\n' + 'x'.repeat(40), null],
  ['a key with a bidi control', 'openai', 'apiKey', 'sk-proj-\u202e' + 'a'.repeat(60), null],
  // service accounts: the client_email, cut to 12, only for a real service-account address
  ['service account JSON -> client_email (12)', 'vertex', 'serviceAccountJson', SA_JSON, 'cvctl@acme-p'],
  ['service account JSON (vertex-anthropic)', 'vertex-anthropic', 'serviceAccountJson', SA_JSON, 'cvctl@acme-p'],
  ['unparseable service account JSON', 'vertex', 'serviceAccountJson', '{not json', null],
  ['service account JSON without client_email', 'vertex', 'serviceAccountJson', '{"type":"service_account"}', null],
  ['client_email that is a DATABASE_URL', 'vertex', 'serviceAccountJson', JSON.stringify({ type: 'service_account', client_email: DATABASE_URL, private_key: 'x'.repeat(400) }), null],
  ['client_email outside gserviceaccount.com', 'vertex', 'serviceAccountJson', JSON.stringify({ type: 'service_account', client_email: 'someone@example.com', private_key: 'x'.repeat(400) }), null],
  ['authorized_user credentials, not a service account', 'vertex', 'serviceAccountJson', JSON.stringify({ type: 'authorized_user', client_email: 'a@p.iam.gserviceaccount.com', refresh_token: 'x'.repeat(400) }), null],
  ['a tiny JSON: the quarter of the value bounds the email', 'vertex', 'serviceAccountJson', JSON.stringify({ client_email: 'ab@p.iam.gserviceaccount.com' }), 'ab@p.iam.gs'],
  // AWS: AKIA/ASIA + 16, and a quarter of 20 is 5
  ['AWS access key id: AKIA + 1', 'bedrock', 'accessKeyId', 'AKIAIOSFODNN7EXAMPLE', 'AKIAI'],
  ['AWS temporary access key id', 'bedrock', 'accessKeyId', 'ASIAY34FZKBOKMUTVV7A', 'ASIAY'],
  ['access key id too long', 'bedrock', 'accessKeyId', 'AKIAIOSFODNN7EXAMPLEX', null],
  ['access key id in lower case', 'bedrock', 'accessKeyId', 'akiaiosfodnn7example', null],
  ['a DATABASE_URL as an access key id', 'bedrock', 'accessKeyId', DATABASE_URL, null],
  ['/proc/self/environ as an access key id', 'bedrock', 'accessKeyId', ENVIRON, null],
  ['an API key as an access key id', 'bedrock', 'accessKeyId', OPENAI_PROJ, null],
  ['AWS secret access key: never', 'bedrock', 'secretAccessKey', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', null],
  ['AWS session token: never', 'bedrock', 'sessionToken', 'IQoJb3JpZ2luX2VjE' + 'x'.repeat(300), null],
  // Azure AD app credentials: the generic rule
  ['Azure AD client secret', 'azure', 'clientSecret', 'Qx~8Q~' + 'a'.repeat(34), 'Qx~8'],
  ['Azure AD client id', 'azure', 'clientId', '0c0ffee0-0000-4000-8000-00000000e2e0', '0c0f'],
  ['Azure AD tenant id', 'azure', 'tenantId', '72f988bf-86f1-41af-91ab-2d7cd011db47', '72f9'],
  ['Azure AD client secret that is a DATABASE_URL', 'azure', 'clientSecret', DATABASE_URL, null],
];

/** The bound every prefix obeys, for every field: a quarter of the value, 12 characters. */
function expectWithinBounds(got: string, field: string, value: string): void {
  expect(got.length).toBeLessThanOrEqual(12);
  expect(got.length).toBeLessThanOrEqual(Math.floor(value.length / 4));
  if (field === 'serviceAccountJson') expect((JSON.parse(value) as { client_email: string }).client_email.startsWith(got)).toBe(true);
  else expect(value.startsWith(got)).toBe(true);
}

describe('credentialPrefix', () => {
  it.each(cases)('%s', (_label, kind, field, value, expected) => {
    const got = credentialPrefix(kind, field, new SecretValue(value));
    expect(got).toBe(expected);
    if (got !== null) expectWithinBounds(got, field, value);
  });

  it('has a rule for the primary credential field of every kind', () => {
    for (const kind of PROVIDER_KINDS) {
      const field = primaryCredentialField(kind);
      const value = field === 'serviceAccountJson' ? SA_JSON : field === 'accessKeyId' ? 'AKIAIOSFODNN7EXAMPLE' : 'sk-proj-' + 'a'.repeat(40);
      expect(credentialPrefix(kind, field, new SecretValue(value))).not.toBeNull();
    }
  });

  it('never exceeds the bound, whatever the value (seeded sweep over lengths and shapes)', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~.+/=:@ \n\u202e';
    const fields = ['apiKey', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'clientSecret', 'clientId', 'tenantId', 'serviceAccountJson'];
    for (let i = 0; i < 3000; i++) {
      const lead = ['', 'sk-ant-api03-', 'sk-proj-', 'AKIA', 'ASIA', 'gsk_'][rnd(6)];
      const body = Array.from({ length: rnd(40) }, () => alphabet[rnd(alphabet.length)]).join('');
      const field = fields[rnd(fields.length)];
      const value = field === 'serviceAccountJson'
        ? JSON.stringify({ type: 'service_account', client_email: `${body.replace(/[^a-z0-9]/g, '') || 'x'}@p.iam.gserviceaccount.com`, private_key: body })
        : lead + body;
      const got = credentialPrefix('openai', field, new SecretValue(value));
      if (got !== null) expectWithinBounds(got, field, value);
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

describe('storedPrefixShown (rows written by an older cvctl)', () => {
  it.each<[string, string, string | null, string | null]>([
    ['today\'s API key prefix', 'apiKey', 'sk-proj-A1b2', 'sk-proj-A1b2'],
    ['an older, longer API key prefix is cut to 12', 'apiKey', 'sk-ant-api03-x9Y8', 'sk-ant-api03'],
    ['a whole access key id is cut to 5', 'accessKeyId', 'AKIAIOSFODNN7EXAMPLE', 'AKIAI'],
    ['a DATABASE_URL stored as an access key id', 'accessKeyId', DATABASE_URL, null],
    ['environ content stored as an access key id', 'accessKeyId', ENVIRON, null],
    ['a whole client_email is cut to 12', 'serviceAccountJson', 'cvctl@acme-prod.iam.gserviceaccount.com', 'cvctl@acme-p'],
    ['a DATABASE_URL stored as a client_email', 'serviceAccountJson', DATABASE_URL, null],
    ['nothing stored', 'apiKey', null, null],
    ['empty', 'apiKey', '', null],
  ])('%s', (_label, field, stored, expected) => {
    expect(storedPrefixShown(field, stored)).toBe(expected);
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
