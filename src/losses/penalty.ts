import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import { assertSameShape, sumPerExample } from "./reduction.js";
import { ensureComparisonGradients } from "../_internals/gradients.js";

/** Options of {@link gradientPenalty}. */
export interface GradientPenaltyOptions {
  /**
   * Weight λ of the penalty (Gulrajani et al. 2017 use 10).
   * @defaultValue 10
   */
  readonly lambda?: number;
  /** Seed of the interpolation coefficients ε ~ U[0, 1], one per example. */
  readonly seed?: number;
  /**
   * Interpolation coefficients `[B]` to use instead of random ones (for tests and analysis).
   */
  readonly epsilon?: tf.Tensor1D;
}

/**
 * WGAN-GP gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"):
 * `λ · E[(‖∇_x̂ D(x̂)‖₂ − 1)²]` with `x̂ = ε·x + (1 − ε)·G(z)`, ε ~ U[0, 1] per example.
 * Gradients come from tfjs autodiff of the critic, the norm is taken per example over all its
 * non-batch axes. Differentiable with respect to the critic's weights (second-order autodiff),
 * so it can be added to the critic loss inside `optimizer.minimize`.
 *
 * @param critic - maps a batch shaped like `real` to scores `[B, 1]` or `[B]`.
 * @param real - real batch `[B, ...]`.
 * @param fake - generated batch, same shape.
 * @returns a scalar.
 *
 * @example
 * ```ts
 * const gp = gradientPenalty((x) => critic.apply(x, { training: true }) as tf.Tensor, real, fake);
 * ```
 */
export function gradientPenalty(
  critic: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  options: GradientPenaltyOptions = {},
): tf.Scalar {
  assertSameShape("gradientPenalty", real, "real", fake, "fake");
  const { lambda = 10, seed } = options;
  const batch = real.shape[0] ?? 0;
  ensureComparisonGradients();
  return tf.tidy(() => {
    const eps1d = options.epsilon ?? tf.randomUniform([batch], 0, 1, "float32", seed);
    if (eps1d.shape[0] !== batch) {
      throw new InvalidArgumentError(`gradientPenalty: options.epsilon must have shape [${batch}], found [${eps1d.shape.join(", ")}]`);
    }
    const eps = tf.reshape(eps1d, [batch, ...new Array<number>(real.rank - 1).fill(1)]);
    const interpolates = tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake));
    const gradients = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(interpolates);
    const norms = tf.sqrt(tf.add(sumPerExample(tf.square(gradients)), 1e-12));
    return tf.mul(tf.mean(tf.square(tf.sub(norms, 1))), lambda) as tf.Scalar;
  });
}
