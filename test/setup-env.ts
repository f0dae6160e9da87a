// Tests talk only to 127.0.0.1. The AWS SDK's default credential chain would otherwise probe
// the EC2 instance-metadata address when no credentials are in the environment.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;
// The GCP and Azure metadata endpoints are never probed by tests either.
process.env.GCE_METADATA_HOST = process.env.GCE_METADATA_HOST ?? '127.0.0.1:1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
