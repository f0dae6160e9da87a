-- Made in the console: a provider no file declares, with one model.
insert into providers (name, kind) values ('groq-console', 'groq');
insert into provider_models (provider_id, model_id, kind, source)
select id, 'llama-3.3-70b-versatile', 'chat', 'custom' from providers where name = 'groq-console';
