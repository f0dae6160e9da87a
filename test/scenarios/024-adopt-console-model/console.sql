-- The console made a model, wired it and granted access, before cvctl managed models.
insert into models (name) values ('chat-default');
insert into model_backends (model_id, provider_model_id, priority)
select m.id, pm.id, 0 from models m, provider_models pm join providers p on p.id = pm.provider_id
 where m.name = 'chat-default' and p.name = 'anthropic-prod' and pm.model_id in ('claude-sonnet-4-6', 'claude-haiku-4-5');
insert into access_grants (model_id, subject_type, subject, limits)
select id, 'group', 'engineering', '{"requestsPerMinute": 100}' from models where name = 'chat-default';
