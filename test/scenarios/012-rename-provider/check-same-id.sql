-- The renamed provider is the same row: same id, its provider models and the backend are still there.
do $$
begin
  if not exists (select 1 from providers p join rename_probe x on x.id = p.id where p.name = 'vllm-prod') then
    raise exception 'vllm-prod is not the row vllm-internal was';
  end if;
  if (select count(*) from provider_models pm join rename_probe x on x.id = pm.provider_id) <> 3 then
    raise exception 'the renamed provider does not have its 3 provider models';
  end if;
  if not exists (select 1 from model_backends mb join provider_models pm on pm.id = mb.provider_model_id
                  join rename_probe x on x.id = pm.provider_id where pm.model_id = 'qwen-2.5-coder') then
    raise exception 'the model backend wired to qwen-2.5-coder is gone';
  end if;
end
$$;
