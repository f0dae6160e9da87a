// Fixture plans for the renderer goldens and the round-trip tests, built with the real
// planner so the goldens show what users will see.
import { computePlan } from '../../src/plan/compute';
import type { Plan } from '../../src/plan/types';
import { backend, current, envRef, fp, input, model, modelRow, provider, providerRow } from '../plan/builders';

const catalog = (ids: string[], kind: 'chat' | 'embedding' = 'chat') => ids.map((id) => model(id, { kind }));

/** A new provider, an update with model changes, an adoption and a disable. */
export function mixedPlan(): Plan {
  const desired = [
    provider('openai-prod', { config: { organization: 'org-abc' }, labels: { team: 'platform' } }, [
      ...catalog(['gpt-4o', 'gpt-4o-mini', 'o3']),
      // A long fine-tune id must not push the other rows' columns right.
      model('ft:gpt-4o-mini-2024-07-18:acme:support:abc123', { contextWindow: 65536, pricing: { inputPerMTok: 0.3, outputPerMTok: 1.2 } }),
      ...catalog(['text-embedding-3-small'], 'embedding'),
    ]),
    provider('anthropic-prod', { kind: 'anthropic', config: { version: '2024-10-22' } }, [
      model('claude-sonnet-4', { pricing: { inputPerMTok: 3, outputPerMTok: 15 } }),
      model('claude-opus-4', { contextWindow: 200000, pricing: { inputPerMTok: 12, outputPerMTok: 60 } }),
      model('claude-3-haiku', { status: 'disabled' }),
    ]),
    provider('groq-legacy', { kind: 'groq', labels: { owner: 'search|ranking' } }),
    provider('azure-eu', {
      kind: 'azure',
      status: 'disabled',
      config: { endpoint: 'https://eu.openai.azure.com', apiVersion: '2024-06-01', deployments: { 'gpt-4.1': 'gpt41-eu' } },
    }),
  ];
  const cur = current({
    providers: [
      providerRow('anthropic-prod', { kind: 'anthropic', config: { version: '2023-06-01' }, credentialPrefix: 'sk-ant-api03' }),
      providerRow('groq-legacy', { kind: 'groq', managedBy: null, credentialFingerprints: { apiKey: fp('groq-legacy') } }),
      providerRow('azure-eu', {
        kind: 'azure',
        config: { endpoint: 'https://eu.openai.azure.com', apiVersion: '2024-06-01', deployments: { 'gpt-4.1': 'gpt41-eu' } },
      }),
    ],
    providerModels: [
      modelRow('anthropic-prod', 'claude-opus-4', { pricing: { inputPerMTok: 15, outputPerMTok: 75 } }),
      modelRow('anthropic-prod', 'claude-3-haiku'),
      modelRow('anthropic-prod', 'claude-2.1'),
    ],
    backends: [backend('anthropic-prod', 'claude-2.1', 'claude-legacy'), backend('anthropic-prod', 'claude-opus-4', 'claude')],
    modelBackendCounts: { 'm-claude-legacy': 2 },
  });
  const creds = {
    'openai-prod': { apiKey: { fingerprint: fp('openai-prod'), prefix: 'sk-proj-Ab3d' } },
    'anthropic-prod': { apiKey: { fingerprint: fp('anthropic-prod', 'apiKey', 2), prefix: 'sk-ant-api03' } },
    'groq-legacy': { apiKey: { fingerprint: fp('groq-legacy'), prefix: 'gsk_' } },
    'azure-eu': { apiKey: { fingerprint: fp('azure-eu'), prefix: null } },
  };
  return computePlan(input(desired, cur, { adopt: true, credentials: creds })).plan;
}

/** Files and database agree. */
export function noChangesPlan(): Plan {
  const desired = [provider('openai-prod', {}, [model('gpt-4o')])];
  const cur = current({ providers: [providerRow('openai-prod')], providerModels: [modelRow('openai-prod', 'gpt-4o')] });
  return computePlan(input(desired, cur)).plan;
}

/** Removals: provider delete with cascade, model deletes, onRemove: disable, protected. */
export function deletesPlan(): Plan {
  const oldModels = Array.from({ length: 12 }, (_, i) => modelRow('openai-old', `model-${String(i + 1).padStart(2, '0')}`));
  const desired = [provider('groq', { kind: 'groq' }, [model('llama-3.3-70b')]), provider('mistral', { kind: 'openai-compatible', config: { baseUrl: 'https://api.mistral.ai/v1' }, onRemove: 'disable' }, [])];
  const cur = current({
    providers: [
      providerRow('openai-old'),
      providerRow('groq', { kind: 'groq' }),
      providerRow('mistral', { kind: 'openai-compatible', config: { baseUrl: 'https://api.mistral.ai/v1' }, onRemove: 'disable' }),
      providerRow('bedrock-us', { kind: 'bedrock', protected: true }),
      providerRow('vertex-old', { kind: 'vertex', onRemove: 'disable' }),
    ],
    providerModels: [
      ...oldModels,
      modelRow('groq', 'llama-3.3-70b'),
      modelRow('groq', 'mixtral-8x7b'),
      modelRow('mistral', 'mistral-large'),
    ],
    backends: [
      backend('openai-old', 'model-01', 'gpt'),
      backend('openai-old', 'model-02', 'gpt', 2),
      backend('openai-old', 'model-03', 'embed'),
      backend('groq', 'mixtral-8x7b', 'mixtral'),
      backend('groq', 'mixtral-8x7b', 'fast`chat<x>'),
    ],
    modelBackendCounts: { 'm-embed': 2 },
  });
  const creds = {
    groq: { apiKey: { fingerprint: fp('groq'), prefix: 'gsk_' } },
    mistral: { apiKey: { fingerprint: fp('mistral'), prefix: null } },
  };
  return computePlan(input(desired, cur, { credentials: creds })).plan;
}

/** Renames (renamedFrom): one with field and model changes, one adopted from the console. */
export function renamesPlan(): Plan {
  const at = (name: string) => [{ name, pos: { file: 'providers/main.yaml', line: 4, column: 18 } }];
  const desired = [
    provider('vllm-prod', { kind: 'openai-compatible', config: { baseUrl: 'https://vllm.internal/v1' }, labels: { env: 'prod' }, renamedFrom: at('vllm-internal') }, [
      model('llama-3.3-70b'),
      model('qwen-2.5-coder'),
    ]),
    provider('openai-platform', { renamedFrom: at('openai-console') }, [model('gpt-4o')]),
  ];
  const cur = current({
    providers: [
      providerRow('vllm-internal', { kind: 'openai-compatible', config: { baseUrl: 'https://vllm.internal/v1' } }),
      providerRow('openai-console', { managedBy: null }),
    ],
    providerModels: [modelRow('vllm-internal', 'llama-3.3-70b'), modelRow('openai-console', 'gpt-4o', { managedBy: null })],
    backends: [backend('vllm-internal', 'llama-3.3-70b', 'chat')],
  });
  const creds = {
    'vllm-prod': { apiKey: { fingerprint: fp('vllm-internal'), prefix: 'sk-vllm' } },
    'openai-platform': { apiKey: { fingerprint: fp('openai-console'), prefix: 'sk-proj-' } },
  };
  return computePlan(input(desired, cur, { adopt: true, credentials: creds })).plan;
}

/** Many new providers with many catalog models: the markdown must be cut. */
export function largePlan(providers = 60, models = 40): Plan {
  const desired = Array.from({ length: providers }, (_, i) =>
    provider(
      `tenant-${String(i + 1).padStart(3, '0')}`,
      { config: { organization: `org-${i + 1}` }, credentials: { apiKey: envRef(`TENANT_${i + 1}_KEY`) } },
      Array.from({ length: models }, (_, j) => model(`catalog-model-${String(j + 1).padStart(3, '0')}`)),
    ),
  );
  return computePlan(input(desired, current())).plan;
}

/**
 * Hostile text and unresolved secrets (issue 11): a label value with a right-to-left override,
 * a config value with a bidi isolate, a model id with a zero-width space, a deployment name
 * key with a BOM; planned with --no-resolve-secrets, so credentials are unknown
 * (`"changed": null`). The goldens must show every such character as \uXXXX.
 */
export function hostilePlan(): Plan {
  const desired = [
    provider('openai-prod', { config: { organization: 'org-\u2066abc\u2069' }, labels: { team: 'plat\u202eform', cost: 'a\u200db' } }, [
      model('gpt-4o\u200b', {}),
    ]),
    provider('azure-eu', {
      kind: 'azure',
      config: { endpoint: 'https://eu.openai.azure.com', apiVersion: '2024-06-01', deployments: { '\ufeffgpt-4.1': 'gpt41-eu' } },
    }),
  ];
  const cur = current({ providers: [providerRow('openai-prod', { labels: { team: 'platform' } })] });
  const unknown = { fingerprint: null, prefix: null, unknown: true };
  const creds = { 'openai-prod': { apiKey: unknown }, 'azure-eu': { apiKey: unknown } };
  return computePlan(input(desired, cur, { credentials: creds, secretsResolved: false })).plan;
}
