import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { bceReconstructionLoss, gaussianKlDivergence, mseReconstructionLoss, reparameterize, vaeLoss } from "../losses/vae.js";
import { BaseGenerativeModel } from "../nn/base-model.js";
import { trainableVariables, withoutFinalActivation } from "../nn/build.js";
import type { StepLosses, TrainBatch } from "../nn/model.js";
import { buildCheckedNetworks } from "../nn/network-slot.js";
import { createOptimizer } from "../nn/optimizer.js";
import { minimizeWithParts, resolveScalars } from "../nn/step.js";
import { registerModel } from "../nn/registry.js";
import { checkImageBatch } from "../_internals/check.js";
import { prepareVAE, type ResolvedVAEConfig, type VAEConfig } from "./config.js";

/** Mean and log-variance of the approximate posterior q(z | x). */
export interface Posterior {
  /** `[B, latentDim]` */
  readonly mean: tf.Tensor2D;
  /** `[B, latentDim]` */
  readonly logVariance: tf.Tensor2D;
}

/**
 * A variational autoencoder (Kingma & Welling 2014): encoder to a diagonal Gaussian posterior,
 * reparameterized sample, decoder to Bernoulli pixel probabilities. One class covers the MLP VAE,
 * convolutional VAE, conditional VAE and β-VAE; the presets ({@link MlpVAE}, {@link ConvVAE},
 * {@link CVAE}, {@link BetaVAE}) only change defaults.
 *
 * Images are in [0, 1]; feed it batches loaded with `range: "[0,1]"`.
 *
 * @example
 * ```ts
 * const vae = new VAE({ latentDim: 2 });
 * const { loss, reconLoss, klLoss } = await vae.trainStep(batch);
 * const recon = vae.reconstruct(batch.images);
 * ```
 */
export class VAE extends BaseGenerativeModel<ResolvedVAEConfig> {
  /**
   * `"vae"`: the kind every VAE (and every VAE preset) is saved and loaded as. A subclass that
   * changes what the model does must declare its own `kind` (an instance and a static one) and
   * `registerModel` it; otherwise a resumed or loaded run rebuilds a plain `VAE`.
   */
  readonly kind: string = "vae";
  /** The kind of every instance, for `load` to check a folder before building. */
  static readonly kind: string = "vae";
  /** Images are in [0, 1]. */
  readonly pixelRange = "[0,1]" as const;
  /** Encoder: image (and label) → `[B, 2 * latentDim]` (means, then log-variances). */
  readonly encoder: tfl.LayersModel;
  /** Decoder: z (and label) → pixel probabilities `[B, H, W, C]`. */
  readonly decoder: tfl.LayersModel;
  /**
   * The decoder without its final sigmoid (shares its weights), for a stable BCE on logits; the
   * decoder itself when it does not end in a sigmoid `Activation` layer.
   */
  readonly decoderLogits: tfl.LayersModel;
  /** Optimizer of encoder and decoder. */
  readonly optimizer: tf.Optimizer;

  /** Builds encoder, decoder and optimizer from `config` (see {@link VAEConfig}). */
  constructor(config: VAEConfig = {}) {
    const prepared = prepareVAE(config);
    super(prepared.config);
    const built = buildCheckedNetworks(
      `VAE '${this.config.name}'`,
      { encoder: config.encoder, decoder: config.decoder },
      { encoder: prepared.encoder, decoder: prepared.decoder },
      prepared.shapes,
      this.config.seed,
    );
    this.encoder = built.encoder;
    this.decoder = built.decoder;
    const last = this.decoder.layers[this.decoder.layers.length - 1];
    const endsInSigmoid = last?.getClassName() === "Activation" && (last.getConfig() as { activation?: unknown }).activation === "sigmoid";
    this.decoderLogits = endsInSigmoid ? withoutFinalActivation(this.decoder) : this.decoder;
    this.optimizer = createOptimizer(this.config.optimizer, `VAE '${this.config.name}' optimizer`);
  }

  /** The posterior q(z | x) of a batch `[B, H, W, C]` in [0, 1] (inference mode unless `training`). */
  encode(images: tf.Tensor4D, oneHot?: tf.Tensor2D, training = false): Posterior {
    checkImageBatch(`${this.name}.encode`, images, this.imageShape);
    return tf.tidy(() => {
      const out = this.encoder.apply(this.withLabels(images, oneHot, "encode"), { training }) as tf.Tensor2D;
      const [mean, logVariance] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mean, logVariance };
    });
  }

  /** Pixel probabilities `[B, H, W, C]` for latents `[B, latentDim]`. */
  decode(z: tf.Tensor2D, oneHot?: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.decoder.apply(this.withLabels(z, oneHot, "decode"), { training: false }) as tf.Tensor4D);
  }

  /**
   * Bernoulli logits `[B, H, W, C]` of the pixels for latents `[B, latentDim]` (the decoder before
   * its sigmoid; for a decoder that does not end in a sigmoid layer, `log(p / (1 − p))` of its
   * probabilities, clipped): what the BCE loss and the likelihood metrics use.
   */
  decodeLogits(z: tf.Tensor2D, oneHot?: tf.Tensor2D, training = false): tf.Tensor4D {
    return tf.tidy(() => {
      const out = this.decoderLogits.apply(this.withLabels(z, oneHot, "decodeLogits"), { training }) as tf.Tensor4D;
      return this.decoderLogits === this.decoder ? (probabilityLogits(out) as tf.Tensor4D) : out;
    });
  }

  /**
   * Reconstructs images: decodes the posterior mean (or, with `sample: true`, a draw from the
   * posterior).
   */
  reconstruct(images: tf.Tensor4D, options: { oneHot?: tf.Tensor2D; sample?: boolean; seed?: number } = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const { mean, logVariance } = this.encode(images, options.oneHot);
      const z = options.sample ? (reparameterize(mean, logVariance, options.seed) as tf.Tensor2D) : mean;
      return this.decode(z, options.oneHot);
    });
  }

  /**
   * One optimisation step of the negative ELBO (`reconLoss + beta * klLoss`, per-example sums
   * averaged over the batch). Returns `loss`, `reconLoss` and `klLoss`.
   */
  async trainStep(batch: TrainBatch): Promise<StepLosses> {
    const { images, oneHot } = this.checkBatch("trainStep", batch);
    const seed = this.nextSeed();
    this.reseedDropout();
    const { beta, reconstruction } = this.config;
    const variables = trainableVariables(this.encoder, this.decoder);
    const parts = tf.tidy(() =>
      minimizeWithParts(this.optimizer, variables, () => {
        const { mean, logVariance } = this.encode(images, oneHot, true);
        const z = reparameterize(mean, logVariance, seed) as tf.Tensor2D;
        const logits = this.decodeLogits(z, oneHot, true);
        const recon = reconstruction === "bce" ? bceReconstructionLoss(images, logits) : mseReconstructionLoss(images, tf.sigmoid(logits));
        const { loss, reconLoss, klLoss } = vaeLoss(recon as tf.Scalar, gaussianKlDivergence(mean, logVariance) as tf.Scalar, beta);
        return { loss, reconLoss, klLoss };
      }),
    );
    this.countStep();
    return resolveScalars(parts);
  }

  /** Decodes latents (draws from the prior N(0, I) in `sample`) to pixel probabilities in [0, 1]. */
  protected decodeLatents(z: tf.Tensor2D, oneHot: tf.Tensor2D | undefined): tf.Tensor4D {
    return this.decode(z, oneHot);
  }

  /** Networks by role. */
  networks(): Record<string, tfl.LayersModel> {
    return { encoder: this.encoder, decoder: this.decoder };
  }

  /** Optimizers by role. */
  optimizers(): Record<string, tf.Optimizer> {
    return { model: this.optimizer };
  }

  private withLabels(x: tf.Tensor, oneHot: tf.Tensor2D | undefined, fn: string): tf.Tensor | tf.Tensor[] {
    if (!this.conditional) return x;
    if (oneHot === undefined || oneHot.rank !== 2 || oneHot.shape[1] !== this.config.numClasses) {
      throw new InvalidArgumentError(
        `${this.name}.${fn}: this model is conditional; pass one-hot labels [B, ${this.config.numClasses}], found ${oneHot === undefined ? "none" : `[${oneHot.shape.join(", ")}]`}`,
      );
    }
    return [x, oneHot];
  }
}

/** Logits `log(p) − log(1 − p)` of probabilities, clipped away from 0 and 1. */
function probabilityLogits(p: tf.Tensor): tf.Tensor {
  const clipped = tf.clipByValue(p, 1e-7, 1 - 1e-7);
  return tf.sub(tf.log(clipped), tf.log1p(tf.neg(clipped)));
}

registerModel<VAEConfig>("vae", { create: (config) => new VAE(config) });
