import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";

/**
 * Clips every variable into `[-clipValue, clipValue]` in place: the Lipschitz constraint of the
 * original WGAN (Arjovsky et al. 2017 use 0.01), applied after each critic update. A constraint on
 * the weights, not a loss: `GAN` applies it when `clipValue > 0`.
 *
 * @example
 * ```ts
 * clipWeights(critic.trainableWeights.map((w) => w.read() as tf.Variable), 0.01);
 * ```
 */
export function clipWeights(variables: readonly tf.Variable[], clipValue: number): void {
  if (!(clipValue > 0)) {
    throw new InvalidArgumentError(`clipWeights: clipValue must be positive, found ${clipValue}`);
  }
  tf.tidy(() => {
    for (const v of variables) v.assign(tf.clipByValue(v, -clipValue, clipValue));
  });
}
