import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";

/**
 * How a loss turns per-element values into its result:
 * `"mean"` (a scalar, the mean over elements), `"sum"` (a scalar) or `"none"` (the per-element
 * tensor, shape of the input).
 */
export type Reduction = "mean" | "sum" | "none";

/** Options every loss function accepts. */
export interface LossOptions {
  /**
   * How per-element losses are reduced. See {@link Reduction}.
   * @defaultValue "mean"
   */
  readonly reduction?: Reduction;
  /**
   * Per-element weights, broadcastable to the per-element loss; applied before reduction
   * (so `"mean"` returns `mean(weights * loss)`).
   */
  readonly weights?: tf.Tensor;
}

/**
 * Options of a loss with a real and a fake term (every discriminator loss): TF-GAN's
 * `real_weights` / `generated_weights`.
 */
export interface PairedLossOptions extends LossOptions {
  /** Weights of the real term (overrides `weights` for it), broadcastable to its per-element loss. */
  readonly realWeights?: tf.Tensor;
  /** Weights of the fake term (overrides `weights` for it), broadcastable to its per-element loss. */
  readonly fakeWeights?: tf.Tensor;
}

/**
 * The options of a {@link PairedLossOptions} loss's real and fake terms, each with its own weights.
 *
 * @example
 * ```ts
 * const [onReal, onFake] = splitPairedOptions(options);
 * const loss = tf.add(reduceLoss("myLoss", realTerm, onReal), reduceLoss("myLoss", fakeTerm, onFake));
 * ```
 */
export function splitPairedOptions(options: PairedLossOptions = {}): [LossOptions, LossOptions] {
  const { realWeights, fakeWeights, weights, reduction } = options;
  const real = realWeights ?? weights;
  const fake = fakeWeights ?? weights;
  return [
    { ...(reduction === undefined ? {} : { reduction }), ...(real === undefined ? {} : { weights: real }) },
    { ...(reduction === undefined ? {} : { reduction }), ...(fake === undefined ? {} : { weights: fake }) },
  ];
}

/**
 * Weights and reduces per-element losses: the reduction every loss of gen-mnist ends with, for
 * users' own losses too.
 *
 * @param fn - the calling function's name, for the error message.
 * @param losses - per-element losses, any shape.
 * @returns a scalar for `"mean"` and `"sum"`, `weights * losses` for `"none"`.
 * @throws {@link InvalidArgumentError} on an unknown reduction.
 *
 * @example
 * ```ts
 * function absoluteLoss(a: tf.Tensor, b: tf.Tensor, options: LossOptions = {}): tf.Tensor {
 *   return tf.tidy(() => reduceLoss("absoluteLoss", tf.abs(tf.sub(a, b)), options));
 * }
 * ```
 */
export function reduceLoss(fn: string, losses: tf.Tensor, options: LossOptions = {}): tf.Tensor {
  const { reduction = "mean", weights } = options;
  const weighted = weights === undefined ? losses : tf.mul(losses, weights);
  switch (reduction) {
    case "mean": return tf.mean(weighted);
    case "sum": return tf.sum(weighted);
    case "none": return weighted;
    default:
      throw new InvalidArgumentError(
        `${fn}: options.reduction must be "mean", "sum" or "none", found ${JSON.stringify(reduction)}`,
      );
  }
}

/**
 * Sums a tensor over every axis but the first (the batch axis): `[B, ...] → [B]`.
 * @internal
 */
export function sumPerExample(x: tf.Tensor): tf.Tensor1D {
  if (x.rank <= 1) return tf.reshape(x, [-1]) as tf.Tensor1D;
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i + 1);
  return tf.sum(x, axes) as tf.Tensor1D;
}

/** @internal */
export function assertSameShape(fn: string, a: tf.Tensor, aName: string, b: tf.Tensor, bName: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new InvalidArgumentError(
      `${fn}: ${aName} and ${bName} must have the same shape, found [${a.shape.join(", ")}] and [${b.shape.join(", ")}]`,
    );
  }
}
