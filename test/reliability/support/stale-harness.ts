// Runs one stale-plan case through the real CLI (in-process) on either target: apply v1, save
// a plan for v2, change the database (or the secret store) out of band, apply the saved plan,
// and report what was observed. The suite decides what must have happened.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freshDatabase, type DbTarget, type FreshDatabase } from '../../support/db';
import { runCli, type CliResult } from '../../support/cli';
import { snapshot } from '../../e2e/support';
import type { Dump } from '../../support/dump';
import type { Database } from '../../../src/state/database';
import { files, names, outOfBand, type Affected, type OutOfBand, type StaleCase } from './stale-matrix';

export interface StaleTarget {
  target: DbTarget;
  cwd: string;
  /** The console's connection (PostgreSQL), or the one embedded handle everything shares. */
  db: Database;
  cli(args: string[], env: Record<string, string>): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export async function staleTarget(target: DbTarget): Promise<StaleTarget> {
  const fresh: FreshDatabase = await freshDatabase(target);
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-stale-'));
  return {
    target,
    cwd,
    db: fresh.db,
    // PostgreSQL: the CLI opens its own session, as a separate process would; the embedded
    // database admits one handle, so the CLI borrows the suite's.
    // GITHUB_SHA: the commit recorded with each apply (else apply asks git).
    cli: (args, env) =>
      fresh.url
        ? runCli(['--database-url', fresh.url, ...args], { cwd, env: { GITHUB_SHA: 'stale-suite', ...env } })
        : runCli(args, { cwd, env: { GITHUB_SHA: 'stale-suite', ...env }, database: fresh.db }),
    async cleanup() {
      await fresh.cleanup().catch(() => undefined);
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}

type Snap = Awaited<ReturnType<typeof snapshot>>;

export interface CaseRun {
  oob: OutOfBand;
  /** The saved plan's changes, as `action type name`. */
  planned: string[];
  apply: CliResult;
  /** Whole-database snapshots around `apply --plan` (cases that expect a refusal). */
  before?: Snap;
  after?: Snap;
  runsBefore: number;
  runsAfter: number;
  /** row_to_json of the rows the out-of-band change hit: after the change, after the apply. */
  affectedBefore: string[];
  affectedAfter: string[];
  /** `plan v2 --adopt --output json` after the apply (applied cases): what is still different. */
  remaining?: Array<{ action: string; key: string }>;
}

function fail(step: string, r: CliResult): never {
  throw new Error(`${step}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
}

async function affectedRows(db: Database, all: Affected[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of all) out.push(`-- ${a.provider}${a.model ? `/${a.model}` : ''}`, ...(await rowsOf(db, a)));
  return out;
}

async function rowsOf(db: Database, a: Affected): Promise<string[]> {
  const p = await db.query<{ j: string }>('select row_to_json(p)::text as j from providers p where name = $1', [a.provider]);
  const m = await db.query<{ j: string }>(
    `select row_to_json(pm)::text as j from provider_models pm join providers p on p.id = pm.provider_id
      where p.name = $1 and ($2::text is null or pm.model_id = $2::text) order by pm.model_id`,
    [a.provider, a.model ?? null],
  );
  const b = await db.query<{ j: string }>(
    `select row_to_json(mb)::text as j from model_backends mb join provider_models pm on pm.id = mb.provider_model_id
       join providers p on p.id = pm.provider_id
      where p.name = $1 and ($2::text is null or pm.model_id = $2::text) order by mb.id`,
    [a.provider, a.model ?? null],
  );
  // A provider-level change: the provider row itself too; a model-level one: only its rows.
  return [...(a.model ? [] : p.rows.map((r) => r.j)), ...m.rows.map((r) => r.j), ...b.rows.map((r) => r.j)];
}

export const resourceKey = (r: { type: string; name: string; provider?: string }): string =>
  r.type === 'provider' ? `provider ${r.name}` : `model ${r.provider}/${r.name}`;

const runCount = async (db: Database): Promise<number> =>
  (await db.query<{ n: number }>('select count(*)::int as n from cvctl_runs')).rows[0]!.n;

export async function runCase(t: StaleTarget, c: StaleCase, i: number): Promise<CaseRun> {
  const n = names(i);
  const f = files(c, n);
  const dir = path.join(t.cwd, n.scope);
  for (const [v, text] of [['v1', f.v1], ['v2', f.v2]] as const) {
    fs.mkdirSync(path.join(dir, v), { recursive: true });
    fs.writeFileSync(path.join(dir, v, 'providers.yaml'), text);
  }
  const rel = (p: string): string => path.join(n.scope, p);
  const scope = ['--scope', n.scope];

  const a1 = await t.cli([...scope, 'apply', rel('v1'), '--auto-approve'], f.env1);
  if (a1.code !== 0) fail('apply v1', a1);
  const p2 = await t.cli([...scope, 'plan', rel('v2'), '--out', rel('plan.json'), '--output', 'json'], f.env2);
  if (p2.code !== 0) fail('plan v2 --out', p2);
  const planned = (JSON.parse(p2.stdout) as { changes: Array<{ action: string; resource: { type: string; name: string; provider?: string } }> }).changes.map(
    (x) => `${x.action} ${resourceKey(x.resource)}`,
  );

  const oob = outOfBand(c, n);
  if (oob.sql) await t.db.query(oob.sql);
  const refusal = c.expect === 'refused';
  const before = refusal ? await snapshot(t.db) : undefined;
  const runsBefore = await runCount(t.db);
  const affectedBefore = await affectedRows(t.db, oob.affected);

  const apply = await t.cli([...scope, 'apply', '--plan', rel('plan.json'), '--auto-approve', '--allow-delete'], oob.applyEnv(f.env2));

  const after = refusal ? await snapshot(t.db) : undefined;
  const runsAfter = await runCount(t.db);
  const affectedAfter = await affectedRows(t.db, oob.affected);
  let remaining: CaseRun['remaining'];
  if (apply.code === 0) {
    const again = await t.cli([...scope, 'plan', rel('v2'), '--adopt', '--output', 'json'], f.env2);
    if (again.code !== 0) fail('plan v2 after the apply', again);
    remaining = (JSON.parse(again.stdout) as { changes: Array<{ action: string; resource: { type: string; name: string; provider?: string } }> }).changes.map(
      (x) => ({ action: x.action, key: resourceKey(x.resource) }),
    );
  }
  return { oob, planned, apply, before, after, runsBefore, runsAfter, affectedBefore, affectedAfter, remaining };
}

/** The keys (`provider x`, `model x/m`) an out-of-band change may leave different from v2. */
export function mayDiffer(all: Affected[]): (key: string) => boolean {
  return (k) =>
    all.some((a) => (a.model ? k === `model ${a.provider}/${a.model}` : k === `provider ${a.provider}` || k.startsWith(`model ${a.provider}/`)));
}

export type { Dump };
