import { WasmKernels } from "../kernels/module.js";
import { checkInteger } from "../_internals/check.js";
import { createRng, sampleWithoutReplacement } from "../_internals/random.js";
import { checkFeatures, checkSameCols, selectRows, type FeatureMatrix } from "./matrix.js";

/** Options of {@link kernelInceptionDistance}. */
export interface KernelInceptionDistanceOptions {
  /**
   * Number of random subsets the MMD² is averaged over.
   * @defaultValue 100
   */
  readonly subsets?: number;
  /**
   * Images per subset and side; clamped to the smaller set's size (with a warning).
   * @defaultValue 1000
   */
  readonly subsetSize?: number;
  /**
   * Seed of the subset draws.
   * @defaultValue 0
   */
  readonly seed?: number;
}

/** What {@link kernelInceptionDistance} returns. */
export interface KernelInceptionDistanceResult {
  /** Mean of the unbiased MMD² estimates over the subsets (can be slightly negative for close sets). */
  readonly mean: number;
  /** Standard deviation of the estimates over the subsets (population form, as the reference code). */
  readonly std: number;
  /** Subsets averaged. */
  readonly subsets: number;
  /** Images per subset and side. */
  readonly subsetSize: number;
  /** Images in the first set. */
  readonly n1: number;
  /** Images in the second set. */
  readonly n2: number;
  /** Feature dimensions. */
  readonly dims: number;
  /** E.g. that the subset size was clamped; empty when there is nothing to say. */
  readonly warnings: readonly string[];
}

/** Sum of the cubic polynomial kernel `(x·y / d + 1)³` over a block of dot products, optionally without its diagonal. */
function kernelSum(dots: Float64Array, m: number, d: number, skipDiagonal: boolean): number {
  const cube = (dot: number): number => {
    const t = dot / d + 1;
    return t * t * t;
  };
  let sum = 0;
  for (let i = 0; i < dots.length; i++) sum += cube(dots[i] ?? 0);
  if (skipDiagonal) for (let i = 0; i < m; i++) sum -= cube(dots[i * m + i] ?? 0);
  return sum;
}

/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of the squared maximum
 * mean discrepancy between two sets of features under the cubic polynomial kernel
 * `k(x, y) = (x·y / d + 1)³`, averaged over `subsets` random subsets of `subsetSize` images from
 * each side (mean ± std). Unlike FID it is unbiased, so it can be compared across sample sizes;
 * for two samples of one distribution it is 0 in expectation, and a single estimate can be
 * slightly negative, which is not an error. Computed in float64.
 *
 * @throws {@link InvalidArgumentError} on fewer than 2 rows, non-finite values, different
 *   dimensions, or bad options.
 *
 * @example
 * ```ts
 * const { mean, std } = kernelInceptionDistance(fakeFeatures, realFeatures, { seed: 1 });
 * ```
 */
export function kernelInceptionDistance(a: FeatureMatrix, b: FeatureMatrix, options: KernelInceptionDistanceOptions = {}): KernelInceptionDistanceResult {
  const { subsets = 100, subsetSize = 1000, seed = 0 } = options;
  checkFeatures("kernelInceptionDistance", "the first set", a, 2);
  checkFeatures("kernelInceptionDistance", "the second set", b, 2);
  checkSameCols("kernelInceptionDistance", a, "the first set", b, "the second set");
  checkInteger("kernelInceptionDistance", "options.subsets", subsets, 1);
  checkInteger("kernelInceptionDistance", "options.subsetSize", subsetSize, 2);
  const warnings: string[] = [];
  const m = Math.min(subsetSize, a.rows, b.rows);
  if (m < subsetSize) warnings.push(`subsetSize ${subsetSize} clamped to ${m}, the size of the smaller set`);
  const d = a.cols;
  const rng = createRng(seed);
  const kernels = WasmKernels.get();
  const estimates = new Float64Array(subsets);
  for (let s = 0; s < subsets; s++) {
    const x = selectRows(a, sampleWithoutReplacement(a.rows, m, rng));
    const y = selectRows(b, sampleWithoutReplacement(b.rows, m, rng));
    const kxx = kernelSum(kernels.dotProducts64(x.data, x.data, m, m, d), m, d, true);
    const kyy = kernelSum(kernels.dotProducts64(y.data, y.data, m, m, d), m, d, true);
    const kxy = kernelSum(kernels.dotProducts64(x.data, y.data, m, m, d), m, d, false);
    estimates[s] = (kxx + kyy) / (m * (m - 1)) - (2 * kxy) / (m * m);
  }
  const mean = estimates.reduce((t, v) => t + v, 0) / subsets;
  const std = Math.sqrt(estimates.reduce((t, v) => t + (v - mean) ** 2, 0) / subsets);
  return { mean, std, subsets, subsetSize: m, n1: a.rows, n2: b.rows, dims: d, warnings };
}
