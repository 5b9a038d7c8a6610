import * as tf from "@tensorflow/tfjs-core";
import { imageSetBatch, type ImageSet } from "../data/image-set.js";
import { InvalidArgumentError } from "../errors.js";
import { sigmoidCrossEntropy } from "../losses/gan.js";
import type { VAE } from "../vae/vae.js";
import { checkInteger, labelsOneHot } from "../_internals/check.js";
import { logSumExp } from "../_internals/logsumexp.js";
import { createRng, randomSeed } from "../_internals/random.js";

/** Options shared by the VAE likelihood functions. */
export interface VaeLikelihoodOptions {
  /** Evaluate only the first `n` images. @defaultValue every image */
  readonly n?: number;
  /**
   * Images per forward pass.
   * @defaultValue 500 (for {@link importanceWeightedNll}, `max(1, floor(2000 / k))`)
   */
  readonly batchSize?: number;
  /**
   * Seed of the latent draws.
   * @defaultValue 0
   */
  readonly seed?: number;
}

/** What {@link reconstructionError} returns. */
export interface ReconstructionErrorResult {
  /** Binary cross-entropy between each image and its reconstruction, summed over pixels (nats per image), mean over images. */
  readonly bce: number;
  /** Squared error per pixel, mean over pixels and images. */
  readonly mse: number;
  /** Images evaluated. */
  readonly n: number;
}

/** What {@link elbo} returns. */
export interface ElboResult {
  /** Evidence lower bound `E_q[log p(x | z)] − KL(q(z | x) ‖ p(z))`, nats per image, mean over images. */
  readonly elbo: number;
  /** `−E_q[log p(x | z)]`, nats per image (one posterior draw per image). */
  readonly reconstruction: number;
  /** `KL(q(z | x) ‖ p(z))`, nats per image (analytic). */
  readonly kl: number;
  /** Images evaluated. */
  readonly n: number;
}

/** Options of {@link importanceWeightedNll}. */
export interface ImportanceWeightedNllOptions extends VaeLikelihoodOptions {
  /**
   * Importance samples per image; the bound tightens as k grows (k = 1 is the ELBO).
   * @defaultValue 100
   */
  readonly k?: number;
}

/** What {@link importanceWeightedNll} returns. */
export interface ImportanceWeightedNllResult {
  /** Estimated negative log-likelihood `−log p(x)`, nats per image, mean over images (an upper bound in expectation). */
  readonly nll: number;
  /** Standard error of that mean over images. */
  readonly stdError: number;
  /** Importance samples per image. */
  readonly k: number;
  /** Images evaluated. */
  readonly n: number;
}


/** `log p(x | logits)` per image `[B]`: Bernoulli (BCE) or Gaussian with variance ½ (MSE, as the training loss). */
function logLikelihood(model: VAE, x: tf.Tensor, logits: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const axes = [1, 2, 3];
    if (model.config.reconstruction === "bce") return tf.neg(tf.sum(sigmoidCrossEntropy(x, logits), axes)) as tf.Tensor1D;
    const pixels = (x.shape[1] ?? 0) * (x.shape[2] ?? 0) * (x.shape[3] ?? 1);
    return tf.sub(tf.neg(tf.sum(tf.squaredDifference(x, tf.sigmoid(logits)), axes)), 0.5 * pixels * Math.log(Math.PI)) as tf.Tensor1D;
  });
}

/**
 * Runs `fn` on batches of the first `n` images (all when absent) of a set, in [0, 1], with their
 * one-hot labels for conditional models, after checking they fit the VAE.
 * @internal
 */
export async function forBatches(
  owner: string,
  model: VAE,
  data: ImageSet,
  n: number | undefined,
  batchSize: number,
  fn: (x: tf.Tensor4D, oneHot: tf.Tensor2D | undefined, start: number) => Promise<void>,
): Promise<number> {
  const count = n === undefined ? data.size : Math.min(n, data.size);
  if (n !== undefined) checkInteger(owner, "options.n", n, 1);
  checkInteger(owner, "options.batchSize", batchSize, 1);
  const [h, w, c] = model.imageShape;
  if (data.height !== h || data.width !== w || (data.channels ?? 1) !== c) {
    throw new InvalidArgumentError(`${owner}: ${data.name} holds ${data.height}x${data.width}x${data.channels ?? 1} images; ${model.name} takes ${h}x${w}x${c}`);
  }
  if (model.conditional && data.labels === undefined) {
    throw new InvalidArgumentError(`${owner}: ${model.name} is conditional and ${data.name} has no labels`);
  }
  if (count === 0) throw new InvalidArgumentError(`${owner}: ${data.name} holds no images`);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const x = imageSetBatch(data, start, end);
    const oneHot = model.conditional ? labelsOneHot(owner, end - start, model.config.numClasses, Array.from(data.labels?.subarray(start, end) ?? [])) : undefined;
    try {
      await fn(x, oneHot, start);
    } finally {
      tf.dispose([x, ...(oneHot ? [oneHot] : [])]);
    }
  }
  return count;
}

const decodeLogits = (model: VAE, z: tf.Tensor, oneHot: tf.Tensor2D | undefined): tf.Tensor =>
  model.decodeLogits(z as tf.Tensor2D, model.conditional ? oneHot : undefined);

/**
 * How well a VAE reconstructs images from their posterior means: binary cross-entropy per image
 * (nats, summed over pixels) and squared error per pixel, averaged over the images.
 *
 * @param data - images in bytes (e.g. the test split), with labels for conditional models.
 * @example
 * ```ts
 * const { bce, mse } = await reconstructionError(vae, await loadMnist({ split: "test" }));
 * ```
 */
export async function reconstructionError(model: VAE, data: ImageSet, options: VaeLikelihoodOptions = {}): Promise<ReconstructionErrorResult> {
  let bce = 0;
  let se = 0;
  const count = await forBatches("reconstructionError", model, data, options.n, options.batchSize ?? 500, async (x, oneHot) => {
    const [b, s] = tf.tidy(() => {
      const { mean } = model.encode(x, oneHot);
      const logits = decodeLogits(model, mean, oneHot);
      return [tf.sum(sigmoidCrossEntropy(x, logits)), tf.sum(tf.squaredDifference(x, tf.sigmoid(logits)))];
    });
    const [bv, sv] = await Promise.all([b.data(), s.data()]);
    tf.dispose([b, s]);
    bce += bv[0] ?? Number.NaN;
    se += sv[0] ?? Number.NaN;
  });
  return { bce: bce / count, mse: se / (count * data.height * data.width * (data.channels ?? 1)), n: count };
}

/**
 * The evidence lower bound of a VAE on images, in nats per image: one reparameterised posterior
 * draw per image for `E_q[log p(x | z)]` (Bernoulli likelihood for BCE models; Gaussian with
 * variance ½, the training loss's, for MSE models) and the analytic KL. For a BCE model with
 * β = 1, `−elbo` is the training loss; for an MSE model it is the training loss plus the Gaussian's
 * normalising constant `(pixels / 2) · ln π` (≈ 448.7 nats for 28 × 28 images). Pixels are the grey levels in [0, 1], not binarised, so the numbers are not
 * comparable with binarised-MNIST likelihoods in papers.
 *
 * @example
 * ```ts
 * const { elbo, kl } = await elbo(vae, test, { n: 2000, seed: 1 });
 * ```
 */
export async function elbo(model: VAE, data: ImageSet, options: VaeLikelihoodOptions = {}): Promise<ElboResult> {
  const rng = createRng(options.seed ?? 0);
  let recon = 0;
  let kl = 0;
  const count = await forBatches("elbo", model, data, options.n, options.batchSize ?? 500, async (x, oneHot) => {
    const seed = randomSeed(rng);
    const [r, k] = tf.tidy(() => {
      const { mean, logVariance } = model.encode(x, oneHot);
      const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logVariance, 0.5)), tf.randomNormal(mean.shape, 0, 1, "float32", seed)));
      const logp = logLikelihood(model, x, decodeLogits(model, z, oneHot));
      const klPer = tf.mul(tf.sum(tf.sub(tf.add(tf.exp(logVariance), tf.square(mean)), tf.add(logVariance, 1)), 1), 0.5);
      return [tf.neg(tf.sum(logp)), tf.sum(klPer)];
    });
    const [rv, kv] = await Promise.all([r.data(), k.data()]);
    tf.dispose([r, k]);
    recon += rv[0] ?? Number.NaN;
    kl += kv[0] ?? Number.NaN;
  });
  return { elbo: -(recon + kl) / count, reconstruction: recon / count, kl: kl / count, n: count };
}

/**
 * The importance-weighted estimate of a VAE's negative log-likelihood (Burda et al. 2016, IWAE):
 * `−log (1/k) Σⱼ p(x | zⱼ) p(zⱼ) / q(zⱼ | x)` with `zⱼ ~ q(z | x)`, nats per image. The log-sum-exp
 * over the k weights is taken in float64 after subtracting the largest, so it never overflows. In
 * expectation it is ≤ −ELBO and falls towards −log p(x) as k grows. Likelihood as in {@link elbo}.
 *
 * @example
 * ```ts
 * const { nll, stdError } = await importanceWeightedNll(vae, test, { k: 100, n: 1000 });
 * ```
 */
export async function importanceWeightedNll(model: VAE, data: ImageSet, options: ImportanceWeightedNllOptions = {}): Promise<ImportanceWeightedNllResult> {
  const { k = 100 } = options;
  checkInteger("importanceWeightedNll", "options.k", k, 1);
  const rng = createRng(options.seed ?? 0);
  const d = model.latentDim;
  const perImage: number[] = [];
  const count = await forBatches("importanceWeightedNll", model, data, options.n, options.batchSize ?? Math.max(1, Math.floor(2000 / k)), async (x, oneHot) => {
    const b = x.shape[0];
    const seed = randomSeed(rng);
    const logW = tf.tidy(() => {
      const { mean, logVariance } = model.encode(x, oneHot);
      // k draws per image, image-major: rows i*k .. i*k+k-1 belong to image i
      const repeat = <T extends tf.Tensor>(t: T): T => tf.reshape(tf.tile(tf.expandDims(t, 1), [1, k, ...t.shape.slice(1).map(() => 1)]), [b * k, ...t.shape.slice(1)]) as T;
      const mu = repeat(mean);
      const lv = repeat(logVariance);
      const eps = tf.randomNormal([b * k, d], 0, 1, "float32", seed);
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(lv, 0.5)), eps));
      const logp = logLikelihood(model, repeat(x), decodeLogits(model, z, oneHot === undefined ? undefined : repeat(oneHot)));
      // log p(z) − log q(z | x) = −½‖z‖² + ½‖ε‖² + ½ Σ logvar (the 2π terms cancel)
      const prior = tf.mul(tf.sum(tf.square(z), 1), -0.5);
      const posterior = tf.sub(tf.mul(tf.sum(tf.square(eps), 1), -0.5), tf.mul(tf.sum(lv, 1), 0.5));
      return tf.add(logp, tf.sub(prior, posterior));
    });
    const values = await logW.data();
    logW.dispose();
    for (let i = 0; i < b; i++) perImage.push(Math.log(k) - logSumExp(values, i * k, k));
  });
  const nll = perImage.reduce((t, v) => t + v, 0) / count;
  const variance = perImage.reduce((t, v) => t + (v - nll) ** 2, 0) / Math.max(1, count - 1);
  return { nll, stdError: Math.sqrt(variance / count), k, n: count };
}
