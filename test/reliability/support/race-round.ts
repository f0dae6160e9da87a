// One round of the concurrency suite: N real `cvctl apply` processes started at once on one
// PostgreSQL database (optionally lined up behind a held scope lock, optionally racing an
// admin-console edit), then every property checked and collected as a list of violations.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../support/cli';
import { dumpRows, type Dump } from '../../support/dump';
import { envelopes } from '../../e2e/support';
import { openDatabase } from '../../../src/state/connect';
import type { Database } from '../../../src/state/database';
import { openLocalKek } from '../../../src/crypto/local-kek';
import { openCredentials } from '../../../src/crypto/envelope';
import { keyEnv, writeDesired, type Desired } from './race-desired';
import {
  applySessionsAtLock,
  classify,
  connect,
  consoleEdit,
  deadlocks,
  holdScopeLock,
  sampleScopeLock,
  spawnProc,
  waitFor,
  type Classified,
  type ConsoleEdit,
  type ConsoleResult,
  type Proc,
  type ProcResult,
} from './race-harness';

export interface Db {
  url: string;
  /** Directory of the round folders; the local KEK file lives here too. */
  work: string;
  kekFile: string;
}

export interface ChildPlan {
  tag: string;
  desired: Desired;
  lockTimeout: number;
}

export interface RoundSpec {
  name: string;
  children: ChildPlan[];
  /** Hold the scope lock until every process waits at it, then (console edit, then) release. */
  barrier: boolean;
  /** Each process applies a saved plan made (in-process) just before the race. */
  savedPlans?: boolean;
  console?: { edit: ConsoleEdit; delayMs: number };
  deadlineMs?: number;
}

export interface ChildOutcome extends Classified {
  tag: string;
  result: ProcResult;
  lockTimeout: number;
}

export interface RoundReport {
  name: string;
  violations: string[];
  children: ChildOutcome[];
  winners: string[];
  /** The winner whose run record is the newest: the desired state the database must hold. */
  last?: string;
  /** What each winner printed (its plan), in commit order: to read when a round is red. */
  commits: Array<{ tag: string; stdout: string }>;
  console?: ConsoleResult;
  lockSamples: number;
  maxLockHolders: number;
  ms: number;
}

const SCOPE = 'default';

export function cliArgs(db: Db): string[] {
  return ['--database-url', db.url, '--kms', `local://${db.kekFile}`];
}

export async function withDb<T>(db: Db, fn: (d: Database) => Promise<T>): Promise<T> {
  const d = await openDatabase({ databaseUrl: db.url, applicationName: 'race-check (test)' });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

/** In-process cvctl (same code as dist/, without a process start). */
export function cvctl(db: Db, args: string[], env: Record<string, string>): ReturnType<typeof runCli> {
  return runCli([...cliArgs(db), ...args], { cwd: db.work, env });
}

/**
 * Puts the scope back to `base`: console leftovers removed (cvctl never deletes those), then
 * an ordinary apply. Checked: the files then plan to nothing.
 */
export async function resetTo(db: Db, dir: string, base: Desired): Promise<void> {
  writeDesired(dir, base);
  await withDb(db, (d) =>
    d.query(`delete from models; delete from provider_models where managed_by is null;
             delete from providers where managed_by is null or managed_by <> 'default'`),
  );
  const a = await cvctl(db, ['apply', dir, '--auto-approve', '--allow-delete'], base.env);
  if (a.code !== 0) throw new Error(`reset apply failed:\n${a.stderr}`);
  const p = await cvctl(db, ['plan', dir, '--detailed-exitcode'], base.env);
  if (p.code !== 0) throw new Error(`reset left changes:\n${p.stdout}\n${p.stderr}`);
}

function resourceKey(r: { type: string; name: string; provider?: string }): string {
  return r.type === 'provider' ? `provider ${r.name}` : `model ${r.provider}/${r.name}`;
}

/** Changes (as `provider x` / `model x/m`) the console edit may legitimately leave behind. */
function consoleResources(c: ConsoleResult | undefined): (key: string) => boolean {
  if (!c?.done) return () => false;
  const p = c.edit.provider;
  if (c.edit.kind === 'model-insert') {
    const m = c.edit.model;
    return (k) => k === `provider ${p}` || k === `model ${p}/${m}`;
  }
  return (k) => k === `provider ${p}` || k.startsWith(`model ${p}/`);
}

export async function runRound(db: Db, spec: RoundSpec): Promise<RoundReport> {
  const t0 = Date.now();
  const violations: string[] = [];
  const v = (s: string): void => void violations.push(s);
  const roundDir = path.join(db.work, spec.name);
  fs.rmSync(roundDir, { recursive: true, force: true });
  const dirs = new Map<string, string>();
  for (const c of spec.children) {
    const dir = path.join(roundDir, c.tag);
    writeDesired(dir, c.desired);
    dirs.set(c.tag, dir);
    if (spec.savedPlans) {
      const p = await cvctl(db, ['plan', dir, '--out', path.join(dir, 'plan.json')], c.desired.env);
      if (p.code !== 0) throw new Error(`${c.tag}: plan --out failed:\n${p.stderr}`);
    }
  }

  const before = await withDb(db, async (d) => ({
    runId: Number((await d.query<{ n: string }>('select coalesce(max(id), 0)::text as n from cvctl_runs')).rows[0]!.n),
    dump: await dumpRows(d),
  }));
  const deadlocksBefore = await deadlocks(db.url);
  const holder = spec.barrier ? await holdScopeLock(db.url, SCOPE) : null;
  const sampler = await sampleScopeLock(db.url, SCOPE);
  const deadline = spec.deadlineMs ?? 40_000;

  // All at once: no await between the spawns.
  const procs: Array<{ plan: ChildPlan; proc: Proc }> = spec.children.map((c) => {
    const dir = dirs.get(c.tag)!;
    const what = spec.savedPlans ? ['--plan', path.join(dir, 'plan.json')] : [dir];
    const args = [...cliArgs(db), 'apply', ...what, '--auto-approve', '--allow-delete', '--lock-timeout', String(c.lockTimeout)];
    return {
      plan: c,
      proc: spawnProc(c.tag, args, {
        cwd: db.work,
        env: { ...c.desired.env, GITHUB_SHA: c.tag, GITHUB_ACTOR: 'race' },
        deadlineMs: deadline,
      }),
    };
  });

  let consoleRun: Promise<ConsoleResult> | undefined;
  let afterEdit: Dump | undefined;
  try {
    if (holder) {
      // Every process is now waiting at the scope lock (or has already given up).
      const alive = (): number => procs.filter((p) => !p.proc.result).length;
      const lined = await waitFor(async () => (await applySessionsAtLock(holder.client)) >= alive(), 30_000, 50);
      if (!lined) v(`barrier: the processes did not all reach the scope lock within 30 s (${alive()} alive)`);
      // Short --lock-timeout: they give up while the stand-in holder still has the lock.
      const shorts = procs.filter((p) => p.plan.lockTimeout < 5);
      await waitFor(() => shorts.every((p) => p.proc.result), 20_000, 50);
      if (spec.console) consoleRun = consoleEdit(db.url, spec.console.edit);
      const res = consoleRun ? await consoleRun : undefined;
      if (res && !res.done) v(`console edit did not take effect at the barrier: ${res.error ?? 'no row matched'}`);
      afterEdit = await withDb(db, dumpRows);
      await holder.release();
    } else if (spec.console) {
      const { edit, delayMs } = spec.console;
      consoleRun = new Promise((r) => setTimeout(r, delayMs)).then(() => consoleEdit(db.url, edit));
    }
    await Promise.all(procs.map((p) => p.proc.done));
  } finally {
    await holder?.release().catch(() => undefined);
    for (const p of procs) await p.proc.done; // deadline-bounded: every process is gone after this
  }
  const consoleRes = consoleRun ? await consoleRun : undefined;
  const lock = await sampler.stop();

  // ---- What each process said --------------------------------------------------------------
  const children: ChildOutcome[] = procs.map(({ plan, proc }) => ({
    tag: plan.tag,
    lockTimeout: plan.lockTimeout,
    result: proc.result!,
    ...classify(proc.result!),
  }));
  for (const c of children) {
    for (const p of c.problems) v(`${c.tag}: ${p}`);
    if (c.outcome === 'ownership') {
      const ok = consoleRes?.done && consoleRes.edit.kind === 'provider-insert' && c.line?.includes(`'${consoleRes.edit.provider}'`);
      if (!ok) v(`${c.tag}: ownership error without a console-made provider of that name: ${c.line}`);
    }
    if (c.outcome === 'stale' && !/(provider|provider model) '[^']+'/.test(c.line ?? '')) v(`${c.tag}: stale message names no row: ${c.line}`);
    if (holder && c.lockTimeout < 5) {
      if (c.outcome !== 'lock-timeout') v(`${c.tag}: --lock-timeout ${c.lockTimeout} behind a held lock ended '${c.outcome}'`);
      else if (!c.line?.includes('application "race-holder (test)"')) v(`${c.tag}: lock message does not name the holder: ${c.line}`);
    }
  }
  if (lock.maxHolders > 1) v(`scope lock granted to ${lock.maxHolders} sessions at once`);
  if (lock.errors.length > 0) v(`lock sampler errors: ${lock.errors.slice(0, 3).join('; ')}`);
  const deadlocksAfter = await deadlocks(db.url);
  if (deadlocksAfter !== deadlocksBefore) v(`PostgreSQL counted ${deadlocksAfter - deadlocksBefore} deadlock(s)`);
  if (consoleRes?.error && /deadlock/i.test(consoleRes.error)) v(`console edit hit a deadlock: ${consoleRes.error}`);

  // ---- Run records: exactly the winners, in commit order -----------------------------------
  const winners = children.filter((c) => c.outcome === 'applied' || c.outcome === 'noop').map((c) => c.tag);
  const runs = await withDb(db, (d) =>
    d.query<{ id: string; tag: string | null; result: string }>(
      // Ordered by the bigint, not by a text alias ('100' < '99'): commit order under the lock.
      'select r.id::text as id, r.git_commit as tag, r.result from cvctl_runs r where r.id > $1 order by r.id',
      [before.runId],
    ),
  );
  // A lock timeout is a failed apply on record (it wrote nothing); any other failure is not expected.
  const timedOut = new Set(children.filter((c) => c.outcome === 'lock-timeout').map((c) => c.tag));
  for (const r of runs.rows) if (r.result === 'failed' && !timedOut.has(r.tag ?? '')) v(`run ${r.tag} recorded as failed`);
  // A loser refused as stale is on record too (result refused), but it wrote nothing.
  const recorded = runs.rows.filter((r) => r.result === 'applied' || r.result === 'noop').map((r) => r.tag ?? '?');
  if ([...recorded].sort().join(',') !== [...winners].sort().join(',')) {
    v(`run records [${recorded.join(', ')}] do not match the processes that exited 0 [${winners.join(', ')}]`);
  }
  const last = recorded.length > 0 ? recorded[recorded.length - 1] : undefined;

  // ---- The final state ---------------------------------------------------------------------
  const allowed = consoleResources(consoleRes);
  if (last) {
    const lastPlan = spec.children.find((c) => c.tag === last)!;
    const p = await cvctl(db, ['plan', dirs.get(last)!, '--adopt', '--output', 'json'], lastPlan.desired.env);
    if (p.code !== 0) v(`plan of the last applied state (${last}) failed: ${p.stderr.trim()}`);
    else {
      const changes = (JSON.parse(p.stdout) as { changes: Array<{ action: string; resource: { type: string; name: string; provider?: string } }> }).changes;
      const left = changes.filter((c) => !allowed(resourceKey(c.resource))).map((c) => `${c.action} ${resourceKey(c.resource)}`);
      if (left.length > 0) {
        v(`the database is not the desired state of the last successful apply (${last}); planning it again gives: ${left.join(', ')}`);
      }
    }
    await withDb(db, async (d) => {
      // Independent of the planner: the scope's providers are the declared ones, plus those
      // removed from the files with onRemove: disable (kept, disabled).
      const rows = (
        await d.query<{ name: string; status: string; on_remove: string }>(
          `select name, status, on_remove from providers where managed_by = 'default' order by name`,
        )
      ).rows;
      const want = new Set(lastPlan.desired.providers.map((x) => x.name));
      // A name the console took meanwhile stays the console's (nobody passed --adopt).
      const missing = [...want].filter((n) => !rows.some((r) => r.name === n) && !allowed(`provider ${n}`));
      const extra = rows.filter((r) => !want.has(r.name) && !(r.on_remove === 'disable' && r.status === 'disabled')).map((r) => r.name);
      if (missing.length + extra.length > 0) {
        v(`providers of the scope vs the last desired state (${last}): missing [${missing.join(', ')}], left over [${extra.join(', ')}]`);
      }
      // Every stored key decrypts, and is the one the last apply resolved.
      const kek = await openLocalKek(db.kekFile, { create: false });
      for (const [name, e] of await envelopes(d)) {
        let fields: Record<string, { reveal(): string }>;
        try {
          fields = await openCredentials(kek, e.id, e.sealed);
        } catch (err) {
          v(`credentials of ${name} do not decrypt: ${(err as Error).message}`);
          continue;
        }
        const want = lastPlan.desired.env[keyEnv(name)];
        if (want !== undefined && want !== '' && lastPlan.desired.providers.some((x) => x.name === name)) {
          const got = fields.apiKey?.reveal();
          if (got !== want) v(`credentials of ${name} are not the last apply's (${last}) value`);
        }
      }
    });
  } else {
    const now = await withDb(db, dumpRows);
    const expected = afterEdit ?? (consoleRes?.done ? undefined : before.dump);
    if (expected && JSON.stringify(now) !== JSON.stringify(expected)) v('no process applied, yet the database changed');
  }

  // ---- The console edit: kept, or knowingly reverted by a plan that showed it ----------------
  if (consoleRes?.done) {
    const winnerOut = children.filter((c) => winners.includes(c.tag)).map((c) => c.result.stdout).join('\n');
    const e = consoleRes.edit;
    await withDb(db, async (d) => {
      if (e.kind === 'label') {
        const row = (await d.query<{ labels: Record<string, string> }>('select labels from providers where name = $1', [e.provider])).rows[0];
        const shown = new RegExp(`labels\\.console:\\s+"${e.value}"`).test(winnerOut);
        if (row && row.labels.console !== e.value && !shown) {
          v(`console edit lost: label console=${e.value} on ${e.provider} was overwritten by an apply whose plan never showed it`);
        }
        if (!row && !winnerOut.includes(`- provider "${e.provider}"`)) v(`console-edited provider ${e.provider} vanished without a plan deleting it`);
      } else if (e.kind === 'model-insert') {
        const n = (
          await d.query<{ n: number }>(
            `select count(*)::int as n from provider_models pm join providers p on p.id = pm.provider_id where p.name = $1 and pm.model_id = $2`,
            [e.provider, e.model],
          )
        ).rows[0]!.n;
        if (n === 0 && !winnerOut.includes(`'${e.facade}'`)) {
          v(
            `console edit lost: provider model ${e.provider}/${e.model} (made in the console, backing model '${e.facade}') ` +
              `was deleted by the cascade of an apply whose plan never showed it`,
          );
        }
      } else {
        const row = (await d.query<{ managed_by: string | null; labels: Record<string, string> }>('select managed_by, labels from providers where name = $1', [e.provider])).rows[0];
        if (!row || row.managed_by !== null || row.labels.console !== 'made') {
          v(`console-made provider ${e.provider} was ${row ? `changed (${JSON.stringify(row)})` : 'deleted'} by cvctl without --adopt`);
        }
      }
    });
  }

  return {
    name: spec.name,
    violations,
    children,
    winners,
    last,
    commits: recorded.map((tag) => ({ tag, stdout: children.find((c) => c.tag === tag)?.result.stdout ?? '' })),
    console: consoleRes,
    lockSamples: lock.samples,
    maxLockHolders: lock.maxHolders,
    ms: Date.now() - t0,
  };
}

/** One line per round for the suite's summary. */
export function describeRound(r: RoundReport): string {
  const count = new Map<string, number>();
  for (const c of r.children) count.set(c.outcome, (count.get(c.outcome) ?? 0) + 1);
  const outcomes = [...count].map(([k, n]) => `${k}=${n}`).join(' ');
  const slowest = Math.max(...r.children.map((c) => c.result.ms));
  const ed = r.console ? ` console=${r.console.edit.kind}:${r.console.done ? 'done' : `not done (${r.console.error ?? 'no row'})`}` : '';
  return `${r.name}: ${r.children.length} processes, ${outcomes}; last=${r.last ?? '-'}${ed}; lock samples=${r.lockSamples} max holders=${r.maxLockHolders}; slowest process ${(slowest / 1000).toFixed(1)} s; round ${(r.ms / 1000).toFixed(1)} s; violations=${r.violations.length}`;
}
