-- Fails the step (the model is the row it was, under its new name) unless the rename kept the id.
do $$ begin
  if not exists (select 1 from models m join scenario_ids s on s.id = m.id where m.name = 'quick') then
    raise exception 'the rename did not keep the row';
  end if;
end $$;
