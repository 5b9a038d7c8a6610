import type * as tf from "@tensorflow/tfjs-core";
import type { ImageSet } from "../data/image-set.js";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { ModelState } from "./saved-model.js";

/** Named scalar losses of one training step, e.g. `{ dLoss, gLoss }` or `{ loss, reconLoss, klLoss }`. */
export type StepLosses = Record<string, number>;

/** Shape of one image, `[height, width, channels]`, e.g. `[28, 28, 1]` for MNIST or `[32, 32, 3]`. */
export type ImageShape = readonly [height: number, width: number, channels: number];

/** The shape of MNIST-like images, `[28, 28, 1]`: every model's default. */
export const MNIST_IMAGE_SHAPE: ImageShape = [28, 28, 1];

/** What a model's `trainStep` takes: a batch of images, with labels for conditional models. */
export interface TrainBatch {
  /** Images `[B, H, W, C]` (the model's {@link GenerativeModel.imageShape}) in the model's pixel range. */
  readonly images: tf.Tensor4D;
  /** One-hot labels `[B, numClasses]`; required by conditional models. */
  readonly oneHot?: tf.Tensor2D;
}

/** Options of `sample`. */
export interface SampleOptions {
  /** Seed of the latent draw: the same seed gives the same images. */
  readonly seed?: number;
  /**
   * Class labels of the samples, one per sample (conditional models only; they draw labels
   * `i % numClasses` when absent).
   */
  readonly labels?: readonly number[];
  /** Latent vectors `[n, latentDim]` to decode instead of a random draw. */
  readonly latents?: tf.Tensor2D;
}

/**
 * The one interface the Trainer drives: every GAN and VAE of gen-mnist implements it. Extend
 * {@link BaseGenerativeModel} rather than writing all of it.
 */
export interface GenerativeModel {
  /**
   * The kind the model is registered under (see {@link registerModel}), e.g. `"gan"`, `"vae"`
   * or a user's `"infogan"`: saved in the manifest, it picks the factory that loads the model.
   */
  readonly kind: string;
  /** Preset or user-given name, e.g. `"dcgan"`. */
  readonly name: string;
  /** Size of the latent vector. */
  readonly latentDim: number;
  /** Shape of one image the model trains on and generates. */
  readonly imageShape: ImageShape;
  /** Pixel range the model's images live in. */
  readonly pixelRange: "[-1,1]" | "[0,1]";
  /** Whether `trainStep` and `sample` take labels. */
  readonly conditional: boolean;
  /** One optimisation step on a batch; returns named losses. Tensors it makes are disposed. */
  trainStep(batch: TrainBatch): Promise<StepLosses>;
  /** `n` generated images `[n, H, W, C]` in {@link GenerativeModel.pixelRange}; the caller disposes them. */
  sample(n: number, options?: SampleOptions): tf.Tensor4D;
  /** Number of trainable parameters of each sub-network, e.g. `{ generator: 579728, discriminator: 566273 }`. */
  parameterCounts(): Record<string, number>;
  /** The model's complete configuration (JSON-serialisable). */
  readonly config: object;
  /** The model's networks by role, e.g. `{ generator, discriminator }`. */
  networks(): Record<string, tfl.LayersModel>;
  /** The model's optimizers by role, e.g. `{ generator, discriminator }`. */
  optimizers(): Record<string, tf.Optimizer>;
  /** Training state besides weights (random generator, step counter), for checkpoints. */
  getState(): ModelState;
  /** Restores a state from {@link GenerativeModel.getState}. */
  setState(state: ModelState): void;
  /**
   * Saves weights, optimizer states, config and state into folder `dir`, atomically.
   * Load it back with the class's static `load(dir)` or `loadModel(dir)`.
   */
  save(dir: string): Promise<void>;
  /** Releases the model's weights and optimizer state. */
  dispose(): void;
}

/**
 * Where a model's latents come from when it generates: the prior N(0, I) by default, or a
 * distribution fitted to something (a Gaussian mixture on a VAE's encodings, Latent Space
 * Adaptation on a GAN's good samples). `fit` once, then `sample` as often as needed.
 *
 * @example
 * ```ts
 * const gmm = new GaussianMixtureSampler({ components: 10 });
 * await gmm.fit(vae, await loadMnist({ split: "test" }));
 * const images = vae.sample(64, { latents: gmm.sample(64, { seed: 1 }) });
 * ```
 */
export interface LatentSampler {
  /** Name shown in reports, e.g. `"prior"` or `"gmm"`. */
  readonly name: string;
  /** Fits the sampler to a model (and, for samplers that need them, images of the model's shape). */
  fit(model: GenerativeModel, data?: ImageSet): Promise<void>;
  /** `n` latents `[n, latentDim]`; the same seed gives the same latents. */
  sample(n: number, options?: { readonly seed?: number }): tf.Tensor2D;
}

