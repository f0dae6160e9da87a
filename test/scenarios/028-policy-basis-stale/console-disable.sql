-- In the console, after the plan was saved: the provider the fallback stands on is disabled.
update providers set status = 'disabled' where name = 'groq-console';
