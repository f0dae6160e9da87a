// `kek rotate` next to applies: a row re-sealed between our re-wrap and our write (new DEK,
// new ciphertext) must keep its new credentials; the compare-and-swap leaves it alone and a
// later pass re-wraps the new DEK. And two rotations never run at once.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { freshDatabase, targets, type FreshDatabase } from '../support/db';
import { LocalKek } from '../../src/crypto/local-kek';
import type { Kek } from '../../src/crypto/kek';
import { rotateKek, type RotateOptions, type RotateProgress } from '../../src/app/kek-rotate';
import { ROTATE_LOCK_NAME, ROTATE_LOCK_NAMESPACE } from '../../src/state/lock';
import { countOn, envelopes, expectedValues, fingerprintKeyRow, readAll, resealRow, seedProviders, type Seeded } from './support';

const N = 50;

describe.each(targets)('kek rotate with concurrent applies on %s', (target) => {
  let fresh: FreshDatabase;
  let source: Kek;
  let dest: Kek;
  let seeded: Seeded[];

  beforeEach(async () => {
    fresh = await freshDatabase(target);
    source = LocalKek.fromKey(randomBytes(32), 'source');
    dest = LocalKek.fromKey(randomBytes(32), 'target');
    seeded = await seedProviders(fresh.db, source, N);
  });

  afterEach(async () => {
    await fresh.cleanup();
  });

  const base = (): RotateOptions => ({ source, target: dest, batchSize: 7, concurrency: 4, maxRatePerSecond: 0 });

  test('a row re-sealed with the old KEK meanwhile is not overwritten, and is re-done in pass 2 with its new value', async () => {
    const expected = expectedValues(seeded);
    let victim: string | undefined;
    const progress: RotateProgress[] = [];
    const s = await rotateKek(fresh.db, {
      ...base(),
      onProgress: (p) => progress.push(p),
      beforeWrite: async ({ pass, ids }) => {
        if (pass !== 1 || victim) return;
        victim = ids[2]!;
        // An apply with the old --kms rotates this provider's secret right now.
        const row = seeded.find((r) => r.id === victim)!;
        expected.set(row.name, 'sk-proj-rotated-by-a-concurrent-apply');
        await resealRow(fresh.db, source, victim, 'sk-proj-rotated-by-a-concurrent-apply');
      },
    });
    expect(s.passes).toEqual([
      { pass: 1, rewrapped: N - 1, changedConcurrently: 1 },
      { pass: 2, rewrapped: 1, changedConcurrently: 0 },
    ]);
    expect(s.rows).toMatchObject({ rewrapped: N, changedConcurrently: 1, remaining: 0, alreadyOnTarget: 0 });
    expect(s.fingerprintKey).toBe('rewrapped');
    // Every row, the victim with the value the apply wrote, readable with the target only.
    expect(await readAll(fresh.db, [dest])).toEqual(expected);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', pass: 2, committed: N, changedConcurrently: 1 });
  });

  test('a row re-sealed with the new KEK meanwhile is left as the apply wrote it; no second pass needed', async () => {
    const expected = expectedValues(seeded);
    let victim: string | undefined;
    let ciphertextOfApply: Buffer | undefined;
    const s = await rotateKek(fresh.db, {
      ...base(),
      beforeWrite: async ({ ids }) => {
        if (victim) return;
        victim = ids[0]!;
        expected.set(seeded.find((r) => r.id === victim)!.name, 'sk-proj-applied-with-the-new-kms');
        await resealRow(fresh.db, dest, victim, 'sk-proj-applied-with-the-new-kms');
        ciphertextOfApply = (await envelopes(fresh.db)).get(victim)!.ciphertext;
      },
    });
    expect(s.passes).toEqual([{ pass: 1, rewrapped: N - 1, changedConcurrently: 1 }]);
    expect(s.rows).toMatchObject({ rewrapped: N - 1, changedConcurrently: 1, remaining: 0 });
    expect((await envelopes(fresh.db)).get(victim!)!.ciphertext.equals(ciphertextOfApply!)).toBe(true);
    expect(await readAll(fresh.db, [dest])).toEqual(expected);
  });

  test('a row that changes in every pass: bounded, reported as remaining, the fingerprint key is left on the old KEK', async () => {
    let victim: string | undefined;
    let n = 0;
    const s = await rotateKek(fresh.db, {
      ...base(),
      beforeWrite: async ({ ids }) => {
        victim ??= ids[0]!;
        if (ids.includes(victim)) await resealRow(fresh.db, source, victim, `sk-proj-churn-${n++}`);
      },
    });
    // Pass 2 re-wraps nothing that sticks: no progress, so it stops there rather than spinning.
    expect(s.passes).toEqual([
      { pass: 1, rewrapped: N - 1, changedConcurrently: 1 },
      { pass: 2, rewrapped: 0, changedConcurrently: 1 },
    ]);
    expect(s.rows.remaining).toBe(1);
    expect(s.fingerprintKey).toBe('skipped');
    expect((await fingerprintKeyRow(fresh.db))?.kekId).toBe(source.id);
    expect(await countOn(fresh.db, source.id)).toBe(1);
    // Plans with the old --kms keep working, and the leftover row is readable with it.
    await readAll(fresh.db, [source, dest]);
  });

  test('ciphertext and IV are never written, whatever happens', async () => {
    const before = await envelopes(fresh.db);
    await rotateKek(fresh.db, base());
    const after = await envelopes(fresh.db);
    for (const [id, b] of before) {
      expect(after.get(id)!.ciphertext).toEqual(b.ciphertext);
      expect(after.get(id)!.iv).toEqual(b.iv);
    }
  });

  if (target === 'postgres') {
    test('a second rotation on the same database is refused while one holds the lock', async () => {
      const other = new Client({ connectionString: fresh.url, application_name: 'other kek rotate' });
      await other.connect();
      try {
        await other.query('select pg_advisory_lock($1, hashtext($2))', [ROTATE_LOCK_NAMESPACE, ROTATE_LOCK_NAME]);
        const err = await rotateKek(fresh.db, base()).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'LOCK_TIMEOUT' });
        expect((err as Error).message).toMatch(
          /^another `cvctl kek rotate` is running on this database \(pid \d+, application "other kek rotate", connected since .*\); wait for it to finish/,
        );
        expect(await countOn(fresh.db, source.id)).toBe(N);
        await other.query('select pg_advisory_unlock($1, hashtext($2))', [ROTATE_LOCK_NAMESPACE, ROTATE_LOCK_NAME]);
        const s = await rotateKek(fresh.db, base());
        expect(s.rows.rewrapped).toBe(N);
        // Released at the end: the lock is free again.
        const r = await other.query('select pg_try_advisory_lock($1, hashtext($2)) as ok', [ROTATE_LOCK_NAMESPACE, ROTATE_LOCK_NAME]);
        expect(r.rows[0].ok).toBe(true);
      } finally {
        await other.end();
      }
    });
  }
});
