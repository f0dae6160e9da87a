-- Deleted in the console after an apply: a model, and a provider (its model goes with it).
delete from provider_models where model_id = 'o3';
delete from providers where name = 'groq-main';
