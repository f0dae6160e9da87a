-- Console edits that the ignore list accepts.
update providers set labels = labels || '{"owner": "bob"}' where name = 'openai-prod';
update provider_models set pricing = '{"inputPerMTok": 2, "outputPerMTok": 8}' where model_id = 'gpt-4o';
