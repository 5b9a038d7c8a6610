import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import { sigmoidCrossEntropy } from "./gan.js";
import { assertSameShape, reduceLoss, sumPerExample, type LossOptions } from "./reduction.js";

/**
 * Bernoulli reconstruction loss of a VAE (Kingma & Welling 2014): pixel-wise binary
 * cross-entropy summed over each example's pixels, then reduced over the batch (mean by default).
 * Computed on decoder **logits** for stability.
 *
 * @param targets - images in [0, 1], `[B, ...]`.
 * @param logits - decoder logits, same shape (apply a sigmoid to get the reconstruction).
 * @returns scalar, or `[B]` per-example sums for `"none"`.
 */
export function bceReconstructionLoss(targets: tf.Tensor, logits: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  assertSameShape("bceReconstructionLoss", targets, "targets", logits, "logits");
  return tf.tidy(() => reduceLoss("bceReconstructionLoss", sumPerExample(sigmoidCrossEntropy(targets, logits)), options));
}

/**
 * Gaussian (MSE) reconstruction loss: squared error summed over each example's pixels, reduced
 * over the batch. An alternative to {@link bceReconstructionLoss} for non-binary data.
 *
 * @param targets - images `[B, ...]`.
 * @param predictions - reconstructions, same shape and range.
 */
export function mseReconstructionLoss(targets: tf.Tensor, predictions: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  assertSameShape("mseReconstructionLoss", targets, "targets", predictions, "predictions");
  return tf.tidy(() => reduceLoss("mseReconstructionLoss", sumPerExample(tf.squaredDifference(targets, predictions)), options));
}

/**
 * Analytic KL divergence `KL(N(μ, diag(exp(logvar))) ‖ N(0, I))` =
 * `−½ Σ_j (1 + logvar_j − μ_j² − exp(logvar_j))`, summed over latent dimensions, reduced over
 * the batch. Always ≥ 0; exactly 0 at μ = 0, logvar = 0.
 *
 * @param mean - `[B, d]`.
 * @param logVariance - `[B, d]`.
 * @returns scalar, or `[B]` for `"none"`.
 */
export function gaussianKlDivergence(mean: tf.Tensor, logVariance: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  assertSameShape("gaussianKlDivergence", mean, "mean", logVariance, "logVariance");
  return tf.tidy(() => {
    // 1 + lv − μ² − e^lv = −(e^lv − 1 − lv) − μ²; written so each term is ≥ 0 and the sum never
    // goes below 0 by rounding.
    const varianceTerm = tf.sub(tf.sub(tf.exp(logVariance), 1), logVariance);
    const perDim = tf.mul(tf.add(tf.relu(varianceTerm), tf.square(mean)), 0.5);
    return reduceLoss("gaussianKlDivergence", sumPerExample(perDim), options);
  });
}

/** The named parts of a VAE objective. */
export interface VaeLossParts<T extends tf.Tensor = tf.Tensor> {
  /** `reconstruction + beta * kl`. */
  readonly loss: T;
  /** Reconstruction term. */
  readonly reconLoss: T;
  /** KL term (unweighted). */
  readonly klLoss: T;
}

/**
 * The negative ELBO of a (β-)VAE from its parts: `reconstruction + β · KL` (Higgins et al. 2017
 * for β ≠ 1). Returns the total and the parts, so a trainer can log each.
 *
 * @param beta - weight of the KL term; 1 is the plain VAE.
 */
export function vaeLoss<T extends tf.Tensor>(reconstruction: T, kl: T, beta = 1): VaeLossParts<T> {
  if (!(beta >= 0) || !Number.isFinite(beta)) {
    throw new InvalidArgumentError(`vaeLoss: beta must be a finite number >= 0, found ${beta}`);
  }
  return { loss: tf.add(reconstruction, tf.mul(kl, beta)) as T, reconLoss: reconstruction, klLoss: kl };
}

/**
 * The reparameterization trick (Kingma & Welling 2014): `z = μ + exp(½·logvar) ⊙ ε`, ε ~ N(0, I),
 * differentiable in μ and logvar.
 *
 * @param seed - seed of ε, for reproducible draws.
 */
export function reparameterize(mean: tf.Tensor, logVariance: tf.Tensor, seed?: number): tf.Tensor {
  assertSameShape("reparameterize", mean, "mean", logVariance, "logVariance");
  return tf.tidy(() => {
    const eps = tf.randomNormal(mean.shape, 0, 1, "float32", seed);
    return tf.add(mean, tf.mul(tf.exp(tf.mul(logVariance, 0.5)), eps));
  });
}
