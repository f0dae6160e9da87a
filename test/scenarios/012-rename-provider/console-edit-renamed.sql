-- Between plan and apply, the row the saved plan renames is edited in the console.
update providers set labels = '{"env": "prod", "edited": "in-console"}' where name = 'vllm-prod';
