import { InvalidArgumentError } from "../errors.js";
import { dotProducts, meanAndCovariance, symmetricEigen } from "./linalg.js";
import { checkFeatures, type FeatureMatrix } from "./matrix.js";

/** The Gaussian a set of features is summarised by: mean, covariance (N − 1) and sample count. */
export interface FeatureStatistics {
  /** Column means, `dims` values. */
  readonly mean: Float64Array;
  /** Covariance matrix, `dims × dims` row-major, divided by N − 1. */
  readonly covariance: Float64Array;
  /** Number of feature dimensions. */
  readonly dims: number;
  /** Number of images the statistics were computed from. */
  readonly count: number;
}

/**
 * Mean and covariance of a feature matrix (what {@link frechetDistance} compares); compute a
 * reference's statistics once and reuse them for every model.
 *
 * @throws {@link InvalidArgumentError} on fewer than 2 rows or non-finite values.
 */
export function featureStatistics(features: FeatureMatrix): FeatureStatistics {
  checkFeatures("featureStatistics", "features", features, 2);
  const { mean, covariance } = meanAndCovariance(features);
  return { mean, covariance, dims: features.cols, count: features.rows };
}

/** What {@link frechetDistance} returns. */
export interface FrechetDistanceResult {
  /** The Fréchet distance, ≥ 0. */
  readonly value: number;
  /** `‖μ₁ − μ₂‖²`, the part due to the means. */
  readonly meanTerm: number;
  /** `tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½`, the part due to the covariances. */
  readonly covarianceTerm: number;
  /** Images on each side. */
  readonly n1: number;
  /** Images on each side. */
  readonly n2: number;
  /** Feature dimensions. */
  readonly dims: number;
  /** Why the value may mislead (rank-deficient covariances); empty when there is nothing to say. */
  readonly warnings: readonly string[];
}

/** A covariance whose rank is below this share of the varying dimensions is reported as degenerate. */
const DEGENERATE_SHARE = 0.5;

/** Relative size under which an eigenvalue counts as zero when reporting a covariance's rank. */
const RANK_TOLERANCE = 1e-10;

/**
 * Eigenvalues above rounding noise: relative to the larger of the largest eigenvalue and the
 * features' own scale (the mean's square), so that the spread of identical images, itself
 * rounding noise, counts as rank 0.
 */
function rankOf(values: Float64Array, stats: FeatureStatistics): number {
  const meanSquare = stats.mean.reduce((t, v) => t + v * v, 0) / stats.dims;
  const scale = Math.max(0, ...values, meanSquare);
  return values.reduce((r, v) => r + (v > scale * RANK_TOLERANCE ? 1 : 0), 0);
}

/**
 * Fréchet distance between the Gaussians fitted to two sets of features (FID when the features
 * are an Inception network's, "FCD"/oracle FID here; Heusel et al. 2017):
 * `‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^½ Σ₂ Σ₁^½)^½`.
 *
 * Computed in float64 by the symmetric route: `Σ₁^½` from a symmetric eigendecomposition (negative
 * eigenvalues from rounding clipped to 0), then the eigenvalues of the symmetric positive
 * semi-definite `Σ₁^½ Σ₂ Σ₁^½` (negatives clipped), whose square roots sum to the trace term. A
 * general eigensolver (or `sqrtm`) on the non-symmetric `Σ₁ Σ₂` returns negative or complex
 * eigenvalues on rank-deficient input, the NaN / imaginary-part bug of several Python FID
 * implementations; this route cannot. Rank-deficient input (N ≤ dims, or a generator that
 * collapsed to a few images) gives a finite value and a warning.
 *
 * Covariances use N − 1; the result is biased upwards for small N, so compare FIDs only at equal N.
 *
 * @param a - features `[n1, d]`, or their {@link FeatureStatistics}.
 * @param b - features `[n2, d]`, or their {@link FeatureStatistics}.
 * @throws {@link InvalidArgumentError} on fewer than 2 rows, non-finite values, or different dimensions.
 *
 * @example
 * ```ts
 * const oracle = await loadOracle("mnist");
 * const real = await oracle.features(await loadMnist({ split: "test" }));
 * const fake = await oracle.features(imageSetFromTensor(gan.sample(10000), gan.pixelRange));
 * const { value, warnings } = frechetDistance(fake, real);
 * ```
 */
export function frechetDistance(a: FeatureMatrix | FeatureStatistics, b: FeatureMatrix | FeatureStatistics): FrechetDistanceResult {
  const s1 = "covariance" in a ? a : featureStatistics(a);
  const s2 = "covariance" in b ? b : featureStatistics(b);
  if (s1.dims !== s2.dims) {
    throw new InvalidArgumentError(`frechetDistance: the first set has ${s1.dims} feature dimensions, the second ${s2.dims}; both must come from the same feature extractor`);
  }
  const d = s1.dims;
  const warnings: string[] = [];
  for (const [s, which] of [[s1, "first"], [s2, "second"]] as const) {
    if (s.count <= d) {
      warnings.push(`the ${which} set has ${s.count} images for ${d} feature dimensions: its covariance is rank-deficient and FID is strongly biased; use more than ${d} images`);
    }
  }
  const e1 = symmetricEigen(s1.covariance, d);
  const rank1 = rankOf(e1.values, s1);
  // Σ₁^½ = V Λ^½ Vᵀ = (V Λ^¼)(V Λ^¼)ᵀ: one product of a matrix with its own transpose
  const scaled = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) scaled[i * d + j] = (e1.vectors[i * d + j] ?? 0) * Math.max(0, e1.values[j] ?? 0) ** 0.25;
  const sqrt1 = dotProducts({ rows: d, cols: d, data: scaled }, { rows: d, cols: d, data: scaled });
  // Σ₁^½ Σ₂ Σ₁^½ as A·Bᵀ products (both factors are symmetric)
  const left = dotProducts({ rows: d, cols: d, data: sqrt1 }, { rows: d, cols: d, data: s2.covariance });
  const middle = dotProducts({ rows: d, cols: d, data: left }, { rows: d, cols: d, data: sqrt1 });
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = ((middle[i * d + j] ?? 0) + (middle[j * d + i] ?? 0)) / 2;
      middle[i * d + j] = v;
      middle[j * d + i] = v;
    }
  }
  const traceSqrt = symmetricEigen(middle, d).values.reduce((sum, v) => sum + Math.sqrt(Math.max(0, v)), 0);
  const rank2 = rankOf(symmetricEigen(s2.covariance, d).values, s2);
  // dimensions that vary in either set (a feature layer can have units that never fire, e.g. dead
  // ReLUs: they are constant in every set and add nothing to the distance, so they are not a problem)
  const varying = Array.from({ length: d }, (_, i) => Math.max(s1.covariance[i * d + i] ?? 0, s2.covariance[i * d + i] ?? 0)).filter((v) => v > 0).length;
  for (const [rank, which] of [[rank1, "first"], [rank2, "second"]] as const) {
    if (rank < DEGENERATE_SHARE * varying && !warnings.some((w) => w.includes(which))) {
      warnings.push(`the ${which} set's covariance has rank ${rank}, while ${varying} feature dimensions vary (collapsed or duplicated images?): FID is finite but compares degenerate Gaussians`);
    }
  }
  let meanTerm = 0;
  let trace = 0;
  for (let i = 0; i < d; i++) {
    meanTerm += ((s1.mean[i] ?? 0) - (s2.mean[i] ?? 0)) ** 2;
    trace += (s1.covariance[i * d + i] ?? 0) + (s2.covariance[i * d + i] ?? 0);
  }
  const covarianceTerm = Math.max(0, trace - 2 * traceSqrt);
  return { value: meanTerm + covarianceTerm, meanTerm, covarianceTerm, n1: s1.count, n2: s2.count, dims: d, warnings };
}
