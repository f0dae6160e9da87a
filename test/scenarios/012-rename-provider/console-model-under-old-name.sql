-- Between plan and apply, the console adds under the row being renamed a model the saved plan creates.
insert into provider_models (provider_id, model_id, kind, source)
select id, 'phi-4', 'chat', 'custom' from providers where name = 'vllm-prod';
