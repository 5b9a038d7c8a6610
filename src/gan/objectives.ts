import type * as tf from "@tensorflow/tfjs-core";
import {
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
  wassersteinCriticLoss,
  wassersteinGeneratorLoss,
} from "../losses/gan.js";

/**
 * The adversarial objective of a GAN:
 * - `"non-saturating"`: BCE discriminator, generator minimises `−log D(G(z))` (Goodfellow 2014);
 * - `"minimax"`: BCE discriminator, generator minimises `log(1 − D(G(z)))`;
 * - `"wasserstein"`: critic `E[D(fake)] − E[D(real)]` (WGAN, WGAN-GP);
 * - `"hinge"`: hinge discriminator, generator `−E[D(G(z))]`;
 * - `"least-squares"`: LSGAN.
 */
export type GanObjective = "non-saturating" | "minimax" | "wasserstein" | "hinge" | "least-squares";

/** Every {@link GanObjective}. */
export const GAN_OBJECTIVES: readonly GanObjective[] = ["non-saturating", "minimax", "wasserstein", "hinge", "least-squares"];

interface ObjectiveFns {
  discriminator(real: tf.Tensor, fake: tf.Tensor, labelSmoothing: number): tf.Tensor;
  generator(fake: tf.Tensor): tf.Tensor;
}

/** The loss functions of an objective. @internal */
export const OBJECTIVES: Record<GanObjective, ObjectiveFns> = {
  "non-saturating": {
    discriminator: (r, f, s) => minimaxDiscriminatorLoss(r, f, { labelSmoothing: s }),
    generator: (f) => nonSaturatingGeneratorLoss(f),
  },
  minimax: {
    discriminator: (r, f, s) => minimaxDiscriminatorLoss(r, f, { labelSmoothing: s }),
    generator: (f) => minimaxGeneratorLoss(f),
  },
  wasserstein: { discriminator: (r, f) => wassersteinCriticLoss(r, f), generator: (f) => wassersteinGeneratorLoss(f) },
  hinge: { discriminator: (r, f) => hingeDiscriminatorLoss(r, f), generator: (f) => hingeGeneratorLoss(f) },
  "least-squares": {
    discriminator: (r, f) => leastSquaresDiscriminatorLoss(r, f),
    generator: (f) => leastSquaresGeneratorLoss(f),
  },
};
