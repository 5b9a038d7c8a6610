import type { ImageSet } from "../data/image-set.js";
import { InvalidArgumentError } from "../errors.js";
import { checkRange } from "../_internals/check.js";
import { forEachDotBlock } from "./linalg.js";
import { checkFeatures, checkSameCols, selectRows, type FeatureMatrix } from "./matrix.js";

/**
 * The pixels of every image as one row of float64 values in [0, 1] (the space of
 * {@link nearestRealSimilarity}).
 */
export function pixelFeatures(set: ImageSet): FeatureMatrix {
  const cols = set.height * set.width * (set.channels ?? 1);
  const data = new Float64Array(set.size * cols);
  for (let i = 0; i < data.length; i++) data[i] = (set.pixels[i] ?? 0) / 255;
  return { rows: set.size, cols, data };
}

/** A set of images (or features) with optional class labels, one per row. */
export interface LabelledFeatures {
  /** One row per image. */
  readonly features: FeatureMatrix;
  /** Class of each row (e.g. an oracle's labels); without labels every row is compared with every other. */
  readonly labels?: ArrayLike<number> | undefined;
}

/** Options of {@link nearestRealSimilarity}. */
export interface NearestRealSimilarityOptions {
  /**
   * Training images, for the memorisation signal: are samples closer to a training image than
   * held-out real images (the `real` set) are?
   */
  readonly train?: LabelledFeatures;
  /**
   * The quantile of the held-out images' similarity to the training set that a sample must
   * exceed to count as "closer than new real images".
   * @defaultValue 0.95
   */
  readonly quantile?: number;
}

/** What {@link nearestRealSimilarity} returns. */
export interface NearestRealSimilarityResult {
  /** Mean over samples of the largest cosine similarity to a real image of the sample's class. */
  readonly mean: number;
  /** That mean per class of the samples (`null` for a class no sample has). */
  readonly perClass: readonly (number | null)[];
  /** Each sample's largest cosine similarity to a real image of its class. */
  readonly perSample: Float64Array;
  /** Samples. */
  readonly n: number;
  /** Real images compared with. */
  readonly nReal: number;
  /** The memorisation signal, when `options.train` was given. */
  readonly memorisation?: {
    /** Share of samples more similar to a training image than `quantile` of held-out real images are. */
    readonly share: number;
    /** `1 − quantile`: the share expected of a model whose samples are as new as held-out digits. */
    readonly expected: number;
    /** The held-out images' similarity to the training set at the quantile. */
    readonly threshold: number;
    /** The quantile used. */
    readonly quantile: number;
    /** Training images. */
    readonly nTrain: number;
  };
}

/** Rows scaled to unit length (zero rows stay zero, similarity 0 to everything). */
function normalised(m: FeatureMatrix): FeatureMatrix {
  const data = Float64Array.from(m.data);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = i * m.cols; j < (i + 1) * m.cols; j++) s += (data[j] ?? 0) ** 2;
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = i * m.cols; j < (i + 1) * m.cols; j++) data[j] = (data[j] ?? 0) * scale;
  }
  return { ...m, data };
}

/** A set with unit-length rows and its rows grouped by class (one group without labels). */
interface UnitSet {
  readonly unit: FeatureMatrix;
  readonly groups: Map<number, number[]>;
  readonly labelled: boolean;
}

function unitSet(what: string, set: LabelledFeatures): UnitSet {
  const { labels, features } = set;
  if (labels !== undefined && labels.length !== features.rows) {
    throw new InvalidArgumentError(`nearestRealSimilarity: ${what} has ${features.rows} rows but ${labels.length} labels`);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < features.rows; i++) {
    const c = labels === undefined ? 0 : (labels[i] ?? 0);
    const list = groups.get(c) ?? [];
    list.push(i);
    groups.set(c, list);
  }
  return { unit: normalised(features), groups, labelled: labels !== undefined };
}

/**
 * For every row of `queries`, the largest cosine similarity to a row of `pool` of the same class
 * (−∞ where the pool lacks the class); every row of `pool` when either set has no labels.
 */
function bestMatches(queries: UnitSet, pool: UnitSet): Float64Array {
  const byClass = queries.labelled && pool.labelled;
  const best = new Float64Array(queries.unit.rows).fill(-Infinity);
  const everyRow = (set: UnitSet): Map<number, number[]> => new Map([[0, Array.from({ length: set.unit.rows }, (_, i) => i)]]);
  const poolGroups = byClass ? pool.groups : everyRow(pool);
  for (const [c, rows] of byClass ? queries.groups : everyRow(queries)) {
    const candidates = poolGroups.get(c);
    if (candidates === undefined) continue;
    const a = selectRows(queries.unit, rows);
    const b = selectRows(pool.unit, candidates);
    forEachDotBlock(a, b, (start, count, block) => {
      for (let r = 0; r < count; r++) {
        let m = -Infinity;
        for (let j = 0; j < b.rows; j++) m = Math.max(m, block[r * b.rows + j] ?? -Infinity);
        best[rows[start + r] ?? 0] = m;
      }
    });
  }
  return best;
}

/**
 * The published study's nearest-real-image check: for each generated image, its largest cosine
 * similarity to a real image of the same class (by the labels given, e.g. the oracle's), as the
 * mean, per class and per sample. High means samples look like real digits of their class; with
 * `options.train`, the memorisation signal says whether samples are closer to training images
 * than held-out real images are (a model that copies its training set scores well above
 * `1 − quantile`). Cosine similarity in whatever space the rows are in (pixels, via
 * {@link pixelFeatures}, in the study), float64, blocked through a matrix product.
 *
 * @param samples - generated images (rows) with their classes.
 * @param real - held-out real images (e.g. the test split) with their classes.
 * @throws {@link InvalidArgumentError} on empty sets, mismatched dimensions or label counts.
 *
 * @example
 * ```ts
 * const test = await loadMnist({ split: "test" });
 * const train = await loadMnist({ split: "train" });
 * const r = nearestRealSimilarity(
 *   { features: pixelFeatures(samples), labels: await oracle.predict(samples) },
 *   { features: pixelFeatures(test), labels: test.labels },
 *   { train: { features: pixelFeatures(train), labels: train.labels } },
 * );
 * ```
 */
export function nearestRealSimilarity(samples: LabelledFeatures, real: LabelledFeatures, options: NearestRealSimilarityOptions = {}): NearestRealSimilarityResult {
  const { train, quantile = 0.95 } = options;
  checkFeatures("nearestRealSimilarity", "samples.features", samples.features, 1);
  checkFeatures("nearestRealSimilarity", "real.features", real.features, 1);
  checkSameCols("nearestRealSimilarity", samples.features, "samples", real.features, "real");
  checkRange("nearestRealSimilarity", "options.quantile", quantile, 0, 1, true);
  // each set is normalised once (the training set is compared twice)
  const sampleSet = unitSet("samples", samples);
  const realSet = unitSet("real", real);
  const withLabels = sampleSet.labelled && realSet.labelled;
  const perSample = bestMatches(sampleSet, realSet);
  const sums = new Map<number, { sum: number; count: number }>();
  let total = 0;
  let counted = 0;
  perSample.forEach((v, i) => {
    if (v === -Infinity) return; // a class the real set lacks
    const c = withLabels ? (samples.labels?.[i] ?? 0) : 0;
    const e = sums.get(c) ?? { sum: 0, count: 0 };
    sums.set(c, { sum: e.sum + v, count: e.count + 1 });
    total += v;
    counted++;
  });
  const maxClass = Math.max(0, ...sums.keys());
  const perClass = Array.from({ length: maxClass + 1 }, (_, c) => {
    const e = sums.get(c);
    return e === undefined ? null : e.sum / e.count;
  });
  const result = { mean: counted > 0 ? total / counted : Number.NaN, perClass, perSample, n: samples.features.rows, nReal: real.features.rows };
  if (train === undefined) return result;
  checkFeatures("nearestRealSimilarity", "options.train.features", train.features, 1);
  checkSameCols("nearestRealSimilarity", samples.features, "samples", train.features, "options.train");
  const trainSet = unitSet("options.train", train);
  const heldOut = Array.from(bestMatches(realSet, trainSet)).filter((v) => v > -Infinity).sort((a, b) => a - b);
  const threshold = heldOut[Math.min(heldOut.length - 1, Math.floor(quantile * heldOut.length))] ?? Infinity;
  const toTrain = bestMatches(sampleSet, trainSet);
  const share = toTrain.reduce((t, v) => t + (v > threshold ? 1 : 0), 0) / toTrain.length;
  return { ...result, memorisation: { share, expected: 1 - quantile, threshold, quantile, nTrain: train.features.rows } };
}
