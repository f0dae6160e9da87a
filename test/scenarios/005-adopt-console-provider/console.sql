-- Made by hand in the console: no managed_by, no last-applied record.
insert into providers (name, kind, labels) values ('openai-console', 'openai', '{"team": "platform"}');
insert into provider_models (provider_id, model_id, kind, context_window, pricing, source)
select id, 'gpt-4o', 'chat', 128000, '{"inputPerMTok": 2.5, "outputPerMTok": 10}', 'catalog:2026.04.15' from providers where name = 'openai-console';
insert into provider_models (provider_id, model_id, kind, source)
select id, 'my-console-only-model', 'chat', 'custom' from providers where name = 'openai-console';
