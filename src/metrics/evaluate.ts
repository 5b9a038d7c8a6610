import type { ImageSet } from "../data/image-set.js";
import { sampleImageSet } from "../data/image-set.js";
import { loadFashionMnist, loadMnist } from "../data/mnist.js";
import { InvalidArgumentError } from "../errors.js";
import type { GenerativeModel, LatentSampler } from "../nn/model.js";
import { VAE } from "../vae/vae.js";
import { checkInteger } from "../_internals/check.js";
import { classCoverage, type ClassCoverageResult } from "./class-coverage.js";
import { featureStatistics, frechetDistance, type FeatureStatistics, type FrechetDistanceResult } from "./fid.js";
import { inceptionScore, type InceptionScoreResult } from "./inception-score.js";
import { kernelInceptionDistance, type KernelInceptionDistanceOptions, type KernelInceptionDistanceResult } from "./kid.js";
import { argmaxRows, Oracle, type OracleEmbedding } from "./oracle.js";
import { loadOracle, type ShippedOracle } from "./oracle-io.js";
import { prdc, type DensityCoverageResult, type PrecisionRecallResult } from "./prdc.js";
import { sampleImages } from "./samples.js";
import { nearestRealSimilarity, pixelFeatures, type NearestRealSimilarityResult } from "./similarity.js";
import { elbo, importanceWeightedNll, reconstructionError, type ElboResult, type ImportanceWeightedNllResult, type ReconstructionErrorResult } from "./vae-likelihood.js";

/**
 * A metric {@link evaluate} can compute:
 * `fid` Fréchet distance, `kid` kernel inception distance, `is` inception (classifier) score,
 * `pr` precision/recall, `dc` density/coverage (its `coverage` is the share of real images whose
 * neighbourhood holds a sample), `classes` class coverage (classes covered, entropy, largest
 * deviation; `coverage` is accepted as another name for it), `similarity` nearest-real cosine
 * similarity and memorisation, and for VAE models `recon` reconstruction error, `elbo` the
 * evidence lower bound, `nll` the importance-weighted negative log-likelihood.
 */
export type MetricName = "fid" | "kid" | "is" | "pr" | "dc" | "classes" | "coverage" | "similarity" | "recon" | "elbo" | "nll";

/** Every {@link MetricName}. */
export const METRIC_NAMES: readonly MetricName[] = ["fid", "kid", "is", "pr", "dc", "classes", "coverage", "similarity", "recon", "elbo", "nll"];

/** Metrics of samples, computed for every source by default. */
export const SAMPLE_METRICS: readonly MetricName[] = ["fid", "kid", "is", "pr", "dc", "classes"];

/** Metrics that need a VAE (its encoder), added by default when the source is one. */
export const VAE_METRICS: readonly MetricName[] = ["recon", "elbo", "nll"];

/** A real dataset split {@link evaluate} can load by name (offline). */
export type ReferenceName = "mnist-test" | "mnist-train" | "fashion-mnist-test" | "fashion-mnist-train";

/** Every {@link ReferenceName}. */
export const REFERENCE_NAMES: readonly ReferenceName[] = ["mnist-test", "mnist-train", "fashion-mnist-test", "fashion-mnist-train"];

/** A reference set with its oracle features computed once, to evaluate many sources against (see {@link prepareReference}). */
export interface PreparedReference {
  /** The real images. */
  readonly images: ImageSet;
  /** The oracle the features come from. */
  readonly oracle: Oracle;
  /** Oracle features and logits of the images. */
  readonly embedding: OracleEmbedding;
  /** Mean and covariance of the features. */
  readonly statistics: FeatureStatistics;
  /** The oracle's label of every image. */
  readonly predicted: Int32Array;
  /** The training split of the same data (for `similarity`'s memorisation signal), loaded when first needed. */
  readonly trainSplit?: ReferenceName | undefined;
}

/** Options of {@link prepareReference}. */
export interface PrepareReferenceOptions {
  /**
   * The oracle: a loaded one, a shipped one by name, or a folder written by `saveOracle`.
   * @defaultValue `"fashion-mnist"` for Fashion-MNIST references, else `"mnist"`
   */
  readonly oracle?: Oracle | ShippedOracle | string;
  /** Use `n` reference images, a seeded random subset when the set has more. @defaultValue 10000 */
  readonly n?: number;
  /**
   * Seed of that subset.
   * @defaultValue 0
   */
  readonly seed?: number;
  /** Images per oracle pass. @defaultValue 500 */
  readonly batchSize?: number;
}

const isPrepared = (r: unknown): r is PreparedReference => typeof r === "object" && r !== null && "embedding" in r && "statistics" in r;

async function loadReference(name: ReferenceName): Promise<ImageSet> {
  const [dataset, split] = name.startsWith("fashion-mnist") ? (["fashion-mnist", name.slice(14)] as const) : (["mnist", name.slice(6)] as const);
  const load = dataset === "mnist" ? loadMnist : loadFashionMnist;
  return load({ split: split as "train" | "test" });
}

/** Training splits loaded for `similarity`, once per prepared reference. */
const trainSplits = new WeakMap<PreparedReference, Promise<ImageSet>>();

function trainSplitOf(reference: PreparedReference): Promise<ImageSet> | undefined {
  if (reference.trainSplit === undefined) return undefined;
  let loaded = trainSplits.get(reference);
  if (loaded === undefined) {
    loaded = loadReference(reference.trainSplit);
    trainSplits.set(reference, loaded);
  }
  return loaded;
}

/** The shipped oracle that knows a reference's data. */
const oracleFor = (reference: string): ShippedOracle => (reference.startsWith("fashion-mnist") ? "fashion-mnist" : "mnist");

/**
 * Loads (when named) a reference set and computes its oracle features once, so that many models
 * can be evaluated against it without recomputing them (the `Evaluate` callback does this).
 * Dispose the reference's oracle (`reference.oracle.dispose()`) when done, unless you passed your own.
 *
 * @example
 * ```ts
 * const reference = await prepareReference("mnist-test");
 * for (const model of models) console.log(metricValues(await evaluate(model, { reference })));
 * ```
 */
export async function prepareReference(reference: ImageSet | ReferenceName, options: PrepareReferenceOptions = {}): Promise<PreparedReference> {
  const { n = 10000, batchSize = 500, seed = 0 } = options;
  checkInteger("prepareReference", "options.n", n, 2);
  let images: ImageSet;
  let trainSplit: ReferenceName | undefined;
  if (typeof reference === "string") {
    if (!(REFERENCE_NAMES as readonly string[]).includes(reference)) {
      throw new InvalidArgumentError(`prepareReference: unknown reference ${JSON.stringify(reference)}; expected one of ${REFERENCE_NAMES.join(", ")} or an ImageSet`);
    }
    images = await loadReference(reference);
    if (reference.endsWith("-test")) trainSplit = reference.replace(/-test$/, "-train") as ReferenceName;
  } else {
    images = reference;
  }
  images = sampleImageSet(images, n, seed);
  if (images.size < 2) throw new InvalidArgumentError(`prepareReference: the reference ${images.name} has ${images.size} image(s); metrics need at least 2`);
  const oracleOption = options.oracle ?? oracleFor(typeof reference === "string" ? reference : images.name);
  const oracle = oracleOption instanceof Oracle ? oracleOption : await loadOracle(oracleOption);
  try {
    const embedding = await oracle.embed(images, { batchSize });
    return { images, oracle, embedding, statistics: featureStatistics(embedding.features), predicted: argmaxRows(embedding.logits), trainSplit };
  } catch (err) {
    if (!(oracleOption instanceof Oracle)) oracle.dispose();
    throw err;
  }
}

/** Options of the `nll` metric of {@link evaluate}. */
export interface NllEvaluationOptions {
  /**
   * Importance samples per image.
   * @defaultValue 100
   */
  readonly k?: number;
  /**
   * Reference images evaluated (the first ones).
   * @defaultValue 1000
   */
  readonly n?: number;
}

/** What an {@link EvaluationReport} evaluated. */
export interface EvaluationSource {
  /** A model (its samples) or a set of images. */
  readonly kind: "model" | "images";
  /** The model's or the set's name. */
  readonly name: string;
  /** Images evaluated. */
  readonly n: number;
  /** Where a model's latents came from (`"prior"`, or the sampler's name, e.g. `"lsa"`); absent for images. */
  readonly sampler?: string;
}

/** The real images of an {@link EvaluationReport}. */
export interface EvaluationReference {
  /** The set's name, e.g. `"mnist/test"`. */
  readonly name: string;
  /** Images used. */
  readonly n: number;
}

/** The oracle of an {@link EvaluationReport}. */
export interface EvaluationOracle {
  /** Its name, e.g. `"mnist"`. */
  readonly name: string;
  /** Its accuracy on its test split, when known. */
  readonly testAccuracy: number | null;
  /** Dimensions of its feature space. */
  readonly featureDim: number;
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /**
   * Real images to compare with: a split by name, your own {@link ImageSet}, or a
   * {@link PreparedReference}.
   * @defaultValue "mnist-test"
   */
  readonly reference?: ImageSet | ReferenceName | PreparedReference;
  /**
   * Images on each side: samples generated, and images used of the reference and of a given set
   * (a seeded random subset of a larger one).
   * @defaultValue 10000
   */
  readonly n?: number;
  /**
   * Which metrics; see {@link MetricName}.
   * @defaultValue {@link SAMPLE_METRICS}, plus {@link VAE_METRICS} for a VAE
   */
  readonly metrics?: readonly MetricName[];
  /**
   * Seed of the samples' latents, KID's subsets and the VAE metrics' draws.
   * @defaultValue 0
   */
  readonly seed?: number;
  /**
   * The oracle (ignored with a {@link PreparedReference}, which has its own).
   * @defaultValue the shipped oracle of the reference's dataset
   */
  readonly oracle?: Oracle | ShippedOracle | string;
  /** Training images for `similarity`'s memorisation signal. @defaultValue the reference's training split, when it is named */
  readonly train?: ImageSet;
  /** Options of `nll`. */
  readonly nll?: NllEvaluationOptions;
  /** Options of `kid` (subsets, subset size); its seed is `seed`. */
  readonly kid?: Omit<KernelInceptionDistanceOptions, "seed">;
  /**
   * Images per forward pass of the oracle, the sampler and the VAE metrics (the IWAE NLL batches
   * `floor(2000 / k)` images, k draws each).
   * @defaultValue 500
   */
  readonly batchSize?: number;
  /** Where a model's latents come from (a fitted {@link LatentSampler}). @defaultValue the prior N(0, I) */
  readonly sampler?: LatentSampler;
  /** Called with a line on each stage (e.g. to show progress). */
  readonly onProgress?: (message: string) => void;
}

/** The metrics of an {@link EvaluationReport}; a field is present when its metric was asked for. */
export interface EvaluationMetrics {
  /** `fid`. */
  readonly fid?: FrechetDistanceResult;
  /** `kid`. */
  readonly kid?: KernelInceptionDistanceResult;
  /** `is`. */
  readonly inceptionScore?: InceptionScoreResult;
  /** `pr`. */
  readonly precisionRecall?: PrecisionRecallResult;
  /** `dc`. */
  readonly densityCoverage?: DensityCoverageResult;
  /** `classes` (or `coverage`). */
  readonly classCoverage?: ClassCoverageResult;
  /** `similarity` (without the per-sample values). */
  readonly similarity?: Omit<NearestRealSimilarityResult, "perSample">;
  /** `recon`. */
  readonly reconstruction?: ReconstructionErrorResult;
  /** `elbo`. */
  readonly elbo?: ElboResult;
  /** `nll`. */
  readonly nll?: ImportanceWeightedNllResult;
}

/** What {@link evaluate} returns: every metric asked for, with the counts and the oracle behind them. */
export interface EvaluationReport {
  /** What was evaluated: a model (its samples) or a set of images. */
  readonly source: EvaluationSource;
  /** The real images compared with. */
  readonly reference: EvaluationReference;
  /** The oracle whose features and labels the metrics use. */
  readonly oracle: EvaluationOracle;
  /** The metrics. */
  readonly metrics: EvaluationMetrics;
  /** The seed used. */
  readonly seed: number;
  /** Wall-clock seconds, everything included. */
  readonly seconds: number;
  /** Seconds per stage (`samples`, `features`, `fid`, …). */
  readonly timings: Readonly<Record<string, number>>;
  /** Anything that may make a number mislead (small N, clamped subsets, inverted images…). */
  readonly warnings: readonly string[];
}

function resolveMetrics(requested: readonly MetricName[] | undefined, vae: boolean, sourceName: string): MetricName[] {
  if (requested === undefined) return vae ? [...SAMPLE_METRICS, ...VAE_METRICS] : [...SAMPLE_METRICS];
  if (!Array.isArray(requested) || requested.length === 0) {
    throw new InvalidArgumentError(`evaluate: options.metrics must be a non-empty list of ${METRIC_NAMES.join(", ")}`);
  }
  for (const m of requested) {
    if (!(METRIC_NAMES as readonly string[]).includes(m)) {
      throw new InvalidArgumentError(`evaluate: unknown metric ${JSON.stringify(m)}; expected one of ${METRIC_NAMES.join(", ")}`);
    }
    if ((VAE_METRICS as readonly string[]).includes(m) && !vae) {
      throw new InvalidArgumentError(`evaluate: metric "${m}" needs a VAE model (its encoder); ${sourceName} is not one`);
    }
  }
  return [...new Set(requested.map((m) => (m === "coverage" ? "classes" : m)))];
}

const isModel = (s: unknown): s is GenerativeModel => typeof s === "object" && s !== null && "trainStep" in s && "sample" in s;

/**
 * Evaluates a model (by `n` samples it generates) or a set of images against real images, with
 * an oracle classifier's features: FID, KID, inception score, precision/recall, density/coverage,
 * class coverage, nearest-real similarity and, for VAEs, reconstruction error, ELBO and IWAE NLL.
 * Every number is reproducible from the seed; the metric maths is float64 and does not depend on
 * the tfjs backend (only the oracle's and model's forward passes run on it).
 *
 * @param source - a trained model, or images (samples read with `readImageSet`, a `Dataset`…).
 * @throws {@link InvalidArgumentError} on an unknown metric, a VAE metric for a non-VAE source,
 *   fewer than 2 images, or images of another size than the reference's.
 *
 * @example
 * ```ts
 * const report = await evaluate(new DCGAN(), { n: 2000, metrics: ["fid", "kid", "classes"] });
 * console.log(report.metrics.fid?.value, report.metrics.classCoverage?.underrepresented);
 * console.log(metricValues(report)); // { fid: …, kid: …, kid_std: …, classes_covered: …, … }
 * ```
 */
export async function evaluate(source: GenerativeModel | ImageSet, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const started = performance.now();
  const { n = 10000, seed = 0, batchSize = 500, onProgress } = options;
  checkInteger("evaluate", "options.n", n, 2);
  const model = isModel(source) ? source : undefined;
  const sourceName = model?.name ?? (source as ImageSet).name;
  const metrics = resolveMetrics(options.metrics, model instanceof VAE, sourceName);
  const wants = (m: MetricName): boolean => metrics.includes(m);
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  let last = performance.now();
  const lap = (stage: string): void => {
    const now = performance.now();
    timings[stage] = (timings[stage] ?? 0) + (now - last) / 1000;
    last = now;
  };
  const referenceOption = options.reference ?? "mnist-test";
  const ownsReference = !isPrepared(referenceOption);
  onProgress?.(`reference: ${typeof referenceOption === "string" ? referenceOption : isPrepared(referenceOption) ? referenceOption.images.name : referenceOption.name}`);
  const reference = isPrepared(referenceOption)
    ? referenceOption
    : await prepareReference(referenceOption, { n, batchSize, seed, ...(options.oracle === undefined ? {} : { oracle: options.oracle }) });
  const ownsOracle = ownsReference && !(options.oracle instanceof Oracle);
  try {
    lap("reference");
    let images: ImageSet;
    if (model !== undefined) {
      onProgress?.(`sampling ${n} images from ${model.name}`);
      images = await sampleImages(model, n, { seed, batchSize, ...(options.sampler === undefined ? {} : { sampler: options.sampler }) });
      lap("samples");
    } else {
      images = sampleImageSet(source as ImageSet, n, seed);
      if (images.size < 2) throw new InvalidArgumentError(`evaluate: ${images.name} has ${images.size} image(s); metrics need at least 2`);
    }
    const real = reference.images;
    if (images.height !== real.height || images.width !== real.width) {
      throw new InvalidArgumentError(`evaluate: ${images.name} holds ${images.height}x${images.width} images, the reference ${real.name} ${real.height}x${real.width}; both must have one size`);
    }
    const brightness = images.pixels.reduce((t, v) => t + v, 0) / (255 * images.pixels.length);
    if (brightness > 0.5) warnings.push(`${images.name} is mostly white (mean pixel ${brightness.toFixed(2)}): MNIST-like images are light digits on a black background; inverted images score badly`);
    if (images.size !== real.size) warnings.push(`${images.size} samples against ${real.size} reference images: FID depends on N, compare FIDs only at equal N`);
    onProgress?.(`oracle features of ${images.size} images`);
    const fake = await reference.oracle.embed(images, { batchSize });
    const predicted = argmaxRows(fake.logits);
    lap("features");
    const out: { -readonly [K in keyof EvaluationMetrics]: EvaluationMetrics[K] } = {};
    if (wants("fid")) {
      out.fid = frechetDistance(fake.features, reference.statistics);
      warnings.push(...out.fid.warnings.map((w) => `fid: ${w}`));
      lap("fid");
    }
    if (wants("kid")) {
      onProgress?.("kid");
      out.kid = kernelInceptionDistance(fake.features, reference.embedding.features, { ...options.kid, seed });
      warnings.push(...out.kid.warnings.map((w) => `kid: ${w}`));
      lap("kid");
    }
    if (wants("is")) {
      out.inceptionScore = inceptionScore(fake.logits, { splits: Math.min(10, images.size) });
      lap("is");
    }
    if (wants("pr") || wants("dc")) {
      onProgress?.("precision, recall, density, coverage");
      const k = Math.min(images.size, real.size) - 1;
      if (k < 5) warnings.push(`prdc: ${Math.min(images.size, real.size)} images on the smaller side: k clamped to ${Math.min(3, k)} (precision/recall) and ${Math.min(5, k)} (density/coverage)`);
      const both = prdc(reference.embedding.features, fake.features, { kPrecisionRecall: Math.min(3, k), kDensityCoverage: Math.min(5, k) });
      if (wants("pr")) out.precisionRecall = both.precisionRecall;
      if (wants("dc")) out.densityCoverage = both.densityCoverage;
      lap("prdc");
    }
    if (wants("classes")) {
      out.classCoverage = classCoverage(predicted, { numClasses: reference.oracle.numClasses, reference: reference.predicted });
      lap("classes");
    }
    if (wants("similarity")) {
      onProgress?.("nearest-real similarity");
      const train = options.train ?? (await trainSplitOf(reference));
      const result = nearestRealSimilarity(
        { features: pixelFeatures(images), labels: predicted },
        { features: pixelFeatures(real), labels: real.labels ?? reference.predicted },
        train === undefined ? {} : { train: { features: pixelFeatures(train), labels: train.labels } },
      );
      // the report stays small: the per-sample values are left out
      const similarity: Omit<NearestRealSimilarityResult, "perSample"> & { perSample?: Float64Array } = { ...result };
      delete similarity.perSample;
      if (train === undefined) warnings.push("similarity: no training images, so no memorisation signal (pass options.train or a named reference)");
      out.similarity = similarity;
      lap("similarity");
    }
    if (model instanceof VAE) {
      if (wants("recon")) {
        onProgress?.("reconstruction error");
        out.reconstruction = await reconstructionError(model, real, { batchSize });
        lap("recon");
      }
      if (wants("elbo")) {
        onProgress?.("ELBO");
        out.elbo = await elbo(model, real, { seed, batchSize });
        lap("elbo");
      }
      if (wants("nll")) {
        const k = options.nll?.k ?? 100;
        const count = options.nll?.n ?? 1000;
        onProgress?.(`IWAE NLL (k = ${k}, ${Math.min(count, real.size)} images)`);
        out.nll = await importanceWeightedNll(model, real, { k, n: count, seed });
        lap("nll");
      }
    }
    const testAccuracy = reference.oracle.info.testAccuracy;
    return {
      source: { kind: model === undefined ? "images" : "model", name: sourceName, n: images.size, ...(model === undefined ? {} : { sampler: options.sampler?.name ?? "prior" }) },
      reference: { name: real.name, n: real.size },
      oracle: { name: reference.oracle.info.name, testAccuracy: testAccuracy ?? null, featureDim: reference.oracle.featureDim },
      metrics: out,
      seed,
      seconds: (performance.now() - started) / 1000,
      timings,
      warnings,
    };
  } finally {
    if (ownsOracle) reference.oracle.dispose();
  }
}

/**
 * The report's numbers as one flat record (`fid`, `kid`, `kid_std`, `is`, `is_std`,
 * `precision`, `recall`, `density`, `coverage`, `classes_covered`, `class_entropy`,
 * `class_max_deviation`, `similarity`, `memorisation`, `recon_bce`, `recon_mse`, `elbo`, `nll`),
 * for logs, tables and plots.
 */
export function metricValues(report: EvaluationReport): Record<string, number> {
  const m = report.metrics;
  const out: Record<string, number> = {};
  const put = (name: string, value: number | undefined): void => {
    if (value !== undefined) out[name] = value;
  };
  put("fid", m.fid?.value);
  put("kid", m.kid?.mean);
  put("kid_std", m.kid?.std);
  put("is", m.inceptionScore?.mean);
  put("is_std", m.inceptionScore?.std);
  put("precision", m.precisionRecall?.precision);
  put("recall", m.precisionRecall?.recall);
  put("density", m.densityCoverage?.density);
  put("coverage", m.densityCoverage?.coverage);
  put("classes_covered", m.classCoverage?.coveredClasses);
  put("class_entropy", m.classCoverage?.entropy);
  put("class_max_deviation", m.classCoverage?.maxDeviation);
  put("similarity", m.similarity?.mean);
  put("memorisation", m.similarity?.memorisation?.share);
  put("recon_bce", m.reconstruction?.bce);
  put("recon_mse", m.reconstruction?.mse);
  put("elbo", m.elbo?.elbo);
  put("nll", m.nll?.nll);
  return out;
}

