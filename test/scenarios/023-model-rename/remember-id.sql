-- The row's id before the rename.
create table scenario_ids as select id, name from models where name = 'fast';
