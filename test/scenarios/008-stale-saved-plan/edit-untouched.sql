-- groq-fast is not touched by the saved plan: changing it must not make the plan stale.
update providers set labels = '{"edited": "in-console"}' where name = 'groq-fast';
