-- In the console, after the plan was saved: the provider model the plan's new backend names is deleted.
delete from provider_models where model_id = 'claude-haiku-4-5';
