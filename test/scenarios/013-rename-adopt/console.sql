-- Made by hand in the console: no managed_by. A user-facing model routes to its gpt-4o.
insert into providers (name, kind) values ('openai-console', 'openai');
insert into provider_models (provider_id, model_id, kind, context_window, source)
select id, 'gpt-4o', 'chat', 128000, 'custom' from providers where name = 'openai-console';
insert into models (name) values ('chat');
insert into model_backends (model_id, provider_model_id)
select m.id, pm.id from models m, provider_models pm where m.name = 'chat' and pm.model_id = 'gpt-4o';
