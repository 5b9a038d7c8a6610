import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { PixelRange } from "../data/dataset.js";
import { InvalidArgumentError } from "../errors.js";
import { checkImageBatch, checkInteger, drawLatents, labelsOneHot } from "../_internals/check.js";
import { createRng, randomSeed, rngFromState, type Rng } from "../_internals/random.js";
import { countTrainableParams } from "./build.js";
import { MNIST_IMAGE_SHAPE, type GenerativeModel, type ImageShape, type SampleOptions, type StepLosses, type TrainBatch } from "./model.js";
import { disposeModel, loadSavedModel, saveModelDir, type ModelState } from "./saved-model.js";
import { reseedDropout } from "./seeded-dropout.js";

/** What every model's resolved config holds; a model's own config adds its fields. */
export interface BaseModelConfig {
  /** Name of the model, used in files and messages. */
  readonly name: string;
  /** Size of the latent vector. */
  readonly latentDim: number;
  /** Shape of one image, `[height, width, channels]`. */
  readonly imageShape: ImageShape;
  /** Number of classes of the labels (conditional models). */
  readonly numClasses: number;
  /** Batch size the Trainer and CLI use when none is given. */
  readonly batchSize: number;
  /** Seed of the starting weights and of the model's random draws. */
  readonly seed: number;
}

/** A labelled, checked batch: what {@link BaseGenerativeModel.checkBatch} returns. */
export interface CheckedBatch {
  /** Images `[B, H, W, C]`. */
  readonly images: tf.Tensor4D;
  /** One-hot labels `[B, numClasses]` for conditional models, else `undefined`. */
  readonly oneHot: tf.Tensor2D | undefined;
  /** Batch size `B`. */
  readonly size: number;
}

/**
 * Checks and fills the fields every model config shares (`imageShape` defaults to `[28, 28, 1]`).
 * @throws {@link InvalidArgumentError} naming the field.
 */
export function resolveBaseConfig(
  owner: string,
  config: Partial<BaseModelConfig>,
  defaults: { readonly name: string; readonly latentDim: number; readonly batchSize?: number },
): BaseModelConfig {
  const { name = defaults.name, latentDim = defaults.latentDim, numClasses = 10, batchSize = defaults.batchSize ?? 128, seed = 0 } = config;
  const imageShape = checkImageShape(owner, config.imageShape ?? MNIST_IMAGE_SHAPE);
  checkInteger(owner, "config.latentDim", latentDim, 1);
  checkInteger(owner, "config.numClasses", numClasses, 2);
  checkInteger(owner, "config.batchSize", batchSize, 1);
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`${owner}: config.seed must be an integer, found ${seed}`);
  return { name, latentDim, imageShape, numClasses, batchSize, seed };
}

function checkImageShape(owner: string, shape: readonly number[]): ImageShape {
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new InvalidArgumentError(`${owner}: config.imageShape must be [height, width, channels] of positive integers, found ${JSON.stringify(shape)}`);
  }
  return [shape[0] as number, shape[1] as number, shape[2] as number];
}

/**
 * The base of every gen-mnist model: owns the resolved config, the seeded random state, the step
 * counter, checks of batches, `sample`, save / load / dispose and `getState` / `setState`. A
 * model adds its networks and optimizers, `trainStep`, and `decodeLatents` (how `sample` turns
 * latents into images), then registers its kind with {@link registerModel} so that `loadModel`
 * and `Trainer.resume` can rebuild it.
 *
 * @typeParam C - the model's resolved, JSON-serialisable config.
 *
 * @example
 * ```ts
 * class Autoencoder extends BaseGenerativeModel<AutoencoderConfig> {
 *   readonly kind = "autoencoder";
 *   readonly pixelRange = "[0,1]";
 *   // networks(), optimizers(), trainStep(batch), decodeLatents(z) …
 * }
 * registerModel("autoencoder", { create: (config) => new Autoencoder(config) });
 * ```
 */
export abstract class BaseGenerativeModel<C extends BaseModelConfig = BaseModelConfig> implements GenerativeModel {
  /** The kind the model is registered under (letters, digits, `.`, `_`, `-`); saved in the manifest. */
  abstract readonly kind: string;
  /** Pixel range the model's images live in. */
  abstract readonly pixelRange: PixelRange;
  /** The complete configuration (JSON-serialisable: it is saved with the model). */
  readonly config: C;
  /** The model's random generator: the source of every draw of its training steps. */
  protected rng: Rng;
  /** Number of `trainStep` calls so far; subclasses count their steps with {@link BaseGenerativeModel.countStep}. */
  private steps = 0;

  /** @param config - the resolved config (see {@link resolveBaseConfig}). */
  constructor(config: C) {
    this.config = config;
    this.rng = createRng(config.seed);
  }

  /** The model's name. */
  get name(): string {
    return this.config.name;
  }

  /** Latent size. */
  get latentDim(): number {
    return this.config.latentDim;
  }

  /** Shape of one image. */
  get imageShape(): ImageShape {
    return this.config.imageShape;
  }

  /** Whether `trainStep` and `sample` take labels (`config.conditional`, when the config has it). */
  get conditional(): boolean {
    return (this.config as { conditional?: boolean }).conditional === true;
  }

  /** Number of `trainStep` calls so far. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * The model's networks by role, e.g. `{ generator, discriminator }`; saved under these names
   * (letters, digits, `_`, `-`: they name files). A network built by {@link networkSlot} must be
   * under the same role as its config key.
   */
  abstract networks(): Record<string, tfl.LayersModel>;

  /** The model's optimizers by role; saved under these names. */
  abstract optimizers(): Record<string, tf.Optimizer>;

  /** One optimisation step on a batch; returns named losses. */
  abstract trainStep(batch: TrainBatch): Promise<StepLosses>;

  /**
   * Images `[n, H, W, C]` for latents `[n, latentDim]` (and one-hot labels of conditional
   * models), in inference mode: what {@link BaseGenerativeModel.sample} decodes.
   */
  protected abstract decodeLatents(z: tf.Tensor2D, oneHot: tf.Tensor2D | undefined): tf.Tensor4D;

  /**
   * Generates `n` images `[n, H, W, C]` in the model's pixel range: decodes `options.latents` or
   * a seeded N(0, I) draw; conditional models draw the classes `options.labels`, or
   * `0, 1, …, numClasses − 1, 0, …` when absent.
   */
  sample(n: number, options: SampleOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const z = drawLatents(`${this.name}.sample`, n, this.latentDim, options.latents, options.seed);
      const oneHot = this.conditional ? labelsOneHot(`${this.name}.sample`, n, this.config.numClasses, options.labels) : undefined;
      return this.decodeLatents(z, oneHot);
    });
  }

  /** Trainable parameters of each network. */
  parameterCounts(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.networks()).map(([role, net]) => [role, countTrainableParams(net)]));
  }

  /**
   * Checks a batch against the model: images `[B, H, W, C]` of its image shape, and one-hot
   * labels `[B, numClasses]` when it is conditional.
   * @throws {@link InvalidArgumentError} naming `fn` and what was expected.
   */
  protected checkBatch(fn: string, batch: TrainBatch): CheckedBatch {
    const images = checkImageBatch(`${this.name}.${fn}`, batch.images, this.imageShape, { what: "batch.images", nonEmpty: true });
    if (images.dtype !== "float32") {
      throw new InvalidArgumentError(`${this.name}.${fn}: batch.images must be float32 in the model's pixel range ${this.pixelRange}, found ${images.dtype}`);
    }
    return { images, oneHot: this.conditional ? this.requireLabels(fn, batch.oneHot, images.shape[0]) : undefined, size: images.shape[0] };
  }

  /** `oneHot` checked to be `[n, numClasses]` (any `n` when absent). */
  protected requireLabels(fn: string, oneHot: tf.Tensor2D | undefined, n?: number): tf.Tensor2D {
    const k = this.config.numClasses;
    if (oneHot === undefined) throw new InvalidArgumentError(`${this.name}.${fn}: this model is conditional; pass one-hot labels [B, ${k}] (batch.oneHot)`);
    if (oneHot.rank !== 2 || oneHot.shape[1] !== k || (n !== undefined && oneHot.shape[0] !== n)) {
      throw new InvalidArgumentError(`${this.name}.${fn}: labels must have shape [${n ?? "B"}, ${k}], found [${oneHot.shape.join(", ")}]`);
    }
    return oneHot;
  }

  /** A fresh seed from the model's random generator (for a tfjs op's `seed`). */
  protected nextSeed(): number {
    return randomSeed(this.rng);
  }

  /** Reseeds every seeded dropout layer of the model's networks from its random generator (call once per update). */
  protected reseedDropout(): void {
    reseedDropout(Object.values(this.networks()), this.rng);
  }

  /** Counts one training step (call once per `trainStep`). */
  protected countStep(): void {
    this.steps += 1;
  }

  /** Numbers a model keeps between steps besides weights (e.g. a GAN's last generator loss); saved in checkpoints. */
  protected extraState(): Record<string, number | null> {
    return {};
  }

  /** Restores {@link BaseGenerativeModel.extraState}'s numbers. */
  protected restoreExtraState(extra: Readonly<Record<string, number | null>>): void {
    void extra;
  }

  /** Random-generator state, step counter and extra state, for checkpoints. */
  getState(): ModelState {
    return { rng: this.rng.getState(), steps: this.steps, extra: this.extraState() };
  }

  /** Restores {@link BaseGenerativeModel.getState}'s result. */
  setState(state: ModelState): void {
    this.rng = rngFromState(state.rng);
    this.steps = state.steps;
    this.restoreExtraState(state.extra ?? {});
  }

  /** Saves config, weights, optimizer states and training state into folder `dir`, atomically. */
  async save(dir: string): Promise<void> {
    await saveModelDir(this, dir);
  }

  /**
   * Loads a model of this class saved with `save(dir)`: config (with `overrides` on top, e.g. a
   * custom objective function that a config cannot hold), weights, optimizer states and training
   * state, so training continues exactly where it stopped. Every file is checked first. A
   * subclass with a static `kind` refuses a folder of another kind up front.
   *
   * @example
   * ```ts
   * await model.save("runs/x/model");
   * const again = await DCGAN.load("runs/x/model");
   * ```
   */
  static async load<T extends BaseGenerativeModel, Config>(
    this: new (config: Config) => T,
    dir: string,
    overrides: Partial<Config> = {},
  ): Promise<T> {
    // a class that declares its kind statically (GAN, VAE) refuses another kind's folder before building anything
    // only a static declared on this class itself: a subclass of GAN with its own kind inherits GAN's
    const kind = Object.hasOwn(this, "kind") ? (this as unknown as { readonly kind?: unknown }).kind : undefined;
    return loadSavedModel((config) => new this(config as Config), dir, typeof kind === "string" ? kind : undefined, overrides);
  }

  /** Disposes the networks and optimizers. */
  dispose(): void {
    disposeModel(this);
  }
}
