-- The console wires a user-facing model to a provider model, and we note the provider's id.
insert into models (name) values ('coder');
insert into model_backends (model_id, provider_model_id)
select m.id, pm.id from models m, provider_models pm join providers p on p.id = pm.provider_id
 where m.name = 'coder' and p.name = 'vllm-internal' and pm.model_id = 'qwen-2.5-coder';
create table rename_probe as select id, name from providers where name = 'vllm-internal';
