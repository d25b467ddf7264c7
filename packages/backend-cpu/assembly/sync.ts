// Thread barrier over shared linear memory (only in the threads build; a no-op otherwise).
//
// bar: [count i32, generation i32]. The last thread to arrive resets the count and bumps
// the generation; the others spin on the generation, then block in memory.atomic.wait32
// (only where the thread may block: a browser's main thread may not, so it keeps spinning).

const SPINS: i32 = 1 << 14;

export function barrier(bar: usize, nt: i32, canWait: i32): void {
  if (ASC_FEATURE_THREADS) {
    if (nt <= 1) return;
    const gen = atomic.load<i32>(bar, 4);
    if (atomic.add<i32>(bar, 1) == nt - 1) {
      atomic.store<i32>(bar, 0);
      atomic.add<i32>(bar, 1, 4);
      atomic.notify(bar + 4, nt);
    } else {
      let spins = 0;
      while (atomic.load<i32>(bar, 4) == gen) {
        if (canWait != 0 && ++spins > SPINS) memory.atomic.wait32(bar + 4, gen, -1);
      }
    }
  }
}
