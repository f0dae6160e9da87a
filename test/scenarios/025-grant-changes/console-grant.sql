-- The console grants access on a model cvctl manages.
insert into access_grants (model_id, subject_type, subject)
select id, 'group', 'support' from models where name = 'chat-default';
