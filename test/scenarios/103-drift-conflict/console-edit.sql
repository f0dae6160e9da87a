-- The same fields as the unapplied commit, to other values (conflict), plus one only here (drift).
update providers set labels = '{"team": "finance", "env": "prod"}', status = 'disabled' where name = 'openai-prod';
update provider_models set pricing = '{"inputPerMTok": 3, "outputPerMTok": 12}' where model_id = 'gpt-4o';
