-- The console wires user-facing models to provider models.
insert into models (name) values ('smart'), ('fast'), ('mixed');
insert into model_backends (model_id, provider_model_id)
select m.id, pm.id from models m, provider_models pm join providers p on p.id = pm.provider_id
 where (m.name = 'smart' and p.name = 'anthropic-prod' and pm.model_id = 'claude-sonnet-4-6')
    or (m.name = 'fast' and p.name = 'anthropic-prod' and pm.model_id = 'claude-haiku-4-5')
    or (m.name = 'mixed' and p.name = 'anthropic-prod' and pm.model_id = 'claude-haiku-4-5')
    or (m.name = 'mixed' and p.name = 'groq-fast' and pm.model_id = 'llama-3.3-70b-versatile');
