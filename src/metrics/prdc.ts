import { InvalidArgumentError } from "../errors.js";
import { checkInteger } from "../_internals/check.js";
import { forEachDotBlock } from "./linalg.js";
import { checkFeatures, checkSameCols, rowSquaredNorms, type FeatureMatrix } from "./matrix.js";

/** Options of {@link precisionRecall}. */
export interface PrecisionRecallOptions {
  /**
   * The k of the k-nearest-neighbour balls.
   * @defaultValue 3
   */
  readonly k?: number;
}

/** What {@link precisionRecall} returns. */
export interface PrecisionRecallResult {
  /** Share of generated images inside the real manifold, in [0, 1] (quality). */
  readonly precision: number;
  /** Share of real images inside the generated manifold, in [0, 1] (diversity). */
  readonly recall: number;
  /** The k used. */
  readonly k: number;
  /** Real images. */
  readonly nReal: number;
  /** Generated images. */
  readonly nFake: number;
}

/** Options of {@link densityCoverage}. */
export interface DensityCoverageOptions {
  /**
   * The k of the k-nearest-neighbour balls around real images.
   * @defaultValue 5
   */
  readonly k?: number;
}

/** What {@link densityCoverage} returns. */
export interface DensityCoverageResult {
  /** Mean number of real balls a generated image falls in, divided by k (1 on average for a perfect model; can exceed 1). */
  readonly density: number;
  /** Share of real images whose ball holds at least one generated image, in [0, 1]. */
  readonly coverage: number;
  /** The k used. */
  readonly k: number;
  /** Real images. */
  readonly nReal: number;
  /** Generated images. */
  readonly nFake: number;
}

/** Squared distances from a block of dot products: `|a|² + |b|² − 2 a·b`, clamped at 0. */
const squared = (na: number, nb: number, dot: number): number => Math.max(0, na + nb - 2 * dot);

/**
 * The squared distance of every row of `x` to its k-th nearest other row, for each k of `ks`
 * (the row itself is excluded by index, so a duplicate image is a neighbour at distance 0).
 */
function neighbourRadii(x: FeatureMatrix, norms: Float64Array, ks: readonly number[]): Float64Array[] {
  const kmax = Math.max(...ks);
  const n = x.rows;
  const nearest = new Float64Array(n * kmax).fill(Infinity); // per row, the kmax smallest, ascending
  forEachDotBlock(x, x, (start, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      const ni = norms[i] ?? 0;
      const top = nearest.subarray(i * kmax, (i + 1) * kmax);
      let worst = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = squared(ni, norms[j] ?? 0, block[r * n + j] ?? 0);
        if (d >= worst) continue;
        let p = kmax - 1;
        while (p > 0 && (top[p - 1] ?? Infinity) > d) {
          top[p] = top[p - 1] ?? Infinity;
          p--;
        }
        top[p] = d;
        worst = top[kmax - 1] ?? Infinity;
      }
    }
  });
  return ks.map((k) => Float64Array.from({ length: n }, (_, i) => nearest[i * kmax + k - 1] ?? Infinity));
}

function checkSets(owner: string, real: FeatureMatrix, fake: FeatureMatrix): void {
  checkFeatures(owner, "real", real, 2);
  checkFeatures(owner, "fake", fake, 1);
  checkSameCols(owner, real, "real", fake, "fake");
}

/** Throws unless `set` has more than `k` images (each needs a k-th neighbour other than itself). */
function checkNeighbours(owner: string, kName: string, k: number, set: FeatureMatrix, setName: string): void {
  checkInteger(owner, kName, k, 1);
  if (set.rows <= k) {
    throw new InvalidArgumentError(`${owner}: ${setName} has ${set.rows} images; ${kName} = ${k} needs at least ${k + 1} (each image's k-th neighbour other than itself)`);
  }
}

/** Both results of {@link prdc}. */
export interface PrdcResult {
  /** Precision and recall (k = `kPrecisionRecall`). */
  readonly precisionRecall: PrecisionRecallResult;
  /** Density and coverage (k = `kDensityCoverage`). */
  readonly densityCoverage: DensityCoverageResult;
}

/** Options of {@link prdc}. */
export interface PrdcOptions {
  /**
   * The k of precision and recall.
   * @defaultValue 3
   */
  readonly kPrecisionRecall?: number;
  /**
   * The k of density and coverage.
   * @defaultValue 5
   */
  readonly kDensityCoverage?: number;
}

/**
 * The four counts over one pass of the real × fake distances. `kpr` undefined: no precision or
 * recall (and no fake × fake distances); `kdc` undefined: no density or coverage.
 */
function manifoldCounts(real: FeatureMatrix, fake: FeatureMatrix, kpr: number | undefined, kdc: number | undefined) {
  const realNorms = rowSquaredNorms(real);
  const fakeNorms = rowSquaredNorms(fake);
  const ks = [kpr, kdc].filter((k): k is number => k !== undefined);
  const radii = neighbourRadii(real, realNorms, ks);
  const realPr = kpr === undefined ? undefined : radii[0];
  const realDc = kdc === undefined ? undefined : radii[radii.length - 1];
  const fakePr = kpr === undefined ? undefined : neighbourRadii(fake, fakeNorms, [kpr])[0];
  const nReal = real.rows;
  const nFake = fake.rows;
  const fakeInReal = new Uint8Array(nFake); // precision: inside some real ball
  const realInFake = new Uint8Array(nReal); // recall: inside some fake ball
  const ballsHit = new Float64Array(nFake); // density: real balls (k = kdc) each fake falls in
  let covered = 0; // coverage: real balls (k = kdc) holding a fake
  forEachDotBlock(real, fake, (start, rows, block) => {
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      const ni = realNorms[i] ?? 0;
      const rPr = realPr?.[i] ?? -1;
      const rDc = realDc?.[i] ?? -1;
      let nearest = Infinity;
      let inFake = 0;
      for (let j = 0; j < nFake; j++) {
        const d = squared(ni, fakeNorms[j] ?? 0, block[r * nFake + j] ?? 0);
        if (d <= rPr) fakeInReal[j] = 1;
        if (d <= rDc) ballsHit[j] = (ballsHit[j] ?? 0) + 1;
        if (fakePr !== undefined && d <= (fakePr[j] ?? -1)) inFake = 1;
        if (d < nearest) nearest = d;
      }
      realInFake[i] = inFake;
      if (nearest <= rDc) covered++;
    }
  });
  const mean = (a: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] ?? 0;
    return s / a.length;
  };
  return {
    precisionRecall: kpr === undefined ? undefined : { precision: mean(fakeInReal), recall: mean(realInFake), k: kpr, nReal, nFake },
    densityCoverage: kdc === undefined ? undefined : { density: mean(ballsHit) / kdc, coverage: covered / nReal, k: kdc, nReal, nFake },
  };
}

/**
 * Precision, recall, density and coverage in one pass over the distance matrices (the real-real,
 * fake-fake and real-fake distances are each computed once, blocked through a float64 matrix
 * product). See {@link precisionRecall} and {@link densityCoverage}.
 *
 * @param real - real features `[nReal, d]`.
 * @param fake - generated features `[nFake, d]`.
 * @throws {@link InvalidArgumentError} as {@link precisionRecall}, naming the k option at fault.
 *
 * @example
 * ```ts
 * const { precisionRecall, densityCoverage } = prdc(realFeatures, fakeFeatures);
 * ```
 */
export function prdc(real: FeatureMatrix, fake: FeatureMatrix, options: PrdcOptions = {}): PrdcResult {
  const { kPrecisionRecall: kpr = 3, kDensityCoverage: kdc = 5 } = options;
  checkSets("prdc", real, fake);
  checkNeighbours("prdc", "options.kPrecisionRecall", kpr, real, "real");
  checkNeighbours("prdc", "options.kPrecisionRecall", kpr, fake, "fake");
  checkNeighbours("prdc", "options.kDensityCoverage", kdc, real, "real");
  const counts = manifoldCounts(real, fake, kpr, kdc);
  return { precisionRecall: counts.precisionRecall as PrecisionRecallResult, densityCoverage: counts.densityCoverage as DensityCoverageResult };
}

/**
 * Improved precision and recall (Kynkäänniemi et al. 2019). Each image gets a ball whose radius is
 * the distance to its k-th nearest neighbour in its own set (other than itself); precision is the
 * share of generated images inside at least one real ball (`<=`), recall the share of real images
 * inside at least one generated ball. Both stay below 1 even for two samples of one distribution
 * (a k-NN ball does not hold every new point). Distances are Euclidean in float64, blocked
 * through a matrix product, so 10,000 × 10,000 features take seconds.
 *
 * @throws {@link InvalidArgumentError} when a set has k or fewer images, non-finite values, or the
 *   sets' dimensions differ.
 *
 * @example
 * ```ts
 * const { precision, recall } = precisionRecall(realFeatures, fakeFeatures);
 * ```
 */
export function precisionRecall(real: FeatureMatrix, fake: FeatureMatrix, options: PrecisionRecallOptions = {}): PrecisionRecallResult {
  const { k = 3 } = options;
  checkSets("precisionRecall", real, fake);
  checkNeighbours("precisionRecall", "options.k", k, real, "real");
  checkNeighbours("precisionRecall", "options.k", k, fake, "fake");
  return manifoldCounts(real, fake, k, undefined).precisionRecall as PrecisionRecallResult;
}

/**
 * Density and coverage (Naeem et al. 2020), more robust to outliers than precision and recall.
 * Balls of radius "distance to the k-th nearest other real image" around real images only;
 * density is the mean number of balls a generated image falls in, divided by k; coverage is the
 * share of real balls that hold at least one generated image. Ball membership is `<=`, as for
 * precision and recall (the `prdc` Python package uses `<`; the two differ only for exact ties).
 *
 * @throws {@link InvalidArgumentError} as {@link precisionRecall}.
 *
 * @example
 * ```ts
 * const { density, coverage } = densityCoverage(realFeatures, fakeFeatures, { k: 5 });
 * ```
 */
export function densityCoverage(real: FeatureMatrix, fake: FeatureMatrix, options: DensityCoverageOptions = {}): DensityCoverageResult {
  const { k = 5 } = options;
  checkSets("densityCoverage", real, fake);
  checkNeighbours("densityCoverage", "options.k", k, real, "real");
  return manifoldCounts(real, fake, undefined, k).densityCoverage as DensityCoverageResult;
}
