// The table and triggers that record a managed row deleted outside cvctl (the console), with the
// last-applied record it carried, so drift still sees it once the row is gone. One shape for
// every parent/child pair: migration 2 (providers and their models, into cvctl_deleted_rows)
// and migration 4 (models and their grants, into cvctl_deleted_routing_rows).
//
// Migration 2 is released: what this builds for it must stay byte for byte what existing
// databases ran (test/state/migrations-released.test.ts pins the released migrations' text).
// Change the shape for a new pair with a new option, never by editing what is built for an old one.
//
// cvctl's own deletes set cvctl.deleting: the record is removed instead (nothing is missing).
// SECURITY DEFINER: the console's role may delete rows without any right on cvctl's own
// tables; search_path is pinned to the schema the migration ran in.

export interface DeletedRowTriggers {
  /** The table of records: its key is (resource_type, parentKey, childKey). */
  table: string;
  /** The record's column naming the parent ('provider', 'model'). */
  parentKey: string;
  /** The record's column naming the child within its parent ('model_id', 'member'); '' for the parent's own record. */
  childKey: string;
  parent: {
    /** resource_type of its record. */
    type: string;
    table: string;
    /** Its children, plural ('models'). */
    children: string;
    /**
     * Children are recorded even when the parent is not managed: a scope may grant access to a
     * model made in the console. Off: an unmanaged parent records nothing (migration 2).
     */
    childrenOfUnmanaged?: boolean;
  };
  child: {
    type: string;
    table: string;
    /** The alias used when the parent's trigger reads them ('m'). */
    alias: string;
    /** Its column referencing the parent ('provider_id'). */
    parentId: string;
    /** The child's key in a record, as an expression over the alias (`m.model_id`); `old.` replaces it in its own trigger. */
    key: (row: string) => string;
  };
}

/** The trigger function of a resource type: providerModel → cvctl_note_provider_model_delete. */
const triggerFn = (type: string): string => `cvctl_note_${type.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_delete`;

/**
 * The table of records, then the two functions and their triggers: the parent's runs `before delete`, while its children are
 * still visible to record; the child's `after delete`, reading its parent's name (NULL during the
 * parent's cascade, whose trigger recorded it).
 */
export function deletedRowStatements(t: DeletedRowTriggers): string[] {
  return [
    `create table ${t.table} (
        resource_type text not null constraint ${t.table}_type_check check (resource_type in ('${t.parent.type}', '${t.child.type}')),
        ${t.parentKey} text not null,
        ${t.childKey} text not null default '',
        row_id uuid not null,
        managed_by text not null,
        last_applied jsonb,
        deleted_at timestamptz not null default now(),
        primary key (resource_type, ${t.parentKey}, ${t.childKey})
      )`,
    ...triggerStatements(t),
  ];
}

function triggerStatements(t: DeletedRowTriggers): string[] {
  const conflict = `on conflict (resource_type, ${t.parentKey}, ${t.childKey}) do update
             set row_id = excluded.row_id, managed_by = excluded.managed_by,
                 last_applied = excluded.last_applied, deleted_at = excluded.deleted_at;`;
  const { parent: p, child: c } = t;
  const pFn = triggerFn(p.type);
  const cFn = triggerFn(c.type);
  const pVar = `${p.type[0]}name`; // pname, mname
  const ownRecord = `insert into ${t.table} (resource_type, ${t.parentKey}, row_id, managed_by, last_applied)
           values ('${p.type}', old.name, old.id, old.managed_by, old.last_applied)
           ${conflict}`;
  const childRecords = `insert into ${t.table} (resource_type, ${t.parentKey}, ${t.childKey}, row_id, managed_by, last_applied)
           select '${c.type}', old.name, ${c.key(c.alias)}, ${c.alias}.id, ${c.alias}.managed_by, ${c.alias}.last_applied
             from ${c.table} ${c.alias} where ${c.alias}.${c.parentId} = old.id and ${c.alias}.managed_by is not null
           ${conflict}`;
  const cascade = `-- Its ${p.children} go with it (ON DELETE CASCADE): recorded here, while they are still visible.`;
  const parentBody = p.childrenOfUnmanaged
    ? `if old.managed_by is not null then
           ${ownRecord.replace(/\n/g, '\n  ')}
         end if;
         ${cascade}
         -- Whoever owns the ${p.type}: its ${p.children} may be managed though it was made in the console.
         ${childRecords}`
    : `if old.managed_by is null then return old; end if;
         ${ownRecord}
         ${cascade}
         ${childRecords}`;
  return [
    `create function ${pFn}() returns trigger language plpgsql
         security definer set search_path from current as $fn$
       begin
         if coalesce(current_setting('cvctl.deleting', true), '') = 'on' then
           -- cvctl removes it on purpose: nothing of it is missing any more.
           delete from ${t.table} where ${t.parentKey} = old.name;
           return old;
         end if;
         ${parentBody}
         return old;
       end $fn$`,
    `create function ${cFn}() returns trigger language plpgsql
         security definer set search_path from current as $fn$
       declare
         ${pVar} text;
       begin
         -- NULL when the ${p.type} itself is being deleted (a cascade): its trigger handled it.
         select name into ${pVar} from ${p.table} where id = old.${c.parentId};
         if ${pVar} is null then return old; end if;
         if coalesce(current_setting('cvctl.deleting', true), '') = 'on' then
           delete from ${t.table}
            where resource_type = '${c.type}' and ${t.parentKey} = ${pVar} and ${t.childKey} = ${c.key('old')};
           return old;
         end if;
         if old.managed_by is null then return old; end if;
         insert into ${t.table} (resource_type, ${t.parentKey}, ${t.childKey}, row_id, managed_by, last_applied)
           values ('${c.type}', ${pVar}, ${c.key('old')}, old.id, old.managed_by, old.last_applied)
           ${conflict}
         return old;
       end $fn$`,
    `create trigger ${pFn} before delete on ${p.table}
         for each row execute function ${pFn}()`,
    `create trigger ${cFn} after delete on ${c.table}
         for each row execute function ${cFn}()`,
  ];
}
