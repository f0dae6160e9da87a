-- openai-prod is touched by the saved plan: the plan is now stale.
update providers set config = '{"organization": "org-console"}' where name = 'openai-prod';
