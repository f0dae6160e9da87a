// One shared instance per (a, b) for values a plan repeats across resources (paths, a create's
// fields): fewer objects alive while a large plan is, so less for the young-generation collector
// to copy. Emptied when it reaches `max` entries, so a long-lived process (tests) does not grow
// it without bound.

export class BoundedInterner<A, B, V> {
  readonly #byA = new Map<A, Map<B, V>>();
  #count = 0;

  /** `make` builds the value of a pair on its first use; it never returns undefined. */
  constructor(
    private readonly max: number,
    private readonly make: (a: A, b: B) => V,
  ) {}

  get(a: A, b: B): V {
    let byB = this.#byA.get(a);
    if (byB === undefined) this.#byA.set(a, (byB = new Map()));
    let v = byB.get(b);
    if (v === undefined) {
      if (this.#count >= this.max) {
        this.#byA.clear();
        this.#byA.set(a, byB);
        byB.clear();
        this.#count = 0;
      }
      byB.set(b, (v = this.make(a, b)));
      this.#count++;
    }
    return v;
  }
}
