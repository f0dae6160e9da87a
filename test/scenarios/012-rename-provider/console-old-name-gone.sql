delete from providers where name = 'vllm-internal';
