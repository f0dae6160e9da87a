-- Edits made in the console behind git's back (the console never touches last_applied).
update providers set labels = labels || '{"team": "someone-else", "owner": "bob"}', status = 'disabled' where name = 'openai-prod';
update provider_models set context_window = 4096 where model_id = 'gpt-4o';
