// Closed sets of the file format and the database (CONTRACT.md sections 1 and 2).
// Everything that switches on one of these unions must be exhaustive (see assertNever).

export const PROVIDER_KINDS = [
  'openai',
  'anthropic',
  'azure',
  'bedrock',
  'google',
  'vertex',
  'vertex-anthropic',
  'groq',
  'cohere',
  'deepseek',
  'moonshot',
  'openai-compatible',
] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const PROVIDER_STATUSES = ['active', 'disabled'] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

export const MODEL_KINDS = ['chat', 'embedding'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const ON_REMOVE = ['delete', 'disable'] as const;
export type OnRemove = (typeof ON_REMOVE)[number];

export const SECRET_SOURCES = [
  'env',
  'file',
  'aws-secrets-manager',
  'aws-ssm',
  'vault',
  'gcp-secret-manager',
  'azure-key-vault',
] as const;
export type SecretSource = (typeof SECRET_SOURCES)[number];

export const CATALOG_VERSION = '2026.04.15';

export function isProviderKind(s: string): s is ProviderKind {
  return (PROVIDER_KINDS as readonly string[]).includes(s);
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}

/**
 * The credential field that the contract's `credential_prefix` is taken from, per kind:
 * the API key, the AWS access key id, or the service account JSON's client_email.
 */
export function primaryCredentialField(kind: ProviderKind): string {
  switch (kind) {
    case 'openai':
    case 'anthropic':
    case 'azure':
    case 'google':
    case 'groq':
    case 'cohere':
    case 'deepseek':
    case 'moonshot':
    case 'openai-compatible':
      return 'apiKey';
    case 'bedrock':
      return 'accessKeyId';
    case 'vertex':
    case 'vertex-anthropic':
      return 'serviceAccountJson';
    default:
      return assertNever(kind, 'provider kind');
  }
}
