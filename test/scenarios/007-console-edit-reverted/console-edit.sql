update providers set labels = '{"team": "someone-else"}', status = 'disabled' where name = 'openai-prod';
update provider_models set context_window = 4096 where model_id = 'gpt-4o';
