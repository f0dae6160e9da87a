-- Made by hand in the console: managed_by stays null.
insert into providers (name, kind, labels) values ('groq-console', 'groq', '{"team": "research"}');
insert into provider_models (provider_id, model_id, kind, context_window, pricing, source)
select id, 'llama-3.3-70b-versatile', 'chat', 131072, '{"inputPerMTok": 0.59, "outputPerMTok": 0.79}', 'custom' from providers where name = 'groq-console';
insert into provider_models (provider_id, model_id, kind, context_window, source)
select id, 'my-console-model', 'chat', 32000, 'custom' from providers where name = 'openai-prod';
