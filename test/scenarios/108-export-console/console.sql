-- A gateway set up by hand in the console: no managed_by, no fingerprints, no last-applied
-- record. Several kinds, a catalog import with exclusions and edits, custom models, labels,
-- a disabled provider, one without credentials.
insert into providers (name, kind, status, config, labels, credential_prefix, credential_updated_at) values
  ('anthropic-console', 'anthropic', 'disabled', '{"version": "2023-06-01"}', '{"team": "research", "cost-center": "cc-2040"}', 'sk-ant-', now()),
  ('azure-eastus', 'azure', 'active', '{"endpoint": "https://acme-eastus.openai.azure.com/", "apiVersion": "2024-10-21", "deployments": {"gpt-4.1": "gpt41", "gpt-4o": "gpt-4o-prod"}}', '{"env": "prod"}', 'abcd', now()),
  ('vllm-internal', 'openai-compatible', 'active', '{"baseUrl": "http://vllm.internal:8000/v1"}', '{"team": "ml-infra"}', null, null);
-- Anthropic: the whole catalog but one, one context window edited.
insert into provider_models (provider_id, model_id, kind, context_window, pricing, source)
select p.id, m.id, 'chat', m.ctx, m.pricing::jsonb, 'catalog:2026.04.15'
  from providers p, (values
    ('claude-opus-4-6', 1000000, '{"inputPerMTok": 5, "outputPerMTok": 25}'),
    ('claude-sonnet-4-6', 1000000, '{"inputPerMTok": 3, "outputPerMTok": 15}'),
    ('claude-haiku-4-5', 100000, '{"inputPerMTok": 1, "outputPerMTok": 5}'),
    ('claude-opus-4-5', 200000, '{"inputPerMTok": 5, "outputPerMTok": 25}'),
    ('claude-sonnet-4-5', 200000, '{"inputPerMTok": 3, "outputPerMTok": 15}')) as m(id, ctx, pricing)
 where p.name = 'anthropic-console';
-- Azure: three hand-made models (each deployment routes one of them: a deployment naming no
-- model would make the exported files fail validate with unknown-deployment-model).
insert into provider_models (provider_id, model_id, kind, status, context_window, pricing, source)
select p.id, m.id, m.kind, m.status, m.ctx, m.pricing::jsonb, 'custom'
  from providers p, (values
    ('gpt-4.1', 'chat', 'active', 1047576, '{"inputPerMTok": 2, "outputPerMTok": 8}'),
    ('gpt-4o', 'chat', 'active', 128000, '{"inputPerMTok": 2.5, "outputPerMTok": 10}'),
    ('text-embedding-3-large', 'embedding', 'disabled', 8191, null)) as m(id, kind, status, ctx, pricing)
 where p.name = 'azure-eastus';
insert into provider_models (provider_id, model_id, kind, context_window, pricing, source)
select id, 'meta-llama/Llama-3.3-70B-Instruct', 'chat', 131072, '{"inputPerMTok": 0, "outputPerMTok": 0}', 'custom'
  from providers where name = 'vllm-internal';
