-- Someone makes a provider of the old name again in the console: both names now exist.
insert into providers (name, kind, config) values ('vllm-internal', 'openai-compatible', '{"baseUrl": "https://other.example/v1"}');
