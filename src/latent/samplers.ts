import * as tf from "@tensorflow/tfjs-core";
import type { ImageSet } from "../data/image-set.js";
import { InvalidArgumentError, NonFiniteError } from "../errors.js";
import { checkInteger } from "../_internals/check.js";
import { logSumExp } from "../_internals/logsumexp.js";
import { createRng, randomInt, standardNormal, type Rng } from "../_internals/random.js";
import type { GenerativeModel, LatentSampler } from "../nn/model.js";
import { VAE } from "../vae/vae.js";
import { encodeMeans } from "./encode.js";

/**
 * Latents from the prior N(0, I): what `sample` draws by default, as a {@link LatentSampler}
 * (the baseline of sampler comparisons).
 *
 * @example
 * ```ts
 * const prior = new PriorSampler();
 * await prior.fit(model);
 * const z = prior.sample(16, { seed: 1 }); // [16, model.latentDim]
 * ```
 */
export class PriorSampler implements LatentSampler {
  /** `"prior"`. */
  readonly name = "prior";
  private latentDim = 0;

  /** Takes the model's latent size. */
  async fit(model: GenerativeModel): Promise<void> {
    this.latentDim = model.latentDim;
  }

  /** `n` draws from N(0, I), `[n, latentDim]`. */
  sample(n: number, options: { readonly seed?: number } = {}): tf.Tensor2D {
    if (this.latentDim === 0) throw new InvalidArgumentError("PriorSampler.sample: call fit(model) first");
    checkInteger("PriorSampler.sample", "n", n, 1);
    return tf.randomNormal([n, this.latentDim], 0, 1, "float32", options.seed) as tf.Tensor2D;
  }
}

/** Options of {@link GaussianMixtureSampler}. */
export interface GaussianMixtureOptions {
  /** Mixture components. @defaultValue 10 (one per digit) */
  readonly components?: number;
  /** Most EM iterations. @defaultValue 200 */
  readonly maxIterations?: number;
  /** EM stops when the mean log-likelihood per point changes by less than this, relative to its size (`|Δ| < tolerance · max(1, |ℓ|)`). @defaultValue 1e-6 */
  readonly tolerance?: number;
  /** Added to every covariance's diagonal, to keep it positive definite. @defaultValue 1e-6 */
  readonly regularization?: number;
  /** Seed of the initial means (encodings at distinct random indices). @defaultValue 0 */
  readonly seed?: number;
  /** Encode only the first `n` images. @defaultValue every image */
  readonly n?: number;
}

/** A fitted mixture component. */
export interface MixtureComponent {
  /** Mixing weight. */
  readonly weight: number;
  /** Mean `[d]`. */
  readonly mean: Float64Array;
  /** Covariance `[d, d]`, row-major. */
  readonly covariance: Float64Array;
}

/**
 * A Gaussian mixture with full covariances fitted by EM (float64, independent of tfjs's backends)
 * to a VAE's posterior means of a data set: sampling it instead of the prior keeps to where the
 * encoder actually puts digits (Ghosh et al. 2020, "From Variational to Deterministic
 * Autoencoders", ex-post density estimation).
 *
 * @example
 * ```ts
 * const gmm = new GaussianMixtureSampler();
 * await gmm.fit(vae, await loadMnist({ split: "test" }));
 * const report = await evaluate(vae, { sampler: gmm });
 * ```
 */
export class GaussianMixtureSampler implements LatentSampler {
  /** `"gmm"`. */
  readonly name = "gmm";
  /** The fitted components (empty before `fit`). */
  components: readonly MixtureComponent[] = [];
  /** Mean log-likelihood per encoding at the end of EM. */
  logLikelihood = Number.NaN;
  /** EM iterations run. */
  iterations = 0;
  private readonly options: Required<Omit<GaussianMixtureOptions, "n">> & { readonly n: number | undefined };
  private cholesky: Float64Array[] = [];

  /** @param options - see {@link GaussianMixtureOptions}. */
  constructor(options: GaussianMixtureOptions = {}) {
    const { components = 10, maxIterations = 200, tolerance = 1e-6, regularization = 1e-6, seed = 0, n } = options;
    checkInteger("GaussianMixtureSampler", "options.components", components, 1);
    checkInteger("GaussianMixtureSampler", "options.maxIterations", maxIterations, 1);
    if (!(tolerance >= 0)) throw new InvalidArgumentError(`GaussianMixtureSampler: options.tolerance must be >= 0, found ${tolerance}`);
    if (!(regularization >= 0)) throw new InvalidArgumentError(`GaussianMixtureSampler: options.regularization must be >= 0, found ${regularization}`);
    this.options = { components, maxIterations, tolerance, regularization, seed, n };
  }

  /**
   * Encodes `data` with the VAE's encoder (posterior means; conditional VAEs with each image's
   * label) and fits the mixture to the encodings.
   * @throws {@link InvalidArgumentError} for a model without an encoder, or too few images.
   */
  async fit(model: GenerativeModel, data?: ImageSet): Promise<void> {
    if (!(model instanceof VAE)) throw new InvalidArgumentError(`GaussianMixtureSampler.fit: needs a VAE's encoder; ${model.name} is a ${model.kind} model`);
    if (data === undefined) throw new InvalidArgumentError("GaussianMixtureSampler.fit: pass the images to encode (e.g. the test split)");
    const n = Math.min(this.options.n ?? data.size, data.size);
    if (n < this.options.components) throw new InvalidArgumentError(`GaussianMixtureSampler.fit: ${data.name} holds ${n} images, fewer than the ${this.options.components} components`);
    const d = model.latentDim;
    const points = await encodeMeans("GaussianMixtureSampler.fit", model, data, n);
    const bad = points.reduce((k, v) => k + (Number.isFinite(v) ? 0 : 1), 0);
    if (bad > 0) {
      throw new NonFiniteError(`GaussianMixtureSampler.fit: ${model.name} encodes ${data.name} to NaN or infinite means (its weights diverged)`, { where: `encodings of '${data.name}'`, count: bad });
    }
    this.fitPoints(points, n, d);
  }

  /**
   * Fits the mixture to `n` points of `d` values (row-major) by EM: means initialised at distinct
   * random points, covariances at the data's, equal weights.
   */
  fitPoints(points: Float64Array, n: number, d: number): void {
    const { components: k, maxIterations, tolerance, regularization, seed } = this.options;
    if (points.length !== n * d) throw new InvalidArgumentError(`GaussianMixtureSampler.fitPoints: ${n} points of ${d} values need ${n * d} numbers, found ${points.length}`);
    if (n < k) throw new InvalidArgumentError(`GaussianMixtureSampler.fitPoints: ${n} points, fewer than the ${k} components`);
    const rng = createRng(seed);
    const global = weightedCovariance(points, n, d, new Float64Array(n).fill(1), meanOf(points, n, d), regularization);
    const picked = new Set<number>();
    while (picked.size < k) picked.add(randomInt(rng, 0, n - 1));
    let comps: MixtureComponent[] = [...picked].map((i) => ({ weight: 1 / k, mean: points.slice(i * d, (i + 1) * d), covariance: global.slice() }));
    const logR = new Float64Array(n * k);
    let previous = -Infinity;
    let iteration = 0;
    for (; iteration < maxIterations; iteration++) {
      // E step: log responsibilities
      const factors = comps.map((c) => choleskyOf(c.covariance, d));
      let total = 0;
      const row = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        const x = points.subarray(i * d, (i + 1) * d);
        for (let j = 0; j < k; j++) row[j] = Math.log((comps[j] as MixtureComponent).weight) + logGaussian(x, (comps[j] as MixtureComponent).mean, factors[j] as Float64Array, d);
        const norm = logSumExp(row);
        total += norm;
        for (let j = 0; j < k; j++) logR[i * k + j] = (row[j] ?? 0) - norm;
      }
      const mean = total / n;
      // M step
      comps = Array.from({ length: k }, (_, j) => {
        const r = new Float64Array(n);
        for (let i = 0; i < n; i++) r[i] = Math.exp(logR[i * k + j] ?? -Infinity);
        const nk = r.reduce((s, v) => s + v, 0) + 1e-12;
        const mu = new Float64Array(d);
        for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mu[a] = (mu[a] ?? 0) + (r[i] ?? 0) * (points[i * d + a] ?? 0);
        for (let a = 0; a < d; a++) mu[a] = (mu[a] ?? 0) / nk;
        return { weight: nk / n, mean: mu, covariance: weightedCovariance(points, n, d, r, mu, regularization) };
      });
      if (Math.abs(mean - previous) < tolerance * Math.max(1, Math.abs(mean))) {
        previous = mean;
        iteration += 1;
        break;
      }
      previous = mean;
    }
    this.components = comps;
    this.cholesky = comps.map((c) => choleskyOf(c.covariance, d));
    this.logLikelihood = previous;
    this.iterations = iteration;
  }

  /** `n` latents from the fitted mixture, `[n, d]`: a component by weight, then its Gaussian. */
  sample(n: number, options: { readonly seed?: number } = {}): tf.Tensor2D {
    if (this.components.length === 0) throw new InvalidArgumentError("GaussianMixtureSampler.sample: call fit(model, data) first");
    checkInteger("GaussianMixtureSampler.sample", "n", n, 1);
    const d = this.components[0]?.mean.length ?? 0;
    const rng: Rng = createRng(options.seed ?? 0);
    const out = new Float32Array(n * d);
    const eps = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const j = pick(this.components, rng);
      const { mean } = this.components[j] as MixtureComponent;
      const l = this.cholesky[j] as Float64Array;
      for (let a = 0; a < d; a++) eps[a] = standardNormal(rng);
      for (let a = 0; a < d; a++) {
        let v = mean[a] ?? 0;
        for (let b = 0; b <= a; b++) v += (l[a * d + b] ?? 0) * (eps[b] ?? 0);
        out[i * d + a] = v;
      }
    }
    return tf.tensor2d(out, [n, d]);
  }
}

function pick(components: readonly MixtureComponent[], rng: Rng): number {
  const u = (randomInt(rng, 0, 2 ** 30 - 1) + 0.5) / 2 ** 30;
  let acc = 0;
  for (let j = 0; j < components.length; j++) {
    acc += (components[j] as MixtureComponent).weight;
    if (u < acc) return j;
  }
  return components.length - 1;
}

function meanOf(points: Float64Array, n: number, d: number): Float64Array {
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) mu[a] = (mu[a] ?? 0) + (points[i * d + a] ?? 0) / n;
  return mu;
}

/** `Σ r_i (x_i − μ)(x_i − μ)ᵀ / Σ r_i + reg·I`. */
function weightedCovariance(points: Float64Array, n: number, d: number, r: Float64Array, mu: Float64Array, reg: number): Float64Array {
  const cov = new Float64Array(d * d);
  let total = 0;
  const diff = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const w = r[i] ?? 0;
    if (w === 0) continue;
    total += w;
    for (let a = 0; a < d; a++) diff[a] = (points[i * d + a] ?? 0) - (mu[a] ?? 0);
    for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a * d + b] = (cov[a * d + b] ?? 0) + w * (diff[a] ?? 0) * (diff[b] ?? 0);
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      const v = (cov[a * d + b] ?? 0) / Math.max(total, 1e-12);
      cov[a * d + b] = v;
      cov[b * d + a] = v;
    }
    cov[a * d + a] = (cov[a * d + a] ?? 0) + reg;
  }
  return cov;
}

/** Lower Cholesky factor of a symmetric positive-definite `[d, d]` matrix (jitter added if needed). */
function choleskyOf(m: Float64Array, d: number): Float64Array {
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-9 : jitter * 10) {
    const l = new Float64Array(d * d);
    let ok = true;
    for (let i = 0; i < d && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = (m[i * d + j] ?? 0) + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= (l[i * d + k] ?? 0) * (l[j * d + k] ?? 0);
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          l[i * d + i] = Math.sqrt(s);
        } else {
          l[i * d + j] = s / (l[j * d + j] ?? 1);
        }
      }
    }
    if (ok) return l;
    if (jitter > 1) throw new InvalidArgumentError("GaussianMixtureSampler: a covariance is not positive definite; raise options.regularization");
  }
}

/** `log N(x | μ, L Lᵀ)`. */
function logGaussian(x: Float64Array, mu: Float64Array, l: Float64Array, d: number): number {
  // solve L y = x − μ
  const y = new Float64Array(d);
  let quad = 0;
  let logDet = 0;
  for (let a = 0; a < d; a++) {
    let s = (x[a] ?? 0) - (mu[a] ?? 0);
    for (let b = 0; b < a; b++) s -= (l[a * d + b] ?? 0) * (y[b] ?? 0);
    const diag = l[a * d + a] ?? 1;
    y[a] = s / diag;
    quad += (y[a] ?? 0) ** 2;
    logDet += Math.log(diag);
  }
  return -0.5 * quad - logDet - 0.5 * d * Math.log(2 * Math.PI);
}
