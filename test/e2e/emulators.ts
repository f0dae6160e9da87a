// Every secret source of the contract backed by its wire-level emulator, started together on
// 127.0.0.1, seeded with one value each, and the environment the CLI needs to reach them the
// way it reaches the real services (the variables each source documents in src/secrets/sources):
//
//   aws-secrets-manager  AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_REGION, static keys (SigV4 is checked)
//   aws-ssm              AWS_ENDPOINT_URL_SSM, same keys
//   vault                VAULT_ADDR + VAULT_TOKEN
//   gcp-secret-manager   CVCTL_GCP_SECRETMANAGER_ENDPOINT + GOOGLE_APPLICATION_CREDENTIALS: a real
//                        service-account key file whose JWT the OAuth emulator verifies
//   azure-key-vault      AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET + AZURE_AUTHORITY_HOST: the
//                        client-credentials flow against the identity emulator
//
// Azure: the schema requires an https:// vaultUrl (as it should for users) and the emulator
// speaks plain HTTP, so installAzureTls() maps https://127.0.0.1:<its port> to http:// in the
// global fetch the backend uses, the only thing a TLS terminator in front of it would change.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SecretsManagerEmulator } from '../support/secret-emulators/secrets-manager';
import { SsmEmulator } from '../support/secret-emulators/ssm';
import { VaultEmulator } from '../support/secret-emulators/vault';
import { GcpSecretManagerEmulator } from '../support/secret-emulators/gcp-secret-manager';
import { GoogleOAuthEmulator } from '../support/secret-emulators/gcp-oauth';
import { AzureKeyVaultEmulator, EMULATOR_TENANT } from '../support/secret-emulators/azure-key-vault';
import { AzureIdentityEmulator } from '../support/secret-emulators/azure-identity';
import { TEST_AWS_CREDENTIALS } from '../support/secret-emulators/aws-json';
import type { EmulatorHandle } from '../support/secret-emulators/http-emulator';

export const AWS_SECRETS_REGION = 'us-east-1';
const SA_EMAIL = 'cvctl-e2e@proj-1.iam.gserviceaccount.com';
const AZURE_CLIENT = { id: '0c0ffee0-0000-4000-8000-00000000e2e0', secret: `azure~${randomBytes(12).toString('hex')}` };
const VAULT_TOKEN = `hvs.${randomBytes(12).toString('hex')}`;

/** One value per source; `label` makes each distinctive (the canary test passes CANARY tags). */
export interface SourceValues {
  env: string;
  file: string;
  smGroq: string;
  smBedrockSecret: string;
  ssmDeepseek: string;
  ssmBedrockKeyId: string;
  vault: string;
  gcp: string;
  azure: string;
}

export function makeValues(tag = ''): SourceValues {
  const r = (n = 12) => randomBytes(n).toString('hex');
  return {
    env: `sk-proj-${tag}env${r()}`,
    file: `sk-ant-api03-${tag}file${r()}`,
    smGroq: `gsk_${tag}sm${r()}`,
    smBedrockSecret: `${tag}awsSecret${r(16)}`,
    ssmDeepseek: `sk-${tag}ssm${r()}`,
    ssmBedrockKeyId: `AKIA${r(8).toUpperCase()}`,
    vault: `sk-${tag}vault${r()}`,
    gcp: `AIza${tag}gcp${r()}`,
    azure: `${tag}azure${r(16)}`,
  };
}

export interface Emulators {
  sm: SecretsManagerEmulator;
  ssm: SsmEmulator;
  vault: VaultEmulator;
  gcp: GcpSecretManagerEmulator;
  oauth: GoogleOAuthEmulator;
  kv: AzureKeyVaultEmulator;
  idp: AzureIdentityEmulator;
  handles: Record<'sm' | 'ssm' | 'vault' | 'gcp' | 'oauth' | 'kv' | 'idp', EmulatorHandle>;
  /** The vaultUrl to write in references (https; see installAzureTls). */
  azureVaultUrl: string;
  /** The CLI environment reaching every emulator (plus ENV_KEY for `from: env`). */
  env: Record<string, string>;
  /** Private key files and the like, outside any work directory. */
  dir: string;
  resetStats(): void;
  stop(): Promise<void>;
}

export async function startEmulators(v: SourceValues): Promise<Emulators> {
  const sm = new SecretsManagerEmulator();
  const ssm = new SsmEmulator();
  const vault = new VaultEmulator();
  const gcp = new GcpSecretManagerEmulator();
  const oauth = new GoogleOAuthEmulator((t) => gcp.addToken(t));
  const kv = new AzureKeyVaultEmulator();
  const idp = new AzureIdentityEmulator((t, resource) => kv.addToken(t, resource));
  const handles = {
    sm: await sm.start(),
    ssm: await ssm.start(),
    vault: await vault.start(),
    gcp: await gcp.start(),
    oauth: await oauth.start(),
    kv: await kv.start(),
    idp: await idp.start(),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-e2e-emu-'));

  sm.putSecret('prod/llm', JSON.stringify({ groq: v.smGroq, bedrockSecret: v.smBedrockSecret }));
  ssm.putParameter('/prod/deepseek/api-key', v.ssmDeepseek);
  ssm.putParameter('/prod/bedrock/access-key-id', v.ssmBedrockKeyId);
  vault.addToken(VAULT_TOKEN);
  vault.put('codevector/moonshot', { apiKey: v.vault });
  gcp.addVersion('proj-1', 'gemini', v.gcp);
  kv.setSecret('azure-openai', v.azure);

  // A real RSA key pair: the backend signs a JWT with the private half, the emulator verifies it.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  oauth.addServiceAccount(SA_EMAIL, publicKey, 'e2e-key');
  const saFile = path.join(dir, 'gcp-sa.json');
  fs.writeFileSync(
    saFile,
    JSON.stringify({ type: 'service_account', project_id: 'proj-1', private_key_id: 'e2e-key', private_key: privateKey, client_email: SA_EMAIL, token_uri: oauth.tokenUri }),
    { mode: 0o600 },
  );
  idp.addApp({ tenant: EMULATOR_TENANT, clientId: AZURE_CLIENT.id, clientSecret: AZURE_CLIENT.secret });

  const env: Record<string, string> = {
    ENV_KEY: v.env,
    HOME: dir, // no ~/.vault-token, ~/.config/gcloud or ~/.aws of the machine running the tests
    AWS_REGION: AWS_SECRETS_REGION,
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: handles.sm.url,
    AWS_ENDPOINT_URL_SSM: handles.ssm.url,
    VAULT_ADDR: handles.vault.url,
    VAULT_TOKEN,
    CVCTL_GCP_SECRETMANAGER_ENDPOINT: handles.gcp.url,
    GOOGLE_APPLICATION_CREDENTIALS: saFile,
    GCE_METADATA_HOST: '127.0.0.1:1',
    AZURE_TENANT_ID: EMULATOR_TENANT,
    AZURE_CLIENT_ID: AZURE_CLIENT.id,
    AZURE_CLIENT_SECRET: AZURE_CLIENT.secret,
    AZURE_AUTHORITY_HOST: handles.idp.url,
    AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:1',
  };
  const named = { sm, ssm, vault, gcp, oauth, kv, idp };
  return {
    ...named,
    handles,
    azureVaultUrl: handles.kv.url.replace(/^http:/, 'https:'),
    env,
    dir,
    resetStats: () => Object.values(named).forEach((e) => e.resetStats()),
    async stop() {
      // A handle already closed by a test (a source that is down) rejects nothing: close() of a
      // closed server calls back with an error, swallowed here.
      await Promise.all(Object.values(handles).map((h) => h.close().catch(() => undefined)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** See the header: https://127.0.0.1:<port> -> http:// for the Key Vault emulator only. Returns the undo. */
export function installAzureTls(kvUrl: string): () => void {
  const host = new URL(kvUrl).host;
  const real = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const u = new URL(raw);
    if (u.protocol === 'https:' && u.host === host) {
      u.protocol = 'http:';
      return real(u, init);
    }
    return real(input, init);
  }) as typeof fetch;
  return () => {
    globalThis.fetch = real;
  };
}

/**
 * A repo using EVERY source, each reference used by two providers (so "fetched once per run"
 * is observable), plus a bedrock provider reading two other references of the same services.
 */
export function allSourcesYaml(e: Pick<Emulators, 'azureVaultUrl'>): string {
  const refs: Array<[string, string, string, string]> = [
    // [name prefix, kind, config, apiKey reference]
    ['env', 'openai', '', '{from: env, name: ENV_KEY}'],
    ['file', 'anthropic', '', '{from: file, path: secrets/anthropic.txt}'],
    ['sm', 'groq', '', '{from: aws-secrets-manager, secretId: prod/llm, jsonKey: groq}'],
    ['ssm', 'deepseek', '', '{from: aws-ssm, name: /prod/deepseek/api-key}'],
    ['vault', 'moonshot', '', '{from: vault, path: codevector/moonshot, field: apiKey}'],
    ['gcp', 'google', '', '{from: gcp-secret-manager, name: projects/proj-1/secrets/gemini}'],
    [
      'azure',
      'azure',
      '    config: {endpoint: "https://acme.openai.azure.com", apiVersion: "2024-10-21"}\n',
      `{from: azure-key-vault, vaultUrl: "${e.azureVaultUrl}", name: azure-openai}`,
    ],
  ];
  const providers = refs.flatMap(([name, kind, config, ref]) =>
    ['a', 'b'].map((n) => `  - name: ${name}-${n}\n    kind: ${kind}\n${config}    credentials:\n      apiKey: ${ref}\n`),
  );
  providers.push(
    `  - name: bedrock-a
    kind: bedrock
    config: {region: us-east-1}
    credentials:
      accessKeyId: {from: aws-ssm, name: /prod/bedrock/access-key-id}
      secretAccessKey: {from: aws-secrets-manager, secretId: prod/llm, jsonKey: bedrockSecret}
`,
  );
  return `version: 1\nproviders:\n${providers.join('')}`;
}

/** What each provider of allSourcesYaml must decrypt to. */
export function expectedCredentials(v: SourceValues): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const one: Record<string, string> = { env: v.env, file: v.file, sm: v.smGroq, ssm: v.ssmDeepseek, vault: v.vault, gcp: v.gcp, azure: v.azure };
  for (const [k, val] of Object.entries(one)) for (const n of ['a', 'b']) out[`${k}-${n}`] = { apiKey: val };
  out['bedrock-a'] = { accessKeyId: v.ssmBedrockKeyId, secretAccessKey: v.smBedrockSecret };
  return out;
}

/** Distinct references per service in allSourcesYaml: what one run may fetch, and no more. */
export const DISTINCT_FETCHES = {
  sm: { GetSecretValue: 2 },
  ssm: { GetParameter: 2 },
  vault: { 'GET kv-v2 data': 1 },
  gcp: { AccessSecretVersion: 1 },
  kv: { GetSecret: 1 },
};
