// The cloud backends as the resolver gets them (defaultBackend), against all the emulators at
// once: each distinct reference is read once, failures from every source are reported
// together, and no stored value appears in the combined message.
import { SECRET_SOURCES, type SecretSource } from '../../../src/domain/kinds';
import type { LocatedSecretRef, SecretRef } from '../../../src/domain/types';
import { createResolver, SecretResolutionError } from '../../../src/secrets/resolve';
import { refKey, type SecretBackend } from '../../../src/secrets/resolver';
import { defaultBackend } from '../../../src/secrets/backends';
import type { AwsSecretsManagerBackend, AwsSsmBackend } from '../../../src/secrets/sources';
import { TEST_AWS_CREDENTIALS } from '../../support/secret-emulators/aws-json';
import { AzureKeyVaultEmulator } from '../../support/secret-emulators/azure-key-vault';
import { GcpSecretManagerEmulator } from '../../support/secret-emulators/gcp-secret-manager';
import type { EmulatorHandle } from '../../support/secret-emulators/http-emulator';
import { SecretsManagerEmulator } from '../../support/secret-emulators/secrets-manager';
import { SsmEmulator } from '../../support/secret-emulators/ssm';
import { VaultEmulator } from '../../support/secret-emulators/vault';
import { CANARY, canary } from './helpers';

const sm = new SecretsManagerEmulator();
const ssm = new SsmEmulator();
const vault = new VaultEmulator();
const gcp = new GcpSecretManagerEmulator();
const akv = new AzureKeyVaultEmulator();
const handles: EmulatorHandle[] = [];
let env: NodeJS.ProcessEnv;
let kvUrl: string;

beforeAll(async () => {
  const [smH, ssmH, vaultH, gcpH, akvH] = await Promise.all([sm.start(), ssm.start(), vault.start(), gcp.start(), akv.start()]);
  handles.push(smH!, ssmH!, vaultH!, gcpH!, akvH!);
  kvUrl = akvH!.url;
  env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: smH!.url,
    AWS_ENDPOINT_URL_SSM: ssmH!.url,
    VAULT_ADDR: vaultH!.url,
    VAULT_TOKEN: 'hvs.index',
    CVCTL_GCP_SECRETMANAGER_ENDPOINT: gcpH!.url,
    GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.index',
    AZURE_ACCESS_TOKEN: 'eyJ.index',
  };
  sm.putSecret('prod/openai', canary('sm'));
  ssm.putParameter('/prod/anthropic', canary('ssm'));
  vault.addToken('hvs.index');
  vault.put('ai/groq', { apiKey: canary('vault') });
  gcp.addToken('ya29.index');
  gcp.addVersion('p', 'vertex', canary('gcp'));
  akv.addToken('eyJ.index');
  akv.setSecret('azure-openai', canary('akv'));
});
afterAll(async () => {
  await Promise.all(handles.map((h) => h.close()));
});

const at = (ref: SecretRef, line: number): LocatedSecretRef => ({ ref, pos: { file: 'providers.yaml', line, column: 9 }, baseDir: '/repo' });

/** The production backend of every cloud source, for this environment. */
function cloudBackends(o: { env: NodeJS.ProcessEnv }): Partial<Record<SecretSource, SecretBackend>> {
  const cloud = SECRET_SOURCES.filter((s) => s !== 'env' && s !== 'file');
  return Object.fromEntries(cloud.map((s) => [s, defaultBackend(s, o.env)]));
}

describe('the cloud backends', () => {
  it('resolves every source through the resolver, each distinct reference once', async () => {
    const backends = cloudBackends({ env });
    const refs: SecretRef[] = [
      { from: 'aws-secrets-manager', secretId: 'prod/openai' },
      { from: 'aws-ssm', name: '/prod/anthropic' },
      { from: 'vault', path: 'ai/groq', field: 'apiKey' },
      { from: 'gcp-secret-manager', name: 'projects/p/secrets/vertex' },
      { from: 'azure-key-vault', vaultUrl: kvUrl, name: 'azure-openai' },
    ];
    const located = [...refs.map((r, i) => at(r, 10 + i)), ...refs.map((r, i) => at(r, 30 + i))];
    const out = await createResolver({ backends, env }).resolveAll(located);
    expect(refs.map((r) => out.get(refKey(r, '/repo'))!.reveal())).toEqual(['sm', 'ssm', 'vault', 'gcp', 'akv'].map(canary));
    for (const e of [sm, ssm, vault, gcp, akv]) expect(Object.values(e.stats())).toEqual([1]);
    (backends['aws-secrets-manager'] as AwsSecretsManagerBackend).destroy();
    (backends['aws-ssm'] as AwsSsmBackend).destroy();
  });

  it('reports the failures of all sources together, each naming its reference, no value in sight', async () => {
    const backends = cloudBackends({ env });
    const refs: LocatedSecretRef[] = [
      at({ from: 'aws-secrets-manager', secretId: 'prod/openai', jsonKey: 'apiKey' }, 3),
      at({ from: 'aws-ssm', name: '/prod/missing' }, 4),
      at({ from: 'vault', path: 'ai/groq', field: 'nope' }, 5),
      at({ from: 'gcp-secret-manager', name: 'projects/p/secrets/missing' }, 6),
      at({ from: 'azure-key-vault', vaultUrl: kvUrl, name: 'missing' }, 7),
    ];
    const err = await createResolver({ backends, env, retry: { attempts: 1, baseDelayMs: 1 } })
      .resolveAll(refs)
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SecretResolutionError);
    const message = (err as Error).message;
    expect(message).not.toContain(CANARY);
    expect(message).toContain('5 secret references could not be resolved');
    for (const s of [
      "providers.yaml:3:9 aws-secrets-manager secret 'prod/openai' (region us-east-1): jsonKey 'apiKey' is set but the secret is not JSON",
      "providers.yaml:4:9 aws-ssm parameter '/prod/missing' (region us-east-1) was not found",
      "providers.yaml:5:9 vault secret 'secret/ai/groq': the secret has no field 'nope'",
      "providers.yaml:6:9 gcp-secret-manager secret 'projects/p/secrets/missing' was not found",
      "providers.yaml:7:9 azure-key-vault secret 'missing' in",
    ]) {
      expect(message).toContain(s);
    }
    (backends['aws-secrets-manager'] as AwsSecretsManagerBackend).destroy();
    (backends['aws-ssm'] as AwsSsmBackend).destroy();
  });
});
