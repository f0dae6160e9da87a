delete from providers where name = 'vllm-main';
