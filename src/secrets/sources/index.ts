// The cloud and Vault secret backends, one per `from:` source. The resolver
// (src/secrets/resolve.ts) gets them from defaultBackend (src/secrets/backends.ts, where env
// and file are too), or through ResolverOptions.backends.
//
// Environment variables read, per source (all from `opts.env ?? process.env`):
//
//   aws-secrets-manager  AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER,
//                        AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//                        AWS_SESSION_TOKEN (+ the SDK's default chain: AWS_PROFILE, ...)
//   aws-ssm              same, with AWS_ENDPOINT_URL_SSM instead of ..._SECRETS_MANAGER
//   vault                VAULT_ADDR (required), VAULT_TOKEN (else ~/.vault-token via HOME),
//                        VAULT_NAMESPACE
//   gcp-secret-manager   CVCTL_GCP_SECRETMANAGER_ENDPOINT (base URL override: VPC-SC /
//                        Private Service Connect endpoint, or an emulator; https only, except
//                        127.0.0.1/localhost), GOOGLE_OAUTH_ACCESS_TOKEN,
//                        GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_CONFIG, HOME/APPDATA,
//                        GCE_METADATA_HOST (or GCE_METADATA_IP)
//   azure-key-vault      AZURE_ACCESS_TOKEN, AZURE_TENANT_ID, AZURE_CLIENT_ID,
//                        AZURE_CLIENT_SECRET, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST,
//                        IDENTITY_ENDPOINT, IDENTITY_HEADER, AZURE_POD_IDENTITY_AUTHORITY_HOST
//
// Every HTTP call has a deadline (10 s; 3 s for the GCE metadata server and Azure IMDS,
// which simply do not answer off-cloud). Errors are SourceErrors (code SECRET_UNRESOLVED)
// that name the source and the reference, carry a `reason`, set `retryable` for throttling,
// 5xx and timeouts, and never contain a secret value.

export { SourceError, type SourceErrorReason, DEFAULT_TIMEOUT_MS } from './common';
export { AwsSecretsManagerBackend } from './aws-secrets-manager';
export { AwsSsmBackend } from './aws-ssm';
export { VaultBackend } from './vault';
export { GcpSecretManagerBackend } from './gcp-secret-manager';
export { GoogleCredentials } from './gcp-auth';
export { AzureKeyVaultBackend } from './azure-key-vault';
export { AzureCredentials } from './azure-auth';
