import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import { reduceLoss, splitPairedOptions, type LossOptions, type PairedLossOptions } from "./reduction.js";

/** Options of the binary cross-entropy discriminator losses. */
export interface DiscriminatorLossOptions extends PairedLossOptions {
  /**
   * One-sided label smoothing: real examples get target `1 - labelSmoothing` (Salimans et al.
   * 2016, "Improved Techniques for Training GANs"). Fake targets stay 0.
   * @defaultValue 0
   */
  readonly labelSmoothing?: number;
}

/**
 * Element-wise binary cross-entropy between `targets` in [0, 1] and `logits`, computed stably as
 * `max(x, 0) − x·z + log(1 + exp(−|x|))` (never `log(sigmoid(x))`), finite for any finite logit.
 * With a number as `targets` (every GAN loss here) its gradient is the closed form
 * `σ(x) − z`: three ops in the backward pass instead of the derivative of each of the eight
 * above, and itself differentiable.
 *
 * @returns the per-element loss, shape of `logits`.
 *
 * @example
 * ```ts
 * sigmoidCrossEntropy(tf.scalar(1), tf.scalar(0)).dataSync(); // [ln 2]
 * ```
 */
export function sigmoidCrossEntropy(targets: tf.Tensor | number, logits: tf.Tensor): tf.Tensor {
  if (typeof targets === "number") return crossEntropyWithConstantTarget(targets)(logits);
  return tf.tidy(() => stableCrossEntropy(targets, logits));
}

function stableCrossEntropy(z: tf.Tensor | number, x: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/** {@link sigmoidCrossEntropy} against the constant target `z`, with its gradient in closed form. */
function crossEntropyWithConstantTarget(z: number): (logits: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.tidy(() => stableCrossEntropy(z, x)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sub(tf.sigmoid(saved[0] as tf.Tensor), z)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (logits: tf.Tensor) => tf.Tensor;
}

function checkSmoothing(fn: string, labelSmoothing: number): void {
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new InvalidArgumentError(`${fn}: options.labelSmoothing must be in [0, 1), found ${labelSmoothing}`);
  }
}

/**
 * Discriminator loss of the original GAN (Goodfellow et al. 2014), shared by the minimax and
 * non-saturating variants:
 * `BCE(1 − s, D(x)) + BCE(0, D(G(z)))` on logits, i.e. `−log σ(r) − log(1 − σ(f))` with `s = 0`.
 *
 * @param realLogits - discriminator logits on real data, any shape (`[B, 1]` usually).
 * @param fakeLogits - logits on generated data, same shape.
 * @returns a scalar for `"mean"`/`"sum"`, the per-element sum of both terms for `"none"`.
 */
export function minimaxDiscriminatorLoss(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  options: DiscriminatorLossOptions = {},
): tf.Tensor {
  const { labelSmoothing = 0, ...rest } = options;
  checkSmoothing("minimaxDiscriminatorLoss", labelSmoothing);
  const [real, fake] = splitPairedOptions(rest);
  return tf.tidy(() => {
    const onReal = reduceLoss("minimaxDiscriminatorLoss", sigmoidCrossEntropy(1 - labelSmoothing, realLogits), real);
    const onFake = reduceLoss("minimaxDiscriminatorLoss", sigmoidCrossEntropy(0, fakeLogits), fake);
    return tf.add(onReal, onFake);
  });
}

/**
 * Generator loss of the original minimax game (Goodfellow et al. 2014): minimise
 * `log(1 − σ(D(G(z))))` = `−softplus(f)`. Saturates early in training; prefer
 * {@link nonSaturatingGeneratorLoss}.
 */
export function minimaxGeneratorLoss(fakeLogits: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  return tf.tidy(() => reduceLoss("minimaxGeneratorLoss", tf.neg(sigmoidCrossEntropy(0, fakeLogits)), options));
}

/**
 * Non-saturating generator loss (Goodfellow et al. 2014, §3): minimise `−log σ(D(G(z)))` =
 * `softplus(−f)` = `BCE(1, f)`.
 *
 * @example
 * ```ts
 * const gLoss = nonSaturatingGeneratorLoss(discriminator.apply(fake) as tf.Tensor);
 * ```
 */
export function nonSaturatingGeneratorLoss(fakeLogits: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  return tf.tidy(() => reduceLoss("nonSaturatingGeneratorLoss", sigmoidCrossEntropy(1, fakeLogits), options));
}

/**
 * Wasserstein discriminator (critic) loss (Arjovsky et al. 2017), TF-GAN's
 * `wasserstein_discriminator_loss`: `E[D(G(z))] − E[D(x)]`, the negated estimate of the
 * Earth-Mover distance. Antisymmetric: swapping real and fake negates it.
 * With `"none"` it returns `fake − real` per element.
 */
export function wassersteinDiscriminatorLoss(realScores: tf.Tensor, fakeScores: tf.Tensor, options: PairedLossOptions = {}): tf.Tensor {
  const [real, fake] = splitPairedOptions(options);
  return tf.tidy(() => {
    const onFake = reduceLoss("wassersteinDiscriminatorLoss", fakeScores, fake);
    const onReal = reduceLoss("wassersteinDiscriminatorLoss", realScores, real);
    return tf.sub(onFake, onReal);
  });
}

/**
 * The former name of {@link wassersteinDiscriminatorLoss}.
 * @deprecated Use {@link wassersteinDiscriminatorLoss} (TF-GAN's name); this alias goes in 1.0.
 */
export const wassersteinCriticLoss: typeof wassersteinDiscriminatorLoss = wassersteinDiscriminatorLoss;

/** Wasserstein generator loss (Arjovsky et al. 2017): `−E[D(G(z))]`. */
export function wassersteinGeneratorLoss(fakeScores: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  return tf.tidy(() => reduceLoss("wassersteinGeneratorLoss", tf.neg(fakeScores), options));
}

/**
 * Hinge discriminator loss (Lim & Ye 2017; Miyato et al. 2018):
 * `E[max(0, 1 − D(x))] + E[max(0, 1 + D(G(z)))]`.
 */
export function hingeDiscriminatorLoss(realScores: tf.Tensor, fakeScores: tf.Tensor, options: PairedLossOptions = {}): tf.Tensor {
  const [real, fake] = splitPairedOptions(options);
  return tf.tidy(() => {
    const onReal = reduceLoss("hingeDiscriminatorLoss", tf.relu(tf.sub(1, realScores)), real);
    const onFake = reduceLoss("hingeDiscriminatorLoss", tf.relu(tf.add(1, fakeScores)), fake);
    return tf.add(onReal, onFake);
  });
}

/** Hinge generator loss: `−E[D(G(z))]`. */
export function hingeGeneratorLoss(fakeScores: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  return tf.tidy(() => reduceLoss("hingeGeneratorLoss", tf.neg(fakeScores), options));
}

/**
 * Least-squares discriminator loss (LSGAN, Mao et al. 2017, a = 0, b = c = 1):
 * `½E[(D(x) − 1)²] + ½E[D(G(z))²]`.
 */
export function leastSquaresDiscriminatorLoss(realScores: tf.Tensor, fakeScores: tf.Tensor, options: PairedLossOptions = {}): tf.Tensor {
  const [real, fake] = splitPairedOptions(options);
  return tf.tidy(() => {
    const onReal = reduceLoss("leastSquaresDiscriminatorLoss", tf.mul(tf.square(tf.sub(realScores, 1)), 0.5), real);
    const onFake = reduceLoss("leastSquaresDiscriminatorLoss", tf.mul(tf.square(fakeScores), 0.5), fake);
    return tf.add(onReal, onFake);
  });
}

/** Least-squares generator loss (LSGAN): `½E[(D(G(z)) − 1)²]`. */
export function leastSquaresGeneratorLoss(fakeScores: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  return tf.tidy(() => reduceLoss("leastSquaresGeneratorLoss", tf.mul(tf.square(tf.sub(fakeScores, 1)), 0.5), options));
}

/**
 * Auxiliary classification loss of AC-GAN (Odena et al. 2017): softmax cross-entropy
 * `−Σ_c y_c log softmax(l)_c` per example, computed with a stable log-softmax.
 *
 * @param oneHotLabels - `[B, C]` one-hot (or soft) class targets.
 * @param classLogits - `[B, C]` logits of the discriminator's class head.
 * @returns scalar, or `[B]` for `"none"`.
 */
export function auxiliaryClassifierLoss(oneHotLabels: tf.Tensor, classLogits: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  if (oneHotLabels.rank !== 2 || classLogits.rank !== 2 || oneHotLabels.shape[1] !== classLogits.shape[1]) {
    throw new InvalidArgumentError(
      `auxiliaryClassifierLoss: expected oneHotLabels and classLogits of shape [B, C], found ` +
        `[${oneHotLabels.shape.join(", ")}] and [${classLogits.shape.join(", ")}]`,
    );
  }
  return tf.tidy(() => {
    const perExample = tf.neg(tf.sum(tf.mul(oneHotLabels, tf.logSoftmax(classLogits)), -1));
    return reduceLoss("auxiliaryClassifierLoss", perExample, options);
  });
}
