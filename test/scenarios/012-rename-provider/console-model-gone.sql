delete from provider_models where model_id = 'phi-4';
