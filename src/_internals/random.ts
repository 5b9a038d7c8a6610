import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

/** A seeded, jumpable pseudo-random generator (pure-rand's xoroshiro128+), mutated in place. */
export type Rng = JumpableRandomGenerator;

/** A generator seeded with `seed`, advanced to its `stream`-th independent sub-sequence. */
export function createRng(seed: number, stream = 0): Rng {
  const rng = xoroshiro128plus(seed | 0);
  for (let i = 0; i < stream; i++) rng.jump();
  return rng;
}

/** Restores a generator from `rng.getState()`. */
export function rngFromState(state: readonly number[]): Rng {
  return xoroshiro128plusFromState(state);
}

/** Uniform integer in `[from, to]`, both included. */
export function randomInt(rng: Rng, from: number, to: number): number {
  return uniformInt(rng, from, to);
}

/** A 31-bit seed drawn from `rng`, for tfjs ops that take a numeric seed. */
export function randomSeed(rng: Rng): number {
  return uniformInt(rng, 0, 0x7fffffff);
}

/** Shuffles `values` in place (Fisher–Yates) and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(values: T, rng: Rng): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const tmp = values[i] as number;
    values[i] = values[j] as number;
    values[j] = tmp;
  }
  return values;
}

/** `count` distinct indices of `[0, n)` in random order (a partial Fisher–Yates shuffle). */
export function sampleWithoutReplacement(n: number, count: number, rng: Rng): Uint32Array {
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < count; i++) {
    const j = uniformInt(rng, i, n - 1);
    const tmp = pool[i] ?? 0;
    pool[i] = pool[j] ?? 0;
    pool[j] = tmp;
  }
  return pool.subarray(0, count);
}

/** A standard normal draw (Box–Muller on two uniforms in (0, 1)). */
export function standardNormal(rng: Rng): number {
  const uniform = (): number => (uniformInt(rng, 1, 2 ** 30) - 0.5) / 2 ** 30;
  return Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}
