// Bounded concurrency and a client-side rate cap for the KEK calls of `kek rotate`.
//
// KMS quotas are per account and region and shared with every other workload there (the
// gateway decrypting credentials at request time among them), so a rotation must not take
// the whole quota: the token bucket caps calls per second, the pool caps calls in flight.

export type Clock = () => number;
export type Sleep = (ms: number) => Promise<void>;

export const defaultClock: Clock = () => performance.now();
export const defaultSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A token bucket: `ratePerSecond` tokens per second, at most `capacity` saved up. Callers are
 * served first come, first served, so no worker starves behind a stream of small requests.
 * A rate of 0 or Infinity means no cap.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly capacity: number;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();
  readonly #clock: Clock;
  readonly #sleep: Sleep;

  constructor(ratePerSecond: number, opts: { capacity?: number; clock?: Clock; sleep?: Sleep } = {}) {
    if (!(ratePerSecond >= 0)) throw new RangeError(`rate must be >= 0, not ${ratePerSecond}`);
    this.ratePerSecond = ratePerSecond === 0 ? Infinity : ratePerSecond;
    // A tenth of a second of burst: timers fire at ~1-4 ms granularity, so a bucket of one
    // token could not reach rates above a few hundred per second; a larger one lets a burst
    // exceed the cap. Over any one-second window the calls stay <= 1.1 x the rate.
    this.capacity = opts.capacity ?? Math.max(1, Math.ceil(this.ratePerSecond / 10));
    this.#clock = opts.clock ?? defaultClock;
    this.#sleep = opts.sleep ?? defaultSleep;
    this.#tokens = this.capacity;
    this.#last = this.#clock();
  }

  get unlimited(): boolean {
    return !Number.isFinite(this.ratePerSecond);
  }

  /** Resolves when `n` calls may be made. A request larger than the bucket waits for a full bucket and goes into debt. */
  take(n: number): Promise<void> {
    if (n <= 0 || this.unlimited) return Promise.resolve();
    const turn = this.#queue.then(() => this.#acquire(n));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #acquire(n: number): Promise<void> {
    const need = Math.min(n, this.capacity);
    for (;;) {
      const now = this.#clock();
      this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000);
      this.#last = now;
      if (this.#tokens >= need) {
        this.#tokens -= n;
        return;
      }
      await this.#sleep(Math.max(1, Math.ceil(((need - this.#tokens) * 1000) / this.ratePerSecond)));
    }
  }
}

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown } | undefined;

export interface BoundedResult<R> {
  /** Per item: its result, its error, or undefined when it was never started (after a failure). */
  results: Settled<R>[];
  /** The first failure, if any. */
  error: unknown;
  failed: boolean;
}

/**
 * Runs fn over items with at most `limit` in flight. After the first failure no new item is
 * started, but those in flight are awaited: their results are real work (a re-wrapped key
 * the caller can still commit) and must not be dropped or left running.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<BoundedResult<R>> {
  const results: Settled<R>[] = new Array<Settled<R>>(items.length).fill(undefined);
  let next = 0;
  let failed = false;
  let error: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await fn(items[i] as T, i) };
      } catch (e) {
        results[i] = { ok: false, error: e };
        if (!failed) {
          failed = true;
          error = e;
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  return { results, error, failed };
}
