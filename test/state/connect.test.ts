import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CvctlError } from '../../src/errors';
import { mapDbError, openDatabase, redact } from '../../src/state/connect';
import { readState } from '../../src/state/read-state';
import { assertMigrated, schemaVersion } from '../../src/state/migrations';
import { parseTimestamp } from '../../src/state/values';
import { createPostgresDatabase, freshDatabase, hasPostgres, targets, type FreshDatabase } from '../support/db';

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function codeOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CvctlError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a CvctlError');
}

describe.each(targets)('Database on %s', (target) => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase(target);
  });
  afterAll(async () => {
    await fresh?.cleanup();
  });

  test('normalises value types the same way on both targets', async () => {
    const r = await fresh.db.query<Record<string, unknown>>(
      `select '{"a":[1,"x"]}'::jsonb as j, '[1,2]'::json as js, timestamptz '2026-04-15 10:20:30.123456+02' as t,
              timestamp '2026-04-15 10:20:30' as ts, 9007199254740993::bigint as big, 5::bigint as b, 7::int as i,
              '\\x0102ff'::bytea as by, 1.50::numeric as n, date '2026-04-15' as d, true as bool,
              '00000000-0000-0000-0000-000000000001'::uuid as u, null::jsonb as nj, (xmin::text::bigint) as xb
         from cvctl_migrations limit 1`,
    );
    const row = r.rows[0];
    expect(row.j).toEqual({ a: [1, 'x'] });
    expect(row.js).toEqual([1, 2]);
    expect(row.t).toBe('2026-04-15T08:20:30.123Z');
    expect(row.ts).toBe('2026-04-15T10:20:30.000Z');
    expect(row.big).toBe('9007199254740993'); // beyond 2^53: kept exact, as a string
    expect(row.b).toBe(5);
    expect(row.i).toBe(7);
    expect(Buffer.isBuffer(row.by)).toBe(true);
    expect((row.by as Buffer).toString('hex')).toBe('0102ff');
    expect(row.n).toBe('1.50');
    expect(row.d).toBe('2026-04-15');
    expect(row.bool).toBe(true);
    expect(row.u).toBe('00000000-0000-0000-0000-000000000001');
    expect(row.nj).toBeNull();
    expect(typeof row.xb).toBe('number');
    expect(r.rowCount).toBe(1);
  });

  test('parameters round-trip: Buffer, Date, objects as jsonb, arrays as uuid[]', async () => {
    const when = new Date('2026-01-02T03:04:05.678Z');
    const r = await fresh.db.query<Record<string, unknown>>(
      `select $1::bytea as by, $2::timestamptz as t, $3::jsonb as j, cardinality($4::uuid[]) as n, $5::text as nul`,
      [Buffer.from([0, 1, 254]), when, { k: 'v' }, ['00000000-0000-0000-0000-000000000001'], null],
    );
    expect((r.rows[0].by as Buffer).equals(Buffer.from([0, 1, 254]))).toBe(true);
    expect(r.rows[0].t).toBe(when.toISOString());
    expect(r.rows[0].j).toEqual({ k: 'v' });
    expect(r.rows[0].n).toBe(1);
    expect(r.rows[0].nul).toBeNull();
  });

  test('a script of several statements runs, returning the last result', async () => {
    const r = await fresh.db.query<{ x: number }>('create temp table s1 (x int); insert into s1 values (1), (2); select sum(x)::int as x from s1');
    expect(r.rows).toEqual([{ x: 3 }]);
  });

  test('transaction commits, rolls back on error, and counts BEGIN/COMMIT', async () => {
    await fresh.db.query('create table if not exists tx_t (x int primary key)');
    const before = fresh.db.statementCount();
    await fresh.db.transaction(async (tx) => {
      await tx.query('insert into tx_t values (1)');
    });
    expect(fresh.db.statementCount() - before).toBe(3);
    await expect(
      fresh.db.transaction(async (tx) => {
        await tx.query('insert into tx_t values (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await fresh.db.query<{ x: number }>('select x from tx_t order by x');
    expect(rows.rows).toEqual([{ x: 1 }]);
  });

  test('a failed statement swallowed inside a transaction still fails the transaction', async () => {
    await fresh.db.query('create table if not exists tx_u (x int primary key)');
    const err = await codeOf(
      fresh.db.transaction(async (tx) => {
        await tx.query('insert into tx_u values (1)');
        await tx.query('insert into tx_u values (1)').catch(() => undefined);
        return 'done';
      }),
    );
    expect(err.code).toBe('DB_ERROR');
    expect(err.message).toMatch(/23505|duplicate key/);
    expect((await fresh.db.query('select * from tx_u')).rows).toEqual([]);
    // The session is usable afterwards (the transaction was rolled back, not left aborted).
    expect((await fresh.db.query<{ one: number }>('select 1 as one')).rows[0].one).toBe(1);
  });

  test('constraint violations map to DB_ERROR naming the constraint', async () => {
    const err = await codeOf(fresh.db.query(`insert into providers (name, kind) values ('x', 'nope')`));
    expect(err.code).toBe('DB_ERROR');
    expect(err.message).toContain('providers_kind_check');
  });

  test('description carries no credentials', () => {
    expect(fresh.db.description).not.toMatch(/@|password/);
    expect(fresh.db.target).toBe(target);
  });
});

describe.each(targets)('unmigrated database on %s', (target) => {
  test('readState throws DB_NOT_MIGRATED with the hint; schemaVersion is 0', async () => {
    const fresh = await freshDatabase(target, { migrate: false });
    try {
      expect(await schemaVersion(fresh.db)).toBe(0);
      const err = await codeOf(readState(fresh.db));
      expect(err.code).toBe('DB_NOT_MIGRATED');
      expect(err.message).toContain('run `cvctl db migrate`');
      expect((await codeOf(assertMigrated(fresh.db))).code).toBe('DB_NOT_MIGRATED');
    } finally {
      await fresh.cleanup();
    }
  });
});

describe('PostgreSQL connection errors', () => {
  test('nothing listening -> DB_UNREACHABLE naming host:port, not the password', async () => {
    const err = await codeOf(openDatabase({ databaseUrl: 'postgres://u:supersecretpw@127.0.0.1:1/db' }));
    expect(err.code).toBe('DB_UNREACHABLE');
    expect(err.message).toContain('cannot reach PostgreSQL at 127.0.0.1:1');
    expect(err.message).not.toContain('supersecretpw');
  });

  test('unknown host -> DB_UNREACHABLE', async () => {
    const err = await codeOf(openDatabase({ databaseUrl: 'postgres://u@no-such-host.invalid:5432/db' }));
    expect(err.code).toBe('DB_UNREACHABLE');
    expect(err.message).toContain('no-such-host.invalid:5432');
  });

  (hasPostgres ? test : test.skip)('password in the URL never shows in description; application_name is set', async () => {
    const pg = await createPostgresDatabase();
    const url = new URL(pg.url);
    url.password = 'hunter2-secret'; // trust auth ignores it
    const db = await openDatabase({ databaseUrl: url.toString(), applicationName: 'cvctl-app-name-test' });
    try {
      expect(db.description).toBe(`postgres://${url.hostname}:${url.port}/${pg.name}`);
      const r = await db.query<{ a: string }>(`select current_setting('application_name') as a`);
      expect(r.rows[0].a).toBe('cvctl-app-name-test');
      const err = await codeOf(db.query('select * from no_such_table'));
      expect(err.code).toBe('DB_NOT_MIGRATED');
    } finally {
      await db.close();
      await pg.drop();
    }
  });
});

describe('mapDbError', () => {
  const ctx = { endpoint: 'db.example:5432', secrets: ['postgres://admin:pa55word-x@db.example:5432/gw', 'pa55word-x'] };
  test.each([
    ['28P01', 'DB_AUTH'],
    ['28000', 'DB_AUTH'],
    ['42P01', 'DB_NOT_MIGRATED'],
    ['25006', 'DB_READ_ONLY'],
    ['42501', 'DB_READ_ONLY'],
    ['57P03', 'DB_UNREACHABLE'],
    ['ECONNREFUSED', 'DB_UNREACHABLE'],
    ['ENOTFOUND', 'DB_UNREACHABLE'],
    ['ETIMEDOUT', 'DB_UNREACHABLE'],
    ['23505', 'DB_ERROR'],
  ])('%s -> %s', (code, expected) => {
    const e = Object.assign(new Error('server said no for pa55word-x at postgres://admin:pa55word-x@db.example:5432/gw'), { code });
    const mapped = mapDbError(e, ctx);
    expect(mapped.code).toBe(expected);
    expect(mapped.message).not.toContain('pa55word-x');
    expect(mapped.message).not.toContain('admin:');
  });

  test('auth failure message names the endpoint', () => {
    const m = mapDbError(Object.assign(new Error('password authentication failed for user "gw"'), { code: '28P01' }), ctx);
    expect(m.message).toBe('PostgreSQL at db.example:5432 rejected the login: password authentication failed for user "gw"');
  });

  test("pg's connect timeout (no code) -> DB_UNREACHABLE", () => {
    expect(mapDbError(new Error('timeout expired'), ctx).code).toBe('DB_UNREACHABLE');
    expect(mapDbError(new Error('Connection terminated unexpectedly'), ctx).code).toBe('DB_UNREACHABLE');
  });

  test('other errors keep the server message and detail', () => {
    const e = Object.assign(new Error('duplicate key value violates unique constraint "providers_name_key"'), {
      code: '23505',
      detail: 'Key (name)=(openai-prod) already exists.',
    });
    expect(mapDbError(e, ctx).message).toBe(
      'database error 23505: duplicate key value violates unique constraint "providers_name_key" (Key (name)=(openai-prod) already exists.)',
    );
  });

  test('CvctlErrors pass through; redact strips URL credentials even when not listed', () => {
    const c = new CvctlError('LOCK_TIMEOUT', 'x');
    expect(mapDbError(c)).toBe(c);
    expect(redact('see postgresql://bob:pw@h/db')).toBe('see postgresql://***@h/db');
  });
});

describe('parseTimestamp', () => {
  test.each([
    ['2026-04-15 10:20:30+00', '2026-04-15T10:20:30.000Z'],
    ['2026-04-15 10:20:30.5+05:30', '2026-04-15T04:50:30.500Z'],
    ['2026-04-15 00:00:00.999999-08', '2026-04-15T08:00:00.999Z'],
    ['1900-01-01 00:00:00+00:09:21', '1899-12-31T23:50:39.000Z'],
    ['infinity', 'infinity'],
  ])('%s', (input, out) => {
    expect(parseTimestamp(input)).toBe(out);
    if (out !== 'infinity') expect(out).toMatch(ISO_MS);
  });
});

describe('embedded database', () => {
  test('announces itself, creates the directory, and defaults to ./.cvctl/db', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cvctl-t-cwd-'));
    const old = process.cwd();
    const messages: string[] = [];
    process.chdir(cwd);
    try {
      const db = await openDatabase({ announce: (m) => messages.push(m) });
      try {
        expect(db.target).toBe('pglite');
        expect(db.description).toBe(path.join('.cvctl', 'db'));
        expect(fs.existsSync(path.join(cwd, '.cvctl', 'db', 'PG_VERSION'))).toBe(true);
        expect(fs.existsSync(path.join(cwd, '.cvctl', 'db.lock'))).toBe(true);
      } finally {
        await db.close();
      }
      expect(fs.existsSync(path.join(cwd, '.cvctl', 'db.lock'))).toBe(false);
      expect(messages).toEqual([
        'cvctl: using the embedded database in .cvctl/db (pass --database-url or DATABASE_URL for PostgreSQL)',
      ]);
    } finally {
      process.chdir(old);
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });
});
