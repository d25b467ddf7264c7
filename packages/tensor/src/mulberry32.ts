/** A seeded generator of numbers in [0, 1): each call returns the next. */
export type Rng = () => number;

/**
 * mulberry32 (Tommy Ettinger): a 32-bit state generator, small, fast and reproducible
 * (the same seed, the same sequence on every platform). For host-side choices that
 * need no counter-based stream, such as test data or the order of a shuffle; training
 * randomness that must survive a resume comes from @cellstate/nn's `SeedStream`.
 */
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
