import * as tf from "@tensorflow/tfjs-core";
import type { ImageSet } from "../data/image-set.js";
import { InvalidArgumentError } from "../errors.js";
import { checkInteger, checkRange } from "../_internals/check.js";
import { createRng, standardNormal } from "../_internals/random.js";
import type { Oracle } from "../metrics/oracle.js";
import { loadOracle } from "../metrics/oracle-io.js";
import { sampleImages } from "../metrics/samples.js";
import { nearestRealSimilarity, pixelFeatures } from "../metrics/similarity.js";
import type { GenerativeModel, LatentSampler } from "../nn/model.js";
import { shapiroWilk } from "./shapiro-wilk.js";

/** Options of {@link LatentSpaceAdaptation}. */
export interface LatentSpaceAdaptationOptions {
  /** Candidate samples generated from the prior. @defaultValue 10000 */
  readonly candidates?: number;
  /**
   * Per class, the share of candidates kept: those whose cosine similarity to their nearest real
   * image of the class is above the class's `1 − keep` quantile (a class-specific threshold).
   * @defaultValue 0.5
   */
  readonly keep?: number;
  /** The oracle labelling the candidates. @defaultValue the shipped MNIST oracle */
  readonly oracle?: Oracle;
  /** Seed of the candidates' latents. @defaultValue 0 */
  readonly seed?: number;
  /** Significance level of the normality tests reported in {@link LsaClassReport.normalShare}. @defaultValue 0.05 */
  readonly alpha?: number;
  /**
   * A class no candidate reached (a model that collapsed on some digits): `"error"` fails `fit`;
   * `"skip"` reports the class with 0 candidates and draws balanced over the classes that were reached.
   * @defaultValue "error"
   */
  readonly missingClasses?: "error" | "skip";
}

/** What Latent Space Adaptation found for one class. */
export interface LsaClassReport {
  /** The class. */
  readonly label: number;
  /** Candidates the oracle put in the class. */
  readonly candidates: number;
  /** Candidates kept (similarity above the threshold). */
  readonly kept: number;
  /** The class's similarity threshold. */
  readonly threshold: number;
  /** Shapiro–Wilk p-value of each latent dimension of the kept latents (`NaN` when fewer than 3 were kept). */
  readonly pValues: Float64Array;
  /** Share of dimensions whose normality is not rejected at `alpha` (`NaN` when fewer than 3 were kept). */
  readonly normalShare: number;
  /** Mean of the fitted diagonal Gaussian. */
  readonly mean: Float64Array;
  /** Standard deviation of the fitted diagonal Gaussian (1, the prior's, when a single latent was kept). */
  readonly std: Float64Array;
}

/**
 * Latent Space Adaptation for GANs (the method of the study this library grew from): generate
 * candidates from the prior, label each with an oracle, score it by the cosine similarity (pixels)
 * to its nearest real image of that class, keep the candidates above a class-specific threshold,
 * test every latent dimension of each class's kept latents for normality (Shapiro–Wilk, p-values
 * reported), fit a per-class diagonal Gaussian to them, and draw a balanced number per class.
 *
 * @example
 * ```ts
 * const lsa = new LatentSpaceAdaptation({ candidates: 10000 });
 * await lsa.fit(gan, await loadMnist({ split: "test" }));
 * const before = await evaluate(gan);
 * const after = await evaluate(gan, { sampler: lsa });
 * ```
 */
export class LatentSpaceAdaptation implements LatentSampler {
  /** `"lsa"`. */
  readonly name = "lsa";
  /** Per class: counts, threshold, normality p-values and the fitted Gaussian (empty before `fit`). */
  classes: readonly LsaClassReport[] = [];
  private readonly options: Required<Omit<LatentSpaceAdaptationOptions, "oracle">> & { readonly oracle: Oracle | undefined };
  /** The classes `sample` draws from: those with kept latents. */
  private reached: readonly LsaClassReport[] = [];

  /** @param options - see {@link LatentSpaceAdaptationOptions}. */
  constructor(options: LatentSpaceAdaptationOptions = {}) {
    const { candidates = 10000, keep = 0.5, seed = 0, alpha = 0.05, missingClasses = "error", oracle } = options;
    checkInteger("LatentSpaceAdaptation", "options.candidates", candidates, 10);
    checkRange("LatentSpaceAdaptation", "options.keep", keep, 0, 1, false);
    if (!(keep > 0)) throw new InvalidArgumentError(`LatentSpaceAdaptation: options.keep must be > 0, found ${keep}`);
    if (missingClasses !== "error" && missingClasses !== "skip") throw new InvalidArgumentError(`LatentSpaceAdaptation: options.missingClasses must be "error" or "skip", found ${JSON.stringify(missingClasses)}`);
    this.options = { candidates, keep, seed, alpha, missingClasses, oracle };
  }

  /**
   * Generates and scores the candidates against `data` (real labelled images, e.g. the test split)
   * and fits the per-class Gaussians.
   * @throws {@link InvalidArgumentError} for a conditional model, data without labels, or a class no
   *   candidate reached.
   */
  async fit(model: GenerativeModel, data?: ImageSet): Promise<void> {
    if (model.conditional) throw new InvalidArgumentError(`LatentSpaceAdaptation.fit: ${model.name} is conditional; Latent Space Adaptation is for unconditional GANs`);
    if (data?.labels === undefined) throw new InvalidArgumentError("LatentSpaceAdaptation.fit: pass real labelled images (e.g. the test split)");
    const { candidates: n, keep, seed, alpha } = this.options;
    const d = model.latentDim;
    const latents = tf.randomNormal([n, d], 0, 1, "float32", seed) as tf.Tensor2D;
    const z = Float64Array.from(await latents.data());
    const fixed: LatentSampler = { name: "candidates", fit: async () => undefined, sample: () => tf.clone(latents) };
    let images: ImageSet;
    try {
      images = await sampleImages(model, n, { sampler: fixed });
    } finally {
      latents.dispose();
    }
    const oracle = this.options.oracle ?? (await loadOracle("mnist"));
    let labels: Int32Array;
    try {
      labels = await oracle.predict(images);
    } finally {
      if (this.options.oracle === undefined) oracle.dispose();
    }
    const similarity = nearestRealSimilarity({ features: pixelFeatures(images), labels }, { features: pixelFeatures(data), labels: data.labels }).perSample;
    let numClasses = 0;
    for (const label of data.labels) numClasses = Math.max(numClasses, label + 1);
    const reports: LsaClassReport[] = [];
    for (let c = 0; c < numClasses; c++) {
      const members = Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] === c);
      if (members.length === 0) {
        if (this.options.missingClasses === "skip") {
          reports.push({ label: c, candidates: 0, kept: 0, threshold: Number.NaN, pValues: new Float64Array(d).fill(Number.NaN), normalShare: Number.NaN, mean: new Float64Array(d), std: new Float64Array(d).fill(1) });
          continue;
        }
        throw new InvalidArgumentError(`LatentSpaceAdaptation.fit: no candidate of ${model.name} looks like class ${c} to the oracle (mode collapse?); raise options.candidates, or pass missingClasses: "skip"`);
      }
      const scores = members.map((i) => similarity[i] ?? 0).sort((a, b) => a - b);
      const threshold = scores[Math.min(scores.length - 1, Math.floor((1 - keep) * scores.length))] ?? 0;
      const kept = members.filter((i) => (similarity[i] ?? 0) >= threshold);
      const mean = new Float64Array(d);
      const std = new Float64Array(d);
      const pValues = new Float64Array(d);
      const column = new Float64Array(kept.length);
      for (let j = 0; j < d; j++) {
        kept.forEach((i, k) => (column[k] = z[i * d + j] ?? 0));
        const mu = column.reduce((s, v) => s + v, 0) / kept.length;
        const variance = kept.length > 1 ? column.reduce((s, v) => s + (v - mu) ** 2, 0) / (kept.length - 1) : 1;
        mean[j] = mu;
        std[j] = Math.sqrt(variance);
        pValues[j] = kept.length >= 3 && variance > 0 ? shapiroWilk(column.length > 5000 ? column.subarray(0, 5000) : column).p : Number.NaN;
      }
      const tested = Array.from(pValues).filter((p) => !Number.isNaN(p));
      reports.push({
        label: c, candidates: members.length, kept: kept.length, threshold, pValues, mean, std,
        normalShare: tested.length === 0 ? Number.NaN : tested.filter((p) => p > alpha).length / tested.length,
      });
    }
    this.classes = reports;
    this.reached = reports.filter((r) => r.kept > 0);
  }

  /**
   * `n` latents, balanced over the classes (class `i % numClasses` for the i-th), from each class's
   * Gaussian; with `missingClasses: "skip"`, balanced over the classes reached.
   */
  sample(n: number, options: { readonly seed?: number } = {}): tf.Tensor2D {
    if (this.reached.length === 0) throw new InvalidArgumentError("LatentSpaceAdaptation.sample: call fit(model, data) first");
    checkInteger("LatentSpaceAdaptation.sample", "n", n, 1);
    const d = this.classes[0]?.mean.length ?? 0;
    const rng = createRng(options.seed ?? 0);
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const { mean, std } = this.reached[i % this.reached.length] as LsaClassReport;
      for (let j = 0; j < d; j++) out[i * d + j] = (mean[j] ?? 0) + (std[j] ?? 1) * standardNormal(rng);
    }
    return tf.tensor2d(out, [n, d]);
  }
}
