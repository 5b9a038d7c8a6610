/**
 * Splits `[0, total)` into at most `parts` non-empty, consecutive ranges of near-equal size whose
 * boundaries are multiples of `align` (except the end, `total`).
 * @returns `[start, end)` pairs covering `[0, total)` in order; empty when `total` is 0.
 */
export function splitRange(total: number, parts: number, align = 1): Array<[number, number]> {
  const blocks = Math.ceil(total / align);
  const count = Math.max(1, Math.min(parts, blocks));
  const ranges: Array<[number, number]> = [];
  let start = 0;
  for (let i = 0; i < count && start < total; i++) {
    const endBlock = Math.round(((i + 1) * blocks) / count);
    const end = Math.min(total, endBlock * align);
    if (end > start) ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/**
 * Floating-point operations below which one more thread costs more (waking it, sharing caches)
 * than it saves. Measured on the presets' steps (2 cores, Node 24, alternating runs): since the
 * threads claim a job's calls from a shared counter, 5e6 made the MLP VAE 5% faster than 1e7 and
 * the MLP GAN 1% faster (2.5e6 gained nothing more; Conv VAE unchanged). With one fixed call per
 * thread, 4e6 had made the MLP VAE slower on 2 threads than on 1.
 */
export const MIN_FLOPS_PER_THREAD = 5e6;

let minFlopsPerThread = MIN_FLOPS_PER_THREAD;

/** Overrides {@link MIN_FLOPS_PER_THREAD} (tests set 0 to split even tiny work); returns the previous value. */
export function setMinFlopsPerThread(flops: number): number {
  const previous = minFlopsPerThread;
  minFlopsPerThread = flops;
  return previous;
}

/**
 * Elements of a memory-bound pass (elementwise ops, Adam, dropout, batch-norm sums) below which
 * one more thread costs more than it saves. Such a pass runs a few elements a nanosecond, so
 * {@link MIN_FLOPS_PER_THREAD}'s products (each output element a dot product) are no yardstick
 * for it: the former 1e7 "flops" kept every pass of the presets on one thread. Measured on the default
 * presets' steps (2 cores, Node 24, alternating runs): 32,768 made the MLP GAN, Conv VAE and
 * WGAN-GP 3–5% faster than one thread per pass; 4,096 and 8,192 gained nothing on the MLP GAN.
 */
export const MIN_ELEMENTS_PER_THREAD = 32_768;

let minElementsPerThread = MIN_ELEMENTS_PER_THREAD;

/** Overrides {@link MIN_ELEMENTS_PER_THREAD}; returns the previous value. */
export function setMinElementsPerThread(elements: number): number {
  const previous = minElementsPerThread;
  minElementsPerThread = elements;
  return previous;
}

/** One thread per `perThread` of `work`, at least 1 and at most `threads` (all of them when `perThread` ≤ 0). */
function threadsPer(work: number, perThread: number, threads: number): number {
  if (perThread <= 0) return threads;
  return Math.max(1, Math.min(threads, Math.floor(work / perThread)));
}

/** How many threads a memory-bound pass over `elements` elements is worth, at most `threads`. */
export function threadsForPass(elements: number, threads: number): number {
  return threadsPer(elements, minElementsPerThread, threads);
}

/** How many threads work of `flops` floating-point operations is worth, at most `threads`. */
export function threadsFor(flops: number, threads: number): number {
  return threadsPer(flops, minFlopsPerThread, threads);
}
