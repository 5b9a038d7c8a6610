import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { auxiliaryClassifierLoss } from "../losses/gan.js";
import { clipWeights, gradientPenalty } from "../losses/penalty.js";
import { buildNetwork, countTrainableParams, trainableVariables } from "../nn/build.js";
import type { GenerativeModel, SampleOptions, StepLosses, TrainBatch } from "../nn/model.js";
import { createOptimizer, type OptimizerSpec } from "../nn/optimizer.js";
import type { NetworkSpec } from "../nn/spec.js";
import { minimizeWithParts, resolveScalars, type LossParts } from "../nn/step.js";
import { createRng, randomSeed, rngFromState, type Rng } from "../_internals/random.js";
import { reseedDropout } from "../nn/seeded-dropout.js";
import { disposeModel, loadSavedModel, saveModelDir, type ModelState } from "../nn/saved-model.js";
import { checkImageBatch, checkInteger, checkRange, drawLatents, labelsOneHot } from "../_internals/check.js";
import { dcganDiscriminator, dcganGenerator, mlpDiscriminator, mlpGenerator } from "./architectures.js";
import { GAN_OBJECTIVES, OBJECTIVES, type GanObjective } from "./objectives.js";

/** Backbones with published layer tables. */
export type GanArchitecture = "mlp" | "dcgan";

/**
 * Configuration of a {@link GAN}. Every field is optional; the presets ({@link DCGAN},
 * {@link WGAN}, …) fill in their published values and the rest come from the defaults below.
 */
export interface GANConfig {
  /**
   * Name of the model, used in files and messages.
   * @defaultValue "gan"
   */
  readonly name?: string;
  /**
   * Backbone of both networks, from the published tables.
   * @defaultValue "mlp"
   */
  readonly architecture?: GanArchitecture;
  /** A custom generator (overrides `architecture`); input `[latentDim]`, output `[28, 28, 1]` in [-1, 1]. */
  readonly generator?: NetworkSpec;
  /** A custom discriminator (overrides `architecture`); input `[28, 28, 1]`, output `[1]` logits or scores. */
  readonly discriminator?: NetworkSpec;
  /**
   * Size of the latent vector z ~ N(0, I).
   * @defaultValue 100
   */
  readonly latentDim?: number;
  /**
   * Batch normalization in the generator of the backbone.
   * @defaultValue false
   */
  readonly batchNorm?: boolean;
  /**
   * Adversarial objective; see {@link GanObjective}.
   * @defaultValue "non-saturating"
   */
  readonly objective?: GanObjective;
  /**
   * One-sided label smoothing of the BCE objectives (real target `1 − s`).
   * @defaultValue 0
   */
  readonly labelSmoothing?: number;
  /**
   * Weight λ of the WGAN-GP gradient penalty; 0 turns it off.
   * @defaultValue 0
   */
  readonly gradientPenalty?: number;
  /**
   * WGAN weight clipping: after each critic update every critic weight is clipped to
   * `[-clipValue, clipValue]`; 0 turns it off.
   * @defaultValue 0
   */
  readonly clipValue?: number;
  /**
   * Critic updates per generator update. Each `trainStep` updates the critic once and the
   * generator on every `nCritic`-th call, so the critic sees a fresh real batch each time.
   * @defaultValue 1
   */
  readonly nCritic?: number;
  /**
   * Conditional GAN (Mirza & Osindero 2014): the label is fed to generator and discriminator.
   * @defaultValue false
   */
  readonly conditional?: boolean;
  /**
   * AC-GAN (Odena et al. 2017): the label is fed to the generator and the discriminator gets a
   * second head that classifies real and fake images.
   * @defaultValue false
   */
  readonly auxiliaryClassifier?: boolean;
  /**
   * How labels enter the networks; see {@link ConditionSpec}.
   * @defaultValue "onehot"
   */
  readonly labelMode?: "onehot" | "embedding";
  /**
   * Number of classes of conditional models.
   * @defaultValue 10
   */
  readonly numClasses?: number;
  /**
   * Generator optimizer.
   * @defaultValue `{ type: "adam", learningRate: 2e-4, beta1: 0.5 }`
   */
  readonly generatorOptimizer?: OptimizerSpec;
  /**
   * Discriminator (critic) optimizer.
   * @defaultValue `{ type: "adam", learningRate: 2e-4, beta1: 0.5 }`
   */
  readonly discriminatorOptimizer?: OptimizerSpec;
  /**
   * Batch size the setup was published with; the Trainer and CLI use it when none is given.
   * @defaultValue 128
   */
  readonly batchSize?: number;
  /**
   * Seed of the starting weights (see {@link BuildNetworkOptions.seed}) and of the latent draws
   * of training steps: two models built with one seed start and train alike (tfjs-layers dropout
   * aside, which draws from `Math.random`). Give each run of a study its own seed.
   * @defaultValue 0
   */
  readonly seed?: number;
}

/** A {@link GANConfig} with every field filled in and both networks as specs (JSON-serialisable). */
export type ResolvedGANConfig = Required<Omit<GANConfig, "generator" | "discriminator">> & {
  /** The generator actually built (label input included for conditional models). */
  readonly generator: NetworkSpec;
  /** The discriminator actually built (label input or class head included). */
  readonly discriminator: NetworkSpec;
};

/** What {@link GAN.discriminate} returns. */
export interface DiscriminatorOutput {
  /** Real/fake logits (or critic scores) `[B, 1]`. */
  readonly source: tf.Tensor;
  /** Class logits `[B, numClasses]`, AC-GAN only. */
  readonly classes?: tf.Tensor;
}

const ADAM_GAN: OptimizerSpec = { type: "adam", learningRate: 2e-4, beta1: 0.5, beta2: 0.999 };

/** Fills a {@link GANConfig} with defaults and checks it. */
export function resolveGANConfig(config: GANConfig = {}): ResolvedGANConfig {
  const {
    name = "gan",
    architecture = "mlp",
    latentDim = 100,
    batchNorm = false,
    objective = "non-saturating",
    labelSmoothing = 0,
    gradientPenalty: gp = 0,
    clipValue = 0,
    nCritic = 1,
    conditional = false,
    auxiliaryClassifier = false,
    labelMode = "onehot",
    numClasses = 10,
    generatorOptimizer = ADAM_GAN,
    discriminatorOptimizer = ADAM_GAN,
    batchSize = 128,
    seed = 0,
  } = config;
  const owner = `GAN '${name}'`;
  if (architecture !== "mlp" && architecture !== "dcgan") {
    throw new InvalidArgumentError(`${owner}: config.architecture must be "mlp" or "dcgan", found ${JSON.stringify(architecture)}`);
  }
  if (!GAN_OBJECTIVES.includes(objective)) {
    throw new InvalidArgumentError(
      `${owner}: config.objective must be one of ${GAN_OBJECTIVES.map((o) => `"${o}"`).join(", ")}, found ${JSON.stringify(objective)}`,
    );
  }
  checkInteger(owner, "config.latentDim", latentDim, 1);
  checkInteger(owner, "config.nCritic", nCritic, 1);
  checkInteger(owner, "config.numClasses", numClasses, 2);
  checkInteger(owner, "config.batchSize", batchSize, 1);
  checkRange(owner, "config.labelSmoothing", labelSmoothing, 0, 1, true);
  checkRange(owner, "config.gradientPenalty", gp, 0, Infinity, false);
  checkRange(owner, "config.clipValue", clipValue, 0, Infinity, false);
  const backbone = architecture === "mlp"
    ? { g: mlpGenerator({ latentDim, batchNorm }), d: mlpDiscriminator() }
    : { g: dcganGenerator({ latentDim, batchNorm }), d: dcganDiscriminator() };
  let generator = config.generator ?? backbone.g;
  let discriminator = config.discriminator ?? backbone.d;
  const condition = { numClasses, mode: labelMode };
  if (conditional || auxiliaryClassifier) generator = { ...generator, condition };
  if (conditional && !auxiliaryClassifier) discriminator = { ...discriminator, condition };
  if (auxiliaryClassifier) discriminator = withClassHead(owner, discriminator, numClasses);
  if (generator.inputShape.length !== 1 || generator.inputShape[0] !== latentDim) {
    throw new InvalidArgumentError(
      `${owner}: the generator's inputShape must be [latentDim] = [${latentDim}], found [${generator.inputShape.join(", ")}]`,
    );
  }
  return {
    name, architecture, latentDim, batchNorm, objective, labelSmoothing, gradientPenalty: gp, clipValue, nCritic,
    conditional, auxiliaryClassifier, labelMode, numClasses, generatorOptimizer, discriminatorOptimizer, batchSize, seed,
    generator, discriminator,
  };
}

/**
 * Moves a discriminator's last (dense) layer into a "source" head and adds a class head beside it;
 * a discriminator that has both heads already is returned as it is.
 */
function withClassHead(owner: string, spec: NetworkSpec, numClasses: number): NetworkSpec {
  // a resolved config (a saved model's) already has the heads: resolving it again keeps them
  const classHead = spec.heads?.find((h) => h.name === "class");
  if (classHead !== undefined && spec.heads?.some((h) => h.name === "source") === true) {
    if (classHead.outputShape?.[0] !== numClasses) {
      throw new InvalidArgumentError(`${owner}: the discriminator's class head has ${classHead.outputShape?.[0] ?? "?"} outputs, config.numClasses is ${numClasses}`);
    }
    return spec;
  }
  const last = spec.layers[spec.layers.length - 1];
  if (last?.type !== "dense") {
    throw new InvalidArgumentError(`${owner}: an auxiliary classifier needs a discriminator whose last layer is dense, found ${last?.type ?? "none"}`);
  }
  return {
    ...spec,
    name: `${spec.name}-ac`,
    layers: spec.layers.slice(0, -1),
    outputShape: undefined,
    heads: [
      { name: "source", layers: [last], outputShape: [last.units] },
      { name: "class", layers: [{ type: "dense", units: numClasses }], outputShape: [numClasses] },
    ],
  };
}

/**
 * A generative adversarial network: generator, discriminator (or critic), their optimizers and
 * one training step. One class covers the MLP GAN, DCGAN, WGAN, WGAN-GP, conditional GAN and
 * AC-GAN; the named presets ({@link VanillaGAN}, {@link DCGAN}, {@link WGAN}, {@link WGANGP},
 * {@link CGAN}, {@link ACGAN}) only change the defaults.
 *
 * Images are in [-1, 1] (tanh output); feed it batches loaded with `range: "[-1,1]"`.
 *
 * @example
 * ```ts
 * const gan = new GAN({ architecture: "dcgan", objective: "hinge", latentDim: 64 });
 * const losses = await gan.trainStep(batch); // { dLoss, gLoss, realScore, fakeScore }
 * const images = gan.sample(16, { seed: 1 });
 * ```
 */
export class GAN implements GenerativeModel {
  /** Always `"gan"`. */
  readonly family = "gan" as const;
  /** Images are in [-1, 1]. */
  readonly pixelRange = "[-1,1]" as const;
  /** The complete configuration. */
  readonly config: ResolvedGANConfig;
  /** Generator: `z` (and the one-hot label when conditional) → image `[B, 28, 28, 1]`. */
  readonly generator: tfl.LayersModel;
  /** Discriminator or critic: image (and label) → logits `[B, 1]` (and class logits for AC-GAN). */
  readonly discriminator: tfl.LayersModel;
  /** Optimizer of the generator. */
  readonly generatorOptimizer: tf.Optimizer;
  /** Optimizer of the discriminator. */
  readonly discriminatorOptimizer: tf.Optimizer;
  private rng: Rng;
  private steps = 0;
  private lastGeneratorLoss = Number.NaN;

  /** Builds both networks and optimizers from `config` (see {@link GANConfig}). */
  constructor(config: GANConfig = {}) {
    this.config = resolveGANConfig(config);
    this.generator = buildNetwork(this.config.generator, { seed: this.config.seed });
    this.discriminator = buildNetwork(this.config.discriminator, { seed: this.config.seed });
    this.generatorOptimizer = createOptimizer(this.config.generatorOptimizer, `GAN '${this.config.name}' generatorOptimizer`);
    this.discriminatorOptimizer = createOptimizer(this.config.discriminatorOptimizer, `GAN '${this.config.name}' discriminatorOptimizer`);
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

  /** Whether the generator takes labels. */
  get conditional(): boolean {
    return this.config.conditional || this.config.auxiliaryClassifier;
  }

  /** Number of `trainStep` calls so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Trainable parameters of `generator` and `discriminator`. */
  parameterCounts(): Record<string, number> {
    return { generator: countTrainableParams(this.generator), discriminator: countTrainableParams(this.discriminator) };
  }

  /** Runs the generator (`training` selects batch-norm and dropout behaviour). */
  generate(z: tf.Tensor2D, oneHot: tf.Tensor2D | undefined, training: boolean): tf.Tensor4D {
    const inputs = this.conditional ? [z, this.requireLabels(oneHot, "generate")] : z;
    return this.generator.apply(inputs, { training }) as tf.Tensor4D;
  }

  /** Runs the discriminator: source logits `[B, 1]`, and class logits for AC-GAN. */
  discriminate(images: tf.Tensor, oneHot: tf.Tensor2D | undefined, training: boolean): DiscriminatorOutput {
    const { conditional, auxiliaryClassifier } = this.config;
    const inputs = conditional && !auxiliaryClassifier ? [images, this.requireLabels(oneHot, "discriminate")] : images;
    const out = this.discriminator.apply(inputs, { training }) as tf.Tensor | tf.Tensor[];
    if (Array.isArray(out)) return { source: out[0] as tf.Tensor, classes: out[1] };
    return { source: out };
  }

  /**
   * One training step: a discriminator (critic) update on `batch` and, every `nCritic`-th call,
   * a generator update. Returns `dLoss`, `gLoss` (the latest generator loss; before the first
   * generator update, the generator loss at the current critic), `realScore` and `fakeScore`
   * (mean discriminator outputs), plus `gradPenalty` for WGAN-GP and `dClassLoss`, `gClassLoss`
   * for AC-GAN.
   */
  async trainStep(batch: TrainBatch): Promise<StepLosses> {
    const { gEstimate, ...d } = await this.discriminatorStep(batch);
    const g = this.steps % this.config.nCritic === 0 ? await this.generatorStep(batch) : {};
    return { ...d, ...g, gLoss: g.gLoss ?? (Number.isNaN(this.lastGeneratorLoss) ? (gEstimate ?? Number.NaN) : this.lastGeneratorLoss) };
  }

  /**
   * Updates the discriminator (critic) alone on a real batch and a generated one of the same
   * size; clips its weights when `clipValue > 0`. Returns `dLoss`, `realScore`, `fakeScore`,
   * `gEstimate` (the generator loss at the updated critic's inputs) and the penalty and class
   * terms when configured.
   */
  async discriminatorStep(batch: TrainBatch): Promise<StepLosses> {
    const images = checkImageBatch(`${this.name}.discriminatorStep`, batch.images);
    const n = images.shape[0];
    const oneHot = this.conditional ? this.requireLabels(batch.oneHot, "discriminatorStep") : undefined;
    const { objective, labelSmoothing, gradientPenalty: lambda, clipValue, auxiliaryClassifier } = this.config;
    const fns = OBJECTIVES[objective];
    const dVars = trainableVariables(this.discriminator);
    const [zSeed, gpSeed] = [randomSeed(this.rng), randomSeed(this.rng)];
    reseedDropout([this.generator, this.discriminator], this.rng);
    const { loss: dLoss, ...parts } = tf.tidy(() =>
      minimizeWithParts(this.discriminatorOptimizer, dVars, (): LossParts => {
        const z = tf.randomNormal([n, this.latentDim], 0, 1, "float32", zSeed) as tf.Tensor2D;
        const fake = this.generate(z, oneHot, true);
        const real = this.discriminate(images, oneHot, true);
        const faked = this.discriminate(fake, oneHot, true);
        let loss = fns.discriminator(real.source, faked.source, labelSmoothing) as tf.Scalar;
        const extra: Record<string, tf.Scalar> = {
          realScore: tf.mean(real.source),
          fakeScore: tf.mean(faked.source),
          gEstimate: fns.generator(faked.source) as tf.Scalar,
        };
        if (lambda > 0) {
          const critic = (x: tf.Tensor): tf.Tensor => this.discriminate(x, oneHot, true).source;
          extra.gradPenalty = gradientPenalty(critic, images, fake, { lambda, seed: gpSeed });
          loss = tf.add(loss, extra.gradPenalty);
        }
        if (auxiliaryClassifier && oneHot !== undefined && real.classes && faked.classes) {
          extra.dClassLoss = tf.add(auxiliaryClassifierLoss(oneHot, real.classes), auxiliaryClassifierLoss(oneHot, faked.classes));
          loss = tf.add(loss, extra.dClassLoss);
        }
        return { loss, ...extra };
      }),
    );
    if (clipValue > 0) clipWeights(dVars, clipValue);
    this.steps += 1;
    return resolveScalars({ dLoss: dLoss as tf.Scalar, ...parts });
  }

  /**
   * Updates the generator alone on a generated batch of the real batch's size (and labels, for
   * conditional models). Returns `gLoss`, and `gClassLoss` for AC-GAN.
   */
  async generatorStep(batch: TrainBatch): Promise<StepLosses> {
    const n = checkImageBatch(`${this.name}.generatorStep`, batch.images).shape[0];
    const oneHot = this.conditional ? this.requireLabels(batch.oneHot, "generatorStep") : undefined;
    const fns = OBJECTIVES[this.config.objective];
    const gVars = trainableVariables(this.generator);
    const zSeed = randomSeed(this.rng);
    reseedDropout([this.generator, this.discriminator], this.rng);
    const { loss: gLoss, ...parts } = tf.tidy(() =>
      minimizeWithParts(this.generatorOptimizer, gVars, (): LossParts => {
        const z = tf.randomNormal([n, this.latentDim], 0, 1, "float32", zSeed) as tf.Tensor2D;
        const faked = this.discriminate(this.generate(z, oneHot, true), oneHot, true);
        const loss = fns.generator(faked.source) as tf.Scalar;
        if (this.config.auxiliaryClassifier && oneHot !== undefined && faked.classes) {
          const gClassLoss = auxiliaryClassifierLoss(oneHot, faked.classes) as tf.Scalar;
          return { loss: tf.add(loss, gClassLoss), gClassLoss };
        }
        return { loss };
      }),
    );
    const values = await resolveScalars({ gLoss: gLoss as tf.Scalar, ...parts });
    this.lastGeneratorLoss = values.gLoss ?? Number.NaN;
    return values;
  }

  /**
   * Generates `n` images `[n, 28, 28, 1]` in [-1, 1] (inference mode). Conditional models draw
   * the classes `options.labels`, or `0, 1, …, 9, 0, …` when absent.
   */
  sample(n: number, options: SampleOptions = {}): tf.Tensor4D {
    return tf.tidy(() => {
      const z = drawLatents(`${this.name}.sample`, n, this.latentDim, options.latents, options.seed);
      const oneHot = this.conditional ? labelsOneHot(`${this.name}.sample`, n, this.config.numClasses, options.labels) : undefined;
      return this.generate(z, oneHot, false);
    });
  }

  /** Networks by role. */
  networks(): Record<string, tfl.LayersModel> {
    return { generator: this.generator, discriminator: this.discriminator };
  }

  /** Optimizers by role. */
  optimizers(): Record<string, tf.Optimizer> {
    return { generator: this.generatorOptimizer, discriminator: this.discriminatorOptimizer };
  }

  /** Random-generator state and step counter, for checkpoints. */
  getState(): ModelState {
    return { rng: this.rng.getState(), steps: this.steps, extra: { lastGeneratorLoss: this.lastGeneratorLoss } };
  }

  /** Restores {@link GAN.getState}'s result. */
  setState(state: ModelState): void {
    this.rng = rngFromState(state.rng);
    this.steps = state.steps;
    this.lastGeneratorLoss = state.extra?.lastGeneratorLoss ?? Number.NaN;
  }

  /** Saves the model into folder `dir` atomically; load it with {@link GAN.load}. */
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
   * const again = await GAN.load("runs/x/model");
   * ```
   */
  static async load<T extends GAN>(this: new (config: GANConfig) => T, dir: string): Promise<T> {
    return loadSavedModel(this, dir, "gan");
  }

  /** Disposes the networks and optimizers. */
  dispose(): void {
    disposeModel(this);
  }

  private requireLabels(oneHot: tf.Tensor2D | undefined, fn: string): tf.Tensor2D {
    if (oneHot === undefined) {
      throw new InvalidArgumentError(`${this.name}.${fn}: this model is conditional; pass one-hot labels [B, ${this.config.numClasses}] (batch.oneHot)`);
    }
    if (oneHot.rank !== 2 || oneHot.shape[1] !== this.config.numClasses) {
      throw new InvalidArgumentError(`${this.name}.${fn}: labels must have shape [B, ${this.config.numClasses}], found [${oneHot.shape.join(", ")}]`);
    }
    return oneHot;
  }
}
