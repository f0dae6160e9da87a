-- A console edit under an ignore entry whose until date has passed.
update providers set config = '{"organization": "org-new"}' where name = 'openai-prod';
