import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { CvctlError } from '../../src/errors';
import {
  FINGERPRINT_KEY_CONTEXT,
  FingerprintKey,
  loadFingerprintKey,
} from '../../src/crypto/fingerprint';
import { LocalKek } from '../../src/crypto/local-kek';
import { SecretValue } from '../../src/secrets/resolver';
import type { Queryable, QueryResult } from '../../src/state/database';

const sv = (s: string) => new SecretValue(s);
const ROW_A = '7b0b6a4e-2f55-4b7e-9d3c-0a1b2c3d4e5f';
const ROW_B = '0f1e2d3c-4b5a-4697-8877-665544332211';

describe('FingerprintKey', () => {
  const key = new FingerprintKey(randomBytes(32));

  it('is stable for the same (row, field, value) and 64 hex chars', () => {
    const f = key.fingerprint(ROW_A, 'apiKey', sv('sk-abc'));
    expect(f).toMatch(/^[0-9a-f]{64}$/);
    expect(key.fingerprint(ROW_A, 'apiKey', sv('sk-abc'))).toBe(f);
  });

  it('differs per row, field, value and key', () => {
    const base = key.fingerprint(ROW_A, 'apiKey', sv('sk-abc'));
    const others = [
      key.fingerprint(ROW_B, 'apiKey', sv('sk-abc')),
      key.fingerprint(ROW_A, 'clientSecret', sv('sk-abc')),
      key.fingerprint(ROW_A, 'apiKey', sv('sk-abd')),
      new FingerprintKey(randomBytes(32)).fingerprint(ROW_A, 'apiKey', sv('sk-abc')),
    ];
    expect(new Set([base, ...others]).size).toBe(5);
  });

  it('length-prefixes its inputs, so shifting bytes between parts changes the result', () => {
    expect(key.fingerprint('ab', 'c', sv('d'))).not.toBe(key.fingerprint('a', 'bc', sv('d')));
    expect(key.fingerprint('a', 'bc', sv('d'))).not.toBe(key.fingerprint('a', 'b', sv('cd')));
    expect(key.fingerprint('a', '', sv('b'))).not.toBe(key.fingerprint('a', 'b', sv('')));
  });

  it('does not match fingerprints swapped between rows, even for equal values', () => {
    const same = sv('sk-shared-value');
    const storedA = key.fingerprintAll(ROW_A, { apiKey: same });
    const storedB = key.fingerprintAll(ROW_B, { apiKey: same });
    expect(key.matches(ROW_A, 'apiKey', same, storedA.apiKey)).toBe(true);
    expect(key.matches(ROW_A, 'apiKey', same, storedB.apiKey)).toBe(false);
    expect(key.matches(ROW_A, 'apiKey', same, 'not hex')).toBe(false);
    expect(key.matches(ROW_A, 'apiKey', same, undefined)).toBe(false);
    expect(() => key.verify(ROW_A, { apiKey: same }, storedA)).not.toThrow();
    let err: unknown;
    try {
      key.verify(ROW_A, { apiKey: same }, storedB);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CvctlError);
    expect((err as CvctlError).code).toBe('CRYPTO_INTEGRITY');
    expect((err as CvctlError).message).toContain('fields: apiKey');
    expect((err as CvctlError).message).not.toContain('sk-shared-value');
    // a field missing on either side is a mismatch too
    expect(() => key.verify(ROW_A, { apiKey: same }, {})).toThrow(CvctlError);
    expect(() => key.verify(ROW_A, {}, storedA)).toThrow(CvctlError);
  });

  it('does not show its key', () => {
    expect(JSON.stringify(key)).toBe('{}');
    expect(require('node:util').inspect(key)).not.toMatch(/[0-9a-f]{16}/);
  });
});

/**
 * cvctl_keys in memory, with the semantics loadFingerprintKey relies on (ON CONFLICT DO
 * NOTHING, rowCount) and an await between statements so concurrent callers interleave.
 */
function memoryKeys(): Queryable & { rows: Map<string, { wrapped_key: Uint8Array; kek_id: string }> } {
  const rows = new Map<string, { wrapped_key: Uint8Array; kek_id: string }>();
  return {
    rows,
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      await new Promise((r) => setImmediate(r));
      if (/^SELECT wrapped_key, kek_id FROM cvctl_keys WHERE name = \$1$/.test(sql)) {
        const row = rows.get(params[0] as string);
        // bytea as Uint8Array, as PGlite returns it
        return { rows: (row ? [{ wrapped_key: new Uint8Array(row.wrapped_key), kek_id: row.kek_id }] : []) as R[], rowCount: row ? 1 : 0 };
      }
      if (/^INSERT INTO cvctl_keys \(name, wrapped_key, kek_id, created_at\) VALUES \(\$1, \$2, \$3, now\(\)\)\s+ON CONFLICT \(name\) DO NOTHING$/.test(sql)) {
        const [name, wrapped, kekId] = params as [string, Buffer, string];
        if (rows.has(name)) return { rows: [], rowCount: 0 };
        rows.set(name, { wrapped_key: Buffer.from(wrapped), kek_id: kekId });
        return { rows: [], rowCount: 1 };
      }
      throw new Error(`unexpected SQL: ${sql}`);
    },
  };
}

describe('loadFingerprintKey (in memory)', () => {
  it('returns null when absent and not asked to create', async () => {
    const q = memoryKeys();
    expect(await loadFingerprintKey(q, LocalKek.fromKey(randomBytes(32)), { create: false })).toBeNull();
    expect(q.rows.size).toBe(0);
  });

  it('creates a wrapped key once, then every run unwraps it with exactly one KEK call', async () => {
    const q = memoryKeys();
    const kek = LocalKek.fromKey(randomBytes(32));
    const first = await loadFingerprintKey(q, kek, { create: true });
    expect(kek.callCount()).toBe(1); // generate only: the creator does not unwrap its own key
    const row = q.rows.get('fingerprint')!;
    expect(row.kek_id).toBe(kek.id);
    expect(row.wrapped_key).toHaveLength(61);

    const before = kek.callCount();
    const again = await loadFingerprintKey(q, kek, { create: false });
    expect(kek.callCount() - before).toBe(1);
    expect(again!.fingerprint(ROW_A, 'apiKey', sv('x'))).toBe(first!.fingerprint(ROW_A, 'apiKey', sv('x')));
  });

  it('binds the wrapped key to cvctl_keys/fingerprint', async () => {
    const q = memoryKeys();
    const kek = LocalKek.fromKey(randomBytes(32));
    await loadFingerprintKey(q, kek, { create: true });
    const row = q.rows.get('fingerprint')!;
    await expect(
      kek.unwrap({ wrapped: Buffer.from(row.wrapped_key), kekId: row.kek_id }, { table: 'providers', id: 'x', field: 'credentials' }),
    ).rejects.toMatchObject({ code: 'CRYPTO_INTEGRITY' });
    expect(FINGERPRINT_KEY_CONTEXT).toEqual({ table: 'cvctl_keys', name: 'fingerprint' });
  });

  it('lets concurrent creators agree on one key', async () => {
    const q = memoryKeys();
    const kek = LocalKek.fromKey(randomBytes(32));
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadFingerprintKey(q, kek, { create: true })));
    expect(new Set(keys.map((k) => k!.fingerprint(ROW_A, 'apiKey', sv('v')))).size).toBe(1);
    expect(q.rows.size).toBe(1);
  });

  it('fails with CRYPTO_INTEGRITY under another KEK', async () => {
    const q = memoryKeys();
    const first = LocalKek.fromKey(randomBytes(32));
    await loadFingerprintKey(q, first, { create: true });
    const other = LocalKek.fromKey(randomBytes(32));
    // KEK pinning (src/crypto/kek-pin.ts): the message names the recorded and the configured KEK.
    await expect(loadFingerprintKey(q, other, { create: true })).rejects.toMatchObject({
      code: 'CRYPTO_INTEGRITY',
      message: expect.stringContaining(
        `wrapped by KEK ${first.id} (no \`cvctl kek rotate\` is recorded since its creation), ` +
          `but the configured KEK (--kms / CVCTL_KMS_KEY) is ${other.id}:`,
      ),
    });
  });
});

// Against a real PostgreSQL when the test environment provides one (CI does): racing
// creators on separate connections, and bytea round trips through the driver.
const DB_URL = process.env.CVCTL_TEST_DATABASE_URL;
(DB_URL ? describe : describe.skip)('loadFingerprintKey (PostgreSQL)', () => {
  const schema = `cvctl_fp_test_${randomBytes(4).toString('hex')}`;
  const clients: Client[] = [];
  const connect = async (): Promise<Client> => {
    const c = new Client({ connectionString: DB_URL, options: `-c search_path=${schema}` });
    await c.connect();
    clients.push(c);
    return c;
  };
  const asQueryable = (c: Client): Queryable => ({
    async query<R>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
      const r = await c.query(sql, params);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
  });

  beforeAll(async () => {
    const admin = new Client({ connectionString: DB_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.cvctl_keys (name text PRIMARY KEY, wrapped_key bytea NOT NULL,
      kek_id text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), rotated_at timestamptz)`);
    await admin.end();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    const admin = new Client({ connectionString: DB_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('lets racing creators on separate connections agree on one key, readable later', async () => {
    const kek = LocalKek.fromKey(randomBytes(32));
    const conns = await Promise.all(Array.from({ length: 4 }, connect));
    expect(await loadFingerprintKey(asQueryable(conns[0]!), kek, { create: false })).toBeNull();
    const keys = await Promise.all(conns.map((c) => loadFingerprintKey(asQueryable(c), kek, { create: true })));
    const fp = (k: FingerprintKey | null) => k!.fingerprint(ROW_A, 'apiKey', sv('v'));
    expect(new Set(keys.map(fp)).size).toBe(1);
    const later = await loadFingerprintKey(asQueryable(conns[0]!), kek, { create: false });
    expect(fp(later)).toBe(fp(keys[0]!));
    const { rows } = await conns[0]!.query('SELECT count(*)::int AS n FROM cvctl_keys');
    expect(rows[0].n).toBe(1);
  });
});

describe('loadFingerprintKey race, step by step', () => {
  it('re-reads and unwraps the winner when its INSERT conflicts', async () => {
    const kek = LocalKek.fromKey(randomBytes(32));
    const winnerKey = randomBytes(32);
    const winner = await kek.wrap(winnerKey, FINGERPRINT_KEY_CONTEXT);
    const sqls: string[] = [];
    let selects = 0;
    const q: Queryable = {
      async query<R>(sql: string): Promise<QueryResult<R>> {
        sqls.push(sql.trim().split(/\s+/)[0]!);
        if (sql.startsWith('SELECT')) {
          // first read: nothing yet; the other process inserts before our INSERT
          selects++;
          const rows = selects === 1 ? [] : [{ wrapped_key: winner.wrapped, kek_id: winner.kekId }];
          return { rows: rows as R[], rowCount: rows.length };
        }
        expect(sql).toContain('ON CONFLICT (name) DO NOTHING');
        return { rows: [], rowCount: 0 };
      },
    };
    const key = await loadFingerprintKey(q, kek, { create: true });
    expect(sqls).toEqual(['SELECT', 'INSERT', 'SELECT']);
    expect(key!.fingerprint('r', 'f', sv('v'))).toBe(new FingerprintKey(winnerKey).fingerprint('r', 'f', sv('v')));
  });
});
