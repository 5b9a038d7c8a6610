import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { bceReconstructionLoss, gaussianKlDivergence, mseReconstructionLoss, reparameterize, vaeLoss } from "../losses/vae.js";
import { buildNetwork, countTrainableParams, trainableVariables, withoutFinalActivation } from "../nn/build.js";
import type { GenerativeModel, SampleOptions, StepLosses, TrainBatch } from "../nn/model.js";
import { createOptimizer, type OptimizerSpec } from "../nn/optimizer.js";
import type { NetworkSpec } from "../nn/spec.js";
import { minimizeWithParts, resolveScalars } from "../nn/step.js";
import { createRng, randomSeed, rngFromState, type Rng } from "../_internals/random.js";
import { reseedDropout } from "../nn/seeded-dropout.js";
import { disposeModel, loadSavedModel, saveModelDir, type ModelState } from "../nn/saved-model.js";
import { checkImageBatch, checkInteger, checkRange, drawLatents, labelsOneHot } from "../_internals/check.js";
import { convDecoder, convEncoder, mlpDecoder, mlpEncoder, smallConvDecoder, smallConvEncoder } from "./architectures.js";

/** VAE backbones: the published MLP and convolutional tables, and the small convolutional one (latent 10). */
export type VaeArchitecture = "mlp" | "conv" | "conv-small";

/** Reconstruction likelihood: Bernoulli (pixel-wise BCE, the default) or Gaussian (MSE). */
export type ReconstructionLoss = "bce" | "mse";

/** Configuration of a {@link VAE}; every field is optional. */
export interface VAEConfig {
  /**
   * Name of the model, used in files and messages.
   * @defaultValue "vae"
   */
  readonly name?: string;
  /**
   * Backbone of encoder and decoder.
   * @defaultValue "mlp"
   */
  readonly architecture?: VaeArchitecture;
  /** A custom encoder (overrides `architecture`): input `[28, 28, 1]`, output `[2 * latentDim]`. */
  readonly encoder?: NetworkSpec;
  /** A custom decoder (overrides `architecture`): input `[latentDim]`, output `[28, 28, 1]`, ending in a sigmoid. */
  readonly decoder?: NetworkSpec;
  /**
   * Latent size.
   * @defaultValue 16 (10 for `"conv-small"`)
   */
  readonly latentDim?: number;
  /**
   * Weight β of the KL term (β-VAE, Higgins et al. 2017); 1 is the plain VAE.
   * @defaultValue 1
   */
  readonly beta?: number;
  /**
   * Reconstruction term.
   * @defaultValue "bce"
   */
  readonly reconstruction?: ReconstructionLoss;
  /**
   * Conditional VAE (Sohn et al. 2015): the label is fed to encoder and decoder.
   * @defaultValue false
   */
  readonly conditional?: boolean;
  /**
   * How labels enter the networks.
   * @defaultValue "onehot"
   */
  readonly labelMode?: "onehot" | "embedding";
  /**
   * Number of classes of a conditional VAE.
   * @defaultValue 10
   */
  readonly numClasses?: number;
  /**
   * Optimizer of encoder and decoder together.
   * @defaultValue `{ type: "adam", learningRate: 1e-3 }`
   */
  readonly optimizer?: OptimizerSpec;
  /**
   * Batch size the setup was published with; the Trainer and CLI use it when none is given.
   * @defaultValue 128
   */
  readonly batchSize?: number;
  /**
   * Seed of the starting weights (see {@link BuildNetworkOptions.seed}) and of the
   * reparameterization noise of training steps: two models built with one seed start and train
   * alike (tfjs-layers dropout aside). Give each run of a study its own seed.
   * @defaultValue 0
   */
  readonly seed?: number;
}

/** A {@link VAEConfig} with every field filled in and both networks as specs. */
export type ResolvedVAEConfig = Required<Omit<VAEConfig, "encoder" | "decoder">> & {
  /** The encoder actually built (label input included for conditional models). */
  readonly encoder: NetworkSpec;
  /** The decoder actually built (label input included for conditional models). */
  readonly decoder: NetworkSpec;
};

/** Fills a {@link VAEConfig} with defaults and checks it. */
export function resolveVAEConfig(config: VAEConfig = {}): ResolvedVAEConfig {
  const {
    name = "vae",
    architecture = "mlp",
    beta = 1,
    reconstruction = "bce",
    conditional = false,
    labelMode = "onehot",
    numClasses = 10,
    optimizer = { type: "adam", learningRate: 1e-3 },
    batchSize = 128,
    seed = 0,
  } = config;
  const latentDim = config.latentDim ?? (architecture === "conv-small" ? 10 : 16);
  const owner = `VAE '${name}'`;
  const backbones = {
    mlp: () => ({ e: mlpEncoder({ latentDim }), d: mlpDecoder({ latentDim }) }),
    conv: () => ({ e: convEncoder({ latentDim }), d: convDecoder({ latentDim }) }),
    "conv-small": () => ({ e: smallConvEncoder({ latentDim }), d: smallConvDecoder({ latentDim }) }),
  };
  if (!(architecture in backbones)) {
    throw new InvalidArgumentError(`${owner}: config.architecture must be "mlp", "conv" or "conv-small", found ${JSON.stringify(architecture)}`);
  }
  if (reconstruction !== "bce" && reconstruction !== "mse") {
    throw new InvalidArgumentError(`${owner}: config.reconstruction must be "bce" or "mse", found ${JSON.stringify(reconstruction)}`);
  }
  checkInteger(owner, "config.latentDim", latentDim, 1);
  checkInteger(owner, "config.numClasses", numClasses, 2);
  checkInteger(owner, "config.batchSize", batchSize, 1);
  checkRange(owner, "config.beta", beta, 0, Infinity, false);
  const backbone = backbones[architecture]();
  let encoder = config.encoder ?? backbone.e;
  let decoder = config.decoder ?? backbone.d;
  const encoderOut = encoder.outputShape?.[0];
  if (encoder.outputShape !== undefined && (encoder.outputShape.length !== 1 || encoderOut !== 2 * latentDim)) {
    throw new InvalidArgumentError(
      `${owner}: the encoder must output [2 * latentDim] = [${2 * latentDim}] (means, then log-variances), found [${encoder.outputShape.join(", ")}]`,
    );
  }
  if (decoder.inputShape.length !== 1 || decoder.inputShape[0] !== latentDim) {
    throw new InvalidArgumentError(`${owner}: the decoder's inputShape must be [${latentDim}], found [${decoder.inputShape.join(", ")}]`);
  }
  if (conditional) {
    encoder = { ...encoder, condition: { numClasses, mode: labelMode } };
    decoder = { ...decoder, condition: { numClasses, mode: labelMode } };
  }
  return { name, architecture, latentDim, beta, reconstruction, conditional, labelMode, numClasses, optimizer, batchSize, seed, encoder, decoder };
}

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
export class VAE implements GenerativeModel {
  /** Always `"vae"`. */
  readonly family = "vae" as const;
  /** Images are in [0, 1]. */
  readonly pixelRange = "[0,1]" as const;
  /** The complete configuration. */
  readonly config: ResolvedVAEConfig;
  /** Encoder: image (and label) → `[B, 2 * latentDim]` (means, then log-variances). */
  readonly encoder: tfl.LayersModel;
  /** Decoder: z (and label) → pixel probabilities `[B, 28, 28, 1]`. */
  readonly decoder: tfl.LayersModel;
  /** The decoder without its final sigmoid (shares its weights), for a stable BCE on logits. */
  readonly decoderLogits: tfl.LayersModel;
  /** Optimizer of encoder and decoder. */
  readonly optimizer: tf.Optimizer;
  private rng: Rng;
  private steps = 0;

  /** Builds encoder, decoder and optimizer from `config` (see {@link VAEConfig}). */
  constructor(config: VAEConfig = {}) {
    this.config = resolveVAEConfig(config);
    this.encoder = buildNetwork(this.config.encoder, { seed: this.config.seed });
    this.decoder = buildNetwork(this.config.decoder, { seed: this.config.seed });
    this.decoderLogits = withoutFinalActivation(this.decoder);
    this.optimizer = createOptimizer(this.config.optimizer, `VAE '${this.config.name}' optimizer`);
    this.rng = createRng(this.config.seed);
  }

  /** The model's name. */
  get name(): string {
    return this.config.name;
  }

  /** Latent size. */
  get latentDim(): number {
    return this.config.latentDim;
  }

  /** Whether encoder and decoder take labels. */
  get conditional(): boolean {
    return this.config.conditional;
  }

  /** Trainable parameters of `encoder` and `decoder`. */
  parameterCounts(): Record<string, number> {
    return { encoder: countTrainableParams(this.encoder), decoder: countTrainableParams(this.decoder) };
  }

  /** The posterior q(z | x) of a batch `[B, 28, 28, 1]` in [0, 1] (inference mode unless `training`). */
  encode(images: tf.Tensor4D, oneHot?: tf.Tensor2D, training = false): Posterior {
    return tf.tidy(() => {
      const out = this.encoder.apply(this.withLabels(images, oneHot, "encode"), { training }) as tf.Tensor2D;
      const [mean, logVariance] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      return { mean, logVariance };
    });
  }

  /** Pixel probabilities `[B, 28, 28, 1]` for latents `[B, latentDim]`. */
  decode(z: tf.Tensor2D, oneHot?: tf.Tensor2D): tf.Tensor4D {
    return tf.tidy(() => this.decoder.apply(this.withLabels(z, oneHot, "decode"), { training: false }) as tf.Tensor4D);
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
    const images = checkImageBatch(`${this.name}.trainStep`, batch.images);
    const oneHot = this.conditional ? batch.oneHot : undefined;
    if (this.conditional && oneHot === undefined) {
      throw new InvalidArgumentError(`${this.name}.trainStep: this model is conditional; pass batch.oneHot [B, ${this.config.numClasses}]`);
    }
    const seed = randomSeed(this.rng);
    reseedDropout([this.encoder, this.decoder], this.rng);
    const { beta, reconstruction } = this.config;
    const variables = trainableVariables(this.encoder, this.decoder);
    const parts = tf.tidy(() =>
      minimizeWithParts(this.optimizer, variables, () => {
        const { mean, logVariance } = this.encode(images, oneHot, true);
        const z = reparameterize(mean, logVariance, seed) as tf.Tensor2D;
        const logits = this.decoderLogits.apply(this.withLabels(z, oneHot, "trainStep"), { training: true }) as tf.Tensor4D;
        const recon = reconstruction === "bce" ? bceReconstructionLoss(images, logits) : mseReconstructionLoss(images, tf.sigmoid(logits));
        const { loss, reconLoss, klLoss } = vaeLoss(recon as tf.Scalar, gaussianKlDivergence(mean, logVariance) as tf.Scalar, beta);
        return { loss, reconLoss, klLoss };
      }),
    );
    this.steps += 1;
    return resolveScalars(parts);
  }

  /** Number of `trainStep` calls so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Decodes `n` draws from the prior N(0, I): pixel probabilities `[n, 28, 28, 1]` in [0, 1]. */
  sample(n: number, options: SampleOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const z = drawLatents(`${this.name}.sample`, n, this.latentDim, options.latents, options.seed);
      const oneHot = this.conditional ? labelsOneHot(`${this.name}.sample`, n, this.config.numClasses, options.labels) : undefined;
      return this.decode(z, oneHot);
    });
  }

  /** Networks by role. */
  networks(): Record<string, tfl.LayersModel> {
    return { encoder: this.encoder, decoder: this.decoder };
  }

  /** Optimizers by role. */
  optimizers(): Record<string, tf.Optimizer> {
    return { model: this.optimizer };
  }

  /** Random-generator state and step counter, for checkpoints. */
  getState(): ModelState {
    return { rng: this.rng.getState(), steps: this.steps };
  }

  /** Restores {@link VAE.getState}'s result. */
  setState(state: ModelState): void {
    this.rng = rngFromState(state.rng);
    this.steps = state.steps;
  }

  /** Saves the model into folder `dir` atomically; load it with {@link VAE.load}. */
  async save(dir: string): Promise<void> {
    await saveModelDir(this, dir);
  }

  /**
   * Loads a model saved with `save(dir)`: config, weights, optimizer states and training state,
   * so training continues exactly where it stopped.
   *
   * @example
   * ```ts
   * await model.save("runs/x/model");
   * const again = await VAE.load("runs/x/model");
   * ```
   */
  static async load<T extends VAE>(this: new (config: VAEConfig) => T, dir: string): Promise<T> {
    return loadSavedModel(this, dir, "vae");
  }

  /** Disposes the networks and optimizers. */
  dispose(): void {
    disposeModel(this);
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
