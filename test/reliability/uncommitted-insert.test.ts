// A console insert of a name the plan creates, still uncommitted when apply locks its rows: the
// stale check cannot see it, apply's insert waits on the unique index, and when the console
// commits, the insert fails. That must read as the refusal it is (STALE_PLAN, exit 1, nothing
// written), not as a database error. PostgreSQL only: the embedded database has one session.
import { Client } from 'pg';
import { hasPostgres } from '../support/db';
import { expectExit, snapshot, workspace, type Workspace } from '../e2e/support';

const suite = hasPostgres ? describe : describe.skip;

const files = (names: string[]) =>
  `version: 1\nproviders:\n${names.map((n) => `  - name: ${n}\n    kind: groq\n    credentials:\n      apiKey: {from: env, name: GROQ_API_KEY}\n`).join('')}`;

suite('an uncommitted console insert racing apply', () => {
  let ws: Workspace;
  let console_: Client;
  /** Another session: pg_stat_activity is a snapshot frozen for the rest of a transaction. */
  let watcher: Client;
  beforeAll(async () => {
    ws = await workspace('postgres', () => ({ GROQ_API_KEY: 'gsk_uncommittedRaceAAAAbbbbCCCC' }));
    ws.write('p/providers.yaml', files(['kept']));
    expectExit(await ws.cli(['apply', 'p', '--auto-approve']), 0);
    console_ = new Client({ connectionString: ws.url });
    await console_.connect();
    watcher = new Client({ connectionString: ws.url });
    await watcher.connect();
  });
  afterAll(async () => {
    await console_?.end();
    await watcher?.end();
    await ws?.cleanup();
  });

  test.each([
    ['apply', ['apply', 'p', '--auto-approve'], 'the database changed while this apply was being planned', 'cvctl apply'],
    ['apply --plan', ['apply', '--plan', 'plan.json', '--auto-approve'], 'the saved plan is stale', 'cvctl plan'],
  ])('%s: refused as stale, nothing written', async (_name, args, lead, again) => {
    ws.write('p/providers.yaml', files(['kept', 'raced']));
    expectExit(await ws.cli(['plan', 'p', '--out', 'plan.json']), 0);
    const before = await ws.withDb((db) => snapshot(db));
    await console_.query('begin');
    await console_.query("insert into providers (name, kind) values ('raced', 'groq')");
    const applying = ws.cli(args);
    // Until the console commits, the apply's insert waits on the unique index: see it wait.
    let waiting = false;
    for (let i = 0; i < 100 && !waiting; i++) {
      const r = await watcher.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      waiting = r.rows[0].n > 0;
      if (!waiting) await new Promise((res) => setTimeout(res, 50));
    }
    await console_.query('commit');
    expect(waiting).toBe(true);
    const r = await applying;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cvctl: error: ${lead}: a provider the plan creates was created in the database meanwhile. Nothing was written; run \`${again}\` again`);
    expect(r.stderr).not.toMatch(/23505|duplicate key|\n\s+at /);
    // Nothing of the apply was written: the only difference is the console's own row.
    await console_.query("delete from providers where name = 'raced' and managed_by is null");
    expect(await ws.withDb((db) => snapshot(db))).toEqual(before);
  });
});
