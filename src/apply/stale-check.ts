// Optimistic concurrency for saved plans: every row a plan touches was recorded with its
// version (xmin) or as absent; inside the apply transaction we lock those rows and compare.
// Rows the plan does not touch may change freely.
import type { Queryable } from '../state/database';
import type { Change, Plan } from '../plan/types';
import { CvctlError } from '../errors';

export interface LockedRows {
  /** provider name -> id, for every provider the plan refers to that exists now. */
  providerIds: Map<string, string>;
}

function describe(c: Change): string {
  return c.resource.type === 'provider'
    ? `provider '${c.resource.name}'`
    : `provider model '${c.resource.provider}/${c.resource.name}'`;
}

export async function checkAndLockRows(tx: Queryable, plan: Plan): Promise<LockedRows> {
  const providerChanges = plan.changes.filter((c) => c.resource.type === 'provider');
  const modelChanges = plan.changes.filter((c) => c.resource.type === 'providerModel');
  const referencedNames = new Set<string>();
  for (const c of plan.changes) referencedNames.add(c.resource.type === 'provider' ? c.resource.name : c.resource.provider);
  const expectedProviderIds = providerChanges.flatMap((c) => ('id' in c.expect ? [c.expect.id] : []));

  const prows = await tx.query<{ id: string; name: string; v: number | string }>(
    `select id::text as id, name, xmin::text::bigint as v from providers
      where id = any($1::uuid[]) or name = any($2::text[]) for update`,
    [expectedProviderIds, [...referencedNames]],
  );
  const byId = new Map(prows.rows.map((r) => [r.id, r]));
  const byName = new Map(prows.rows.map((r) => [r.name, r]));
  const stale: string[] = [];
  for (const c of providerChanges) {
    const name = c.resource.name;
    if ('absent' in c.expect) {
      if (byName.has(name)) stale.push(`${describe(c)} was created in the database since the plan was made`);
    } else {
      const row = byId.get(c.expect.id);
      if (!row) stale.push(`${describe(c)} was deleted since the plan was made`);
      else if (Number(row.v) !== c.expect.rowVersion) stale.push(`${describe(c)} was changed since the plan was made`);
    }
  }

  const expectedModelIds = modelChanges.flatMap((c) => ('id' in c.expect ? [c.expect.id] : []));
  const createParents = [
    ...new Set(modelChanges.filter((c) => 'absent' in c.expect).map((c) => (c.resource as { provider: string }).provider)),
  ];
  if (modelChanges.length > 0) {
    const mrows = await tx.query<{ id: string; provider: string; model_id: string; v: number | string }>(
      `select pm.id::text as id, p.name as provider, pm.model_id, pm.xmin::text::bigint as v
         from provider_models pm join providers p on p.id = pm.provider_id
        where pm.id = any($1::uuid[]) or p.name = any($2::text[]) for update of pm`,
      [expectedModelIds, createParents],
    );
    const mById = new Map(mrows.rows.map((r) => [r.id, r]));
    const mByKey = new Set(mrows.rows.map((r) => `${r.provider}\u0000${r.model_id}`));
    for (const c of modelChanges) {
      if (c.resource.type !== 'providerModel') continue;
      if ('absent' in c.expect) {
        if (mByKey.has(`${c.resource.provider}\u0000${c.resource.name}`))
          stale.push(`${describe(c)} was created in the database since the plan was made`);
      } else {
        const row = mById.get(c.expect.id);
        if (!row) stale.push(`${describe(c)} was deleted since the plan was made`);
        else if (Number(row.v) !== c.expect.rowVersion) stale.push(`${describe(c)} was changed since the plan was made`);
      }
    }
  }
  if (stale.length > 0) {
    const more = stale.length > 5 ? ` (and ${stale.length - 5} more)` : '';
    throw new CvctlError(
      'STALE_PLAN',
      `the saved plan is stale: ${stale.slice(0, 5).join('; ')}${more}. Nothing was written; run \`cvctl plan\` again`,
    );
  }
  return { providerIds: new Map([...byName].map(([n, r]) => [n, r.id])) };
}
