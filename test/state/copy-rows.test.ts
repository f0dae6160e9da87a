// Transaction.copyRows: one COPY … FROM STDIN on both targets. Values must arrive exactly as
// given (the text format's escapes are ours to get right), errors must map like any other
// statement's and abort the transaction, and a large load must go as several chunks.
import { encodeCopyChunks } from '../../src/state/session';

const encodeCopyText = (rows: Iterable<ReadonlyArray<string | null>>, headroom = 0): Buffer[] => [...encodeCopyChunks(rows, headroom)];
import { CvctlError } from '../../src/errors';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';

const TRICKY = [
  'plain',
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  '\\.',
  'end\\',
  "'; drop table copy_t; --",
  '$1 %s _ " \u2028 \u202e',
  'emoji 🦊 and combining é',
  '',
];

describe('encodeCopyChunks', () => {
  test.each([
    [[['a', null, 'b\tc']], 'a\t\\N\tb\\tc\n'],
    [[['x\\y', 'l1\nl2\r']], 'x\\\\y\tl1\\nl2\\r\n'],
    [[['\\.'], ['']], '\\\\.\n\n'],
  ])('%j', (rows, text) => {
    expect(Buffer.concat(encodeCopyText(rows)).toString('utf8')).toBe(text);
  });

  test('splits a large load into chunks of about 1 MiB and loses nothing', () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => [String(i), 'x'.repeat(100)]);
    const chunks = encodeCopyText(rows);
    expect(chunks.length).toBeGreaterThan(2);
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(lines).toHaveLength(30_001);
    expect(lines[29_999]).toBe(`29999\t${'x'.repeat(100)}`);
  });
  test('with headroom: each chunk is the same data after that many free bytes', () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => [String(i), TRICKY[i % TRICKY.length], null]);
    const plain = encodeCopyText(rows);
    const framed = encodeCopyText(rows, 5);
    expect(framed).toHaveLength(plain.length);
    framed.forEach((chunk, i) => {
      expect(chunk.subarray(0, 5)).toEqual(Buffer.alloc(5));
      expect(chunk.subarray(5).equals(plain[i])).toBe(true);
    });
  });
});

describe.each(targets)('copyRows on %s', (target) => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase(target, { migrate: false });
    await fresh.db.query('create table copy_t (id int primary key, v text, j jsonb, n int)');
  });
  afterAll(() => fresh.cleanup());

  test('stores every value byte for byte, NULLs as NULL, as one statement', async () => {
    const before = fresh.db.statementCount();
    const n = await fresh.db.transaction((tx) =>
      tx.copyRows(
        'copy_t',
        ['id', 'v', 'j', 'n'],
        TRICKY.map((v, i) => [String(i), v, JSON.stringify({ v }), i % 2 ? null : String(i)]),
      ),
    );
    expect(n).toBe(TRICKY.length);
    expect(fresh.db.statementCount() - before).toBe(3); // BEGIN, COPY, COMMIT
    const r = await fresh.db.query<{ id: number; v: string; j: { v: string }; n: number | null }>(
      'select id, v, j, n from copy_t order by id',
    );
    expect(r.rows.map((x) => x.v)).toEqual(TRICKY);
    expect(r.rows.map((x) => x.j.v)).toEqual(TRICKY);
    expect(r.rows.map((x) => x.n)).toEqual(TRICKY.map((_, i) => (i % 2 ? null : i)));
    const tables = await fresh.db.query<{ n: number }>("select count(*)::int as n from pg_tables where tablename = 'copy_t'");
    expect(tables.rows[0].n).toBe(1);
  });

  test('a constraint violation is a mapped DB_ERROR and rolls the whole transaction back', async () => {
    await fresh.db.query('delete from copy_t');
    const err = await fresh.db
      .transaction(async (tx) => {
        await tx.query("insert into copy_t (id, v) values (100, 'kept only if committed')");
        await tx.copyRows('copy_t', ['id', 'v'], [['1', 'a'], ['1', 'duplicate']]);
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(CvctlError);
    expect((err as CvctlError).code).toBe('DB_ERROR');
    expect((err as CvctlError).message).toMatch(/duplicate key|23505/);
    expect((await fresh.db.query('select * from copy_t')).rows).toEqual([]);
    // The session is usable afterwards.
    expect((await fresh.db.query<{ one: number }>('select 1 as one')).rows[0].one).toBe(1);
  });

  test('a duplicate key chunks into a streaming load: the server fails the COPY (23505), nothing is stored, the session goes on', async () => {
    await fresh.db.query('delete from copy_t');
    // ~3.3 MB: PostgreSQL refuses row 25,000 while later chunks are still being sent.
    function* rows() {
      for (let i = 0; i < 30_000; i++) yield [String(i === 25_000 ? 7 : 300_000 + i), 'z'.repeat(100)];
    }
    const err = await fresh.db
      .transaction(async (tx) => {
        await tx.query("insert into copy_t (id, v) values (7, 'seven')");
        await tx.copyRows('copy_t', ['id', 'v'], rows());
      })
      .catch((e: unknown) => e);
    expect((err as CvctlError).code).toBe('DB_ERROR');
    expect((err as CvctlError).message).toMatch(/duplicate key|23505/);
    expect((await fresh.db.query<{ c: number }>('select count(*)::int as c from copy_t')).rows[0].c).toBe(0);
    expect((await fresh.db.query<{ one: number }>('select 1 as one')).rows[0].one).toBe(1);
  });

  test('a bad value (text into an int column) fails the COPY with the column named', async () => {
    const err = await fresh.db.transaction((tx) => tx.copyRows('copy_t', ['id', 'n'], [['7', 'seven']])).catch((e: unknown) => e);
    expect((err as CvctlError).code).toBe('DB_ERROR');
    expect((err as CvctlError).message).toMatch(/integer|22P02/);
    expect((await fresh.db.query('select * from copy_t where id = 7')).rows).toEqual([]);
  });

  test('50,000 rows in one statement', async () => {
    await fresh.db.query('delete from copy_t');
    const rows = Array.from({ length: 50_000 }, (_, i) => [String(i), `value-${i}\twith tab`]);
    const n = await fresh.db.transaction((tx) => tx.copyRows('copy_t', ['id', 'v'], rows));
    expect(n).toBe(50_000);
    const r = await fresh.db.query<{ n: number; v: string }>(
      "select (select count(*)::int from copy_t) as n, (select v from copy_t where id = 49999) as v",
    );
    expect(r.rows[0]).toEqual({ n: 50_000, v: 'value-49999\twith tab' });
  });

  test('refuses identifiers it would have to quote, and rows of the wrong width', async () => {
    await expect(fresh.db.transaction((tx) => tx.copyRows('copy_t; drop', ['id'], [['1']]))).rejects.toThrow(/plain identifier/);
    await expect(fresh.db.transaction((tx) => tx.copyRows('copy_t', ['id', 'v'], [['1']]))).rejects.toThrow(/1 values for 2 columns/);
  });

  test('rows from a generator: all stored, read once; a bad row in the first chunk sends nothing', async () => {
    let made = 0;
    function* rows(n: number, badAt = -1) {
      for (let i = 0; i < n; i++) {
        made++;
        yield i === badAt ? [String(100_000 + i)] : [String(100_000 + i), `g${i}`, null, String(i)];
      }
    }
    const n = await fresh.db.transaction((tx) => tx.copyRows('copy_t', ['id', 'v', 'j', 'n'], rows(3_000)));
    expect(n).toBe(3_000);
    expect(made).toBe(3_000);
    const got = await fresh.db.query<{ c: number; s: string }>(
      "select count(*)::int as c, string_agg(v, ',' order by id) as s from copy_t where id >= 100000",
    );
    expect(got.rows[0].c).toBe(3_000);
    expect(got.rows[0].s).toBe(Array.from({ length: 3_000 }, (_, i) => `g${i}`).join(','));

    const before = fresh.db.statementCount();
    await expect(
      fresh.db.transaction((tx) => tx.copyRows('copy_t', ['id', 'v', 'j', 'n'], rows(50, 49))),
    ).rejects.toThrow(/1 values for 4 columns/);
    expect(fresh.db.statementCount() - before).toBe(2); // BEGIN, ROLLBACK: no COPY sent
    const after = await fresh.db.query<{ c: number }>('select count(*)::int as c from copy_t where id >= 100000');
    expect(after.rows[0].c).toBe(3_000);
  });

  test('a bad row chunks into a streaming load fails the COPY with its own error; nothing is stored', async () => {
    // ~3.3 MB: the first chunks are on their way (PostgreSQL) when row 28,000 turns out bad.
    function* rows() {
      for (let i = 0; i < 30_000; i++) yield i === 28_000 ? [String(200_000 + i)] : [String(200_000 + i), 'y'.repeat(100), null, null];
    }
    const before = fresh.db.statementCount();
    const err = await fresh.db
      .transaction(async (tx) => {
        await tx.query("insert into copy_t (id, v) values (199999, 'kept only if committed')");
        await tx.copyRows('copy_t', ['id', 'v', 'j', 'n'], rows());
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CvctlError);
    expect((err as CvctlError).message).toMatch(/a row has 1 values for 4 columns/);
    expect(fresh.db.statementCount() - before).toBe(4); // BEGIN, INSERT, COPY, ROLLBACK
    const after = await fresh.db.query<{ c: number }>('select count(*)::int as c from copy_t where id >= 199999');
    expect(after.rows[0].c).toBe(0);
    // The session is usable afterwards, and a good load after it is stored whole.
    const n = await fresh.db.transaction((tx) => tx.copyRows('copy_t', ['id', 'v'], [['199999', 'ok']]));
    expect(n).toBe(1);
  });
});
