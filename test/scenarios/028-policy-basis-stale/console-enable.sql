update providers set status = 'active' where name = 'groq-console';
