// Secret values for tests that feed the examples' credential references from the environment.

/** A plausible secret for a credential field (service-account JSON and AWS keys have a shape). */
export function secretFor(provider: string, field: string): string {
  switch (field) {
    case 'accessKeyId':
      return 'AKIAIOSFODNN7EXAMPLE';
    case 'secretAccessKey':
      return 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    case 'serviceAccountJson':
      return JSON.stringify({
        type: 'service_account',
        client_email: `${provider}@acme.iam.gserviceaccount.com`,
        private_key: '-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----\n',
      });
    default:
      return `sk-${provider}-0123456789abcdef`;
  }
}
