// The one seeded PRNG of the reliability suite (fuzzing, crash kill points, race rounds):
// mulberry32, small and fast, and the same sequence on every machine for one seed, so a failure
// message's seed replays it.

export type Rng = () => number;

/** Uniform in [0, 1), from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
