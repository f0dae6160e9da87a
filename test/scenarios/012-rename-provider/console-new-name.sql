-- Between plan and apply, a provider of the name the saved plan renames to appears.
insert into providers (name, kind, config) values ('vllm-main', 'openai-compatible', '{"baseUrl": "https://other.example/v1"}');
