// The machinery under `kek rotate` without a database: the token bucket (with a fake clock),
// the bounded pool, the progress bar's throttling and the summary's text.
import { TokenBucket, mapBounded } from '../../src/app/kek-rotate/pool';
import { ProgressBar, renderRotateSummary } from '../../src/render/kek-rotate';
import { kmsCallsPerRewrap } from '../../src/app/kek-rotate/sources';
import type { RotateProgress, RotateSummary } from '../../src/app/kek-rotate';
import type { Kek } from '../../src/crypto/kek';

function fakeTime(): { clock: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}

describe('TokenBucket', () => {
  test('a full bucket lets a burst through, then paces at the rate', async () => {
    const t = fakeTime();
    const b = new TokenBucket(100, { clock: t.clock, sleep: t.sleep }); // capacity 10
    expect(b.capacity).toBe(10);
    for (let i = 0; i < 10; i++) await b.take(1);
    expect(t.clock()).toBe(0);
    for (let i = 0; i < 100; i++) await b.take(1);
    // 100 more at 100/s: one second of fake time.
    expect(t.clock()).toBeGreaterThanOrEqual(990);
    expect(t.clock()).toBeLessThanOrEqual(1010);
  });

  test('waiters are served in order, and a request larger than the bucket goes into debt', async () => {
    const t = fakeTime();
    const b = new TokenBucket(10, { clock: t.clock, sleep: t.sleep, capacity: 2 });
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((i) => b.take(i === 3 ? 5 : 1).then(() => order.push(i))));
    expect(order).toEqual([1, 2, 3, 4]);
    // 1 + 1 from the bucket; 5 waits for a full bucket (2) and owes 3; 4 waits for the debt and 1 more.
    expect(t.clock()).toBeGreaterThanOrEqual(600);
  });

  test('rate 0 and cost 0 never wait', async () => {
    const t = fakeTime();
    const unlimited = new TokenBucket(0, { clock: t.clock, sleep: t.sleep });
    for (let i = 0; i < 1000; i++) await unlimited.take(1);
    const slow = new TokenBucket(1, { clock: t.clock, sleep: t.sleep });
    for (let i = 0; i < 1000; i++) await slow.take(0);
    expect(t.slept).toEqual([]);
  });
});

describe('mapBounded', () => {
  test('never more than `limit` in flight, results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await mapBounded([...Array(50).keys()], 4, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, i % 3));
      inFlight--;
      return i * 2;
    });
    expect(peak).toBe(4);
    expect(r.failed).toBe(false);
    expect(r.results.map((x) => (x?.ok ? x.value : null))).toEqual([...Array(50).keys()].map((i) => i * 2));
  });

  test('after a failure no new item starts, but those in flight finish and are returned', async () => {
    const started: number[] = [];
    const r = await mapBounded([...Array(20).keys()], 3, async (i) => {
      started.push(i);
      if (i === 4) throw new Error('boom');
      await new Promise((res) => setTimeout(res, 5));
      return i;
    });
    expect(r.failed).toBe(true);
    expect((r.error as Error).message).toBe('boom');
    expect(started.length).toBeLessThan(20);
    expect(r.results.filter((x) => x?.ok).length).toBe(started.length - 1);
    expect(r.results.slice(started.length + 1).every((x) => x === undefined)).toBe(true);
  });
});

test('KMS calls per rewrap: ReEncrypt in one region, Decrypt + Encrypt across regions, none locally', () => {
  const k = (id: string): Kek => ({ id }) as Kek;
  const a = k('arn:aws:kms:eu-west-1:111122223333:key/aaaa');
  const b = k('arn:aws:kms:eu-west-1:111122223333:key/bbbb');
  const us = k('arn:aws:kms:us-east-1:111122223333:key/cccc');
  const local = k('local:0123456789abcdef');
  expect(kmsCallsPerRewrap(a, b)).toBe(1);
  expect(kmsCallsPerRewrap(a, us)).toBe(2);
  expect(kmsCallsPerRewrap(local, a)).toBe(1);
  expect(kmsCallsPerRewrap(a, local)).toBe(1);
  expect(kmsCallsPerRewrap(local, local)).toBe(0);
});

describe('ProgressBar', () => {
  const p = (rewrapped: number, phase: RotateProgress['phase'] = 'rows'): RotateProgress => ({
    phase,
    pass: 1,
    total: 1000,
    committed: rewrapped,
    rewrapped,
    changedConcurrently: 0,
  });

  test('redraws at most every 100 ms with \\r, always draws the end, and clears itself', () => {
    let now = 0;
    const out: string[] = [];
    const bar = new ProgressBar((s) => out.push(s), () => now);
    for (let i = 0; i <= 1000; i++) {
      now = i; // 1 ms per row: 1 s in all
      bar.update(p(i));
    }
    bar.update(p(1000, 'done'));
    bar.end();
    expect(out.length).toBeLessThanOrEqual(13);
    expect(out.every((s) => s.startsWith('\r'))).toBe(true);
    expect(out.at(-2)).toBe('\r[##############################] 1,000/1,000 rows 100% 1,000 rows/s\x1b[K');
    expect(out.at(-1)).toBe('\r\x1b[K');
  });
});

test('text summary: counts, the pass that re-did concurrent changes, KMS calls, rate', () => {
  const s: RotateSummary = {
    dryRun: false,
    source: 'local:0123456789abcdef',
    target: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    rows: { withCredentials: 1200, withoutCredentials: 3, rewrapped: 1000, alreadyOnTarget: 200, changedConcurrently: 2, remaining: 0 },
    fromKeks: { 'local:0123456789abcdef': 1000 },
    passes: [
      { pass: 1, rewrapped: 998, changedConcurrently: 2 },
      { pass: 2, rewrapped: 2, changedConcurrently: 0 },
    ],
    fingerprintKey: 'rewrapped',
    kmsCalls: { source: 0, target: 1004, other: 0, total: 1004 },
    elapsedMs: 3210,
    rowsPerSecond: 312,
  };
  expect(renderRotateSummary(s, 'text')).toBe(
    [
      'Rotated the key-encryption key: local:0123456789abcdef -> arn:aws:kms:eu-west-1:111122223333:key/k',
      '  rows re-wrapped:        1,000',
      '  already on the target:  200',
      '  changed concurrently:   2 (2 re-done in pass 2)',
      '  without credentials:    3',
      '  fingerprint key:        re-wrapped',
      '  KMS calls:              1,004 (source 0, target 1,004; opening the keys and the preflight check included)',
      '  elapsed:                3.2 s (312 rows/s)',
      '',
    ].join('\n'),
  );
  expect(JSON.parse(renderRotateSummary(s, 'json'))).toEqual(s);
});
