import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { auxiliaryClassifierLoss } from "../losses/gan.js";
import { withoutActivationMaskGradients } from "../kernels/ops.js";
import { gradientPenalty } from "../losses/penalty.js";
import { BaseGenerativeModel } from "../nn/base-model.js";
import { trainableVariables } from "../nn/build.js";
import { clipWeights } from "../nn/constraints.js";
import type { StepLosses, TrainBatch } from "../nn/model.js";
import { buildCheckedNetworks } from "../nn/network-slot.js";
import { createOptimizer } from "../nn/optimizer.js";
import { minimizeWithParts, resolveScalars, type LossParts } from "../nn/step.js";
import { perExample } from "../nn/per-example.js";
import { registerModel } from "../nn/registry.js";
import { prepareGAN, type GANConfig, type ResolvedGANConfig } from "./config.js";
import type { GanLoss } from "./objectives.js";

/** What {@link GAN.discriminate} returns. */
export interface DiscriminatorOutput {
  /** Real/fake logits (or critic scores) `[B, 1]`. */
  readonly source: tf.Tensor;
  /** Class logits `[B, numClasses]`, AC-GAN only. */
  readonly classes?: tf.Tensor;
}

/**
 * A generative adversarial network: generator, discriminator (or critic), their optimizers and
 * one training step. One class covers the MLP GAN, DCGAN, WGAN, WGAN-GP, conditional GAN and
 * AC-GAN; the named presets ({@link MlpGAN}, {@link DCGAN}, {@link WGAN}, {@link WGANGP},
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
export class GAN extends BaseGenerativeModel<ResolvedGANConfig> {
  /**
   * `"gan"`: the kind every GAN (and every GAN preset) is saved and loaded as. A subclass that
   * changes what the model does (its `trainStep`, its networks) must declare its own `kind` (an
   * instance and a static one) and `registerModel` it; otherwise a resumed or loaded run rebuilds a
   * plain `GAN`.
   */
  readonly kind: string = "gan";
  /** The kind of every instance, for `load` to check a folder before building. */
  static readonly kind: string = "gan";
  /** Images are in [-1, 1]. */
  readonly pixelRange = "[-1,1]" as const;
  /** Generator: `z` (and the one-hot label when conditional) → image `[B, H, W, C]`. */
  readonly generator: tfl.LayersModel;
  /** Discriminator or critic: image (and label) → logits `[B, 1]` (and class logits for AC-GAN). */
  readonly discriminator: tfl.LayersModel;
  /** Optimizer of the generator. */
  readonly generatorOptimizer: tf.Optimizer;
  /** Optimizer of the discriminator. */
  readonly discriminatorOptimizer: tf.Optimizer;
  /** The objective's loss functions. */
  readonly loss: GanLoss;
  private lastGeneratorLoss = Number.NaN;
  /**
   * Whether the discriminator step runs D once on the real and generated batches concatenated
   * (true when D computes each example on its own, see {@link perExample}) or twice. Both compute
   * the same function (dropout draws its masks in another order, from the same distribution); one
   * pass makes half as many, larger kernel calls and needs no sum of two weight gradients.
   * @internal
   */
  jointDiscriminatorPass: boolean;
  /** Whether G and D share a trainable variable (then D's step also differentiates through G). */
  private readonly sharesVariables: boolean;

  /** Builds both networks and optimizers from `config` (see {@link GANConfig}). */
  constructor(config: GANConfig = {}) {
    const prepared = prepareGAN(config);
    super(prepared.config);
    this.loss = prepared.loss;
    const built = buildCheckedNetworks(
      `GAN '${this.config.name}'`,
      { generator: config.generator, discriminator: config.discriminator },
      { generator: prepared.generator, discriminator: prepared.discriminator },
      prepared.shapes,
      this.config.seed,
    );
    this.generator = built.generator;
    this.discriminator = built.discriminator;
    this.jointDiscriminatorPass = perExample(this.discriminator);
    const dVariables = new Set(trainableVariables(this.discriminator));
    this.sharesVariables = trainableVariables(this.generator).some((v) => dVariables.has(v));
    this.generatorOptimizer = createOptimizer(this.config.generatorOptimizer, `GAN '${this.config.name}' generatorOptimizer`);
    this.discriminatorOptimizer = createOptimizer(this.config.discriminatorOptimizer, `GAN '${this.config.name}' discriminatorOptimizer`);
  }

  /** Whether the generator takes labels (conditional GAN and AC-GAN). */
  override get conditional(): boolean {
    return this.config.conditional || this.config.auxiliaryClassifier;
  }

  /** Runs the generator (`training` selects batch-norm and dropout behaviour). */
  generate(z: tf.Tensor2D, oneHot: tf.Tensor2D | undefined, training: boolean): tf.Tensor4D {
    const inputs = this.conditional ? [z, this.requireLabels("generate", oneHot)] : z;
    return this.generator.apply(inputs, { training }) as tf.Tensor4D;
  }

  /** Runs the discriminator: source logits `[B, 1]`, and class logits for AC-GAN. */
  discriminate(images: tf.Tensor, oneHot: tf.Tensor2D | undefined, training: boolean): DiscriminatorOutput {
    const { conditional, auxiliaryClassifier } = this.config;
    const inputs = conditional && !auxiliaryClassifier ? [images, this.requireLabels("discriminate", oneHot)] : images;
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
    const g = this.stepCount % this.config.nCritic === 0 ? await this.generatorStep(batch) : {};
    return { ...d, ...g, gLoss: g.gLoss ?? (Number.isNaN(this.lastGeneratorLoss) ? (gEstimate ?? Number.NaN) : this.lastGeneratorLoss) };
  }

  /**
   * Updates the discriminator (critic) alone on a real batch and a generated one of the same
   * size; clips its weights when `clipValue > 0`. Returns `dLoss`, `realScore`, `fakeScore`,
   * `gEstimate` (the generator loss at the updated critic's inputs) and the penalty and class
   * terms when configured.
   */
  async discriminatorStep(batch: TrainBatch): Promise<StepLosses> {
    const { images, oneHot, size: n } = this.checkBatch("discriminatorStep", batch);
    const { labelSmoothing, gradientPenalty: lambda, clipValue, auxiliaryClassifier } = this.config;
    const fns = this.loss;
    const dVars = trainableVariables(this.discriminator);
    const [zSeed, gpSeed] = [this.nextSeed(), this.nextSeed()];
    this.reseedDropout();
    const generated = (): tf.Tensor4D => this.generate(tf.randomNormal([n, this.latentDim], 0, 1, "float32", zSeed) as tf.Tensor2D, oneHot, true);
    const { loss: dLoss, ...parts } = tf.tidy(() => {
      // G's forward pass runs outside the gradient tape, its intermediates freed before D runs: no
      // gradient reaches G in this step, so recording its ops would only cost time (unless G and D
      // share a variable, whose D gradient then also flows through G)
      const fake = this.sharesVariables ? undefined : tf.tidy(generated);
      return minimizeWithParts(this.discriminatorOptimizer, dVars, (): LossParts => {
        const fakeImages = fake ?? generated();
        const [real, faked] = this.discriminateBoth(images, fakeImages, oneHot);
        let loss = this.scalarLoss("discriminator", fns.discriminator(real.source, faked.source, labelSmoothing > 0 ? { labelSmoothing } : {}));
        const extra: Record<string, tf.Scalar> = {
          realScore: tf.mean(real.source),
          fakeScore: tf.mean(faked.source),
          gEstimate: fns.generator(faked.source, fns.generatorUsesReal === true ? { realOutputs: real.source } : {}) as tf.Scalar,
        };
        if (lambda > 0) {
          const critic = (x: tf.Tensor): tf.Tensor => this.discriminate(x, oneHot, true).source;
          // every critic variable also reaches the loss through its scores, so the penalty's zero
          // gradients through activation masks can be left out (see withoutActivationMaskGradients)
          extra.gradPenalty = withoutActivationMaskGradients(() => gradientPenalty(critic, images, fakeImages, { lambda, seed: gpSeed }));
          loss = tf.add(loss, extra.gradPenalty);
        }
        if (auxiliaryClassifier && oneHot !== undefined && real.classes && faked.classes) {
          extra.dClassLoss = tf.add(auxiliaryClassifierLoss(oneHot, real.classes), auxiliaryClassifierLoss(oneHot, faked.classes));
          loss = tf.add(loss, extra.dClassLoss);
        }
        return { loss, ...extra };
      });
    });
    if (clipValue > 0) clipWeights(dVars, clipValue);
    this.countStep();
    return resolveScalars({ dLoss: dLoss as tf.Scalar, ...parts });
  }

  /**
   * Updates the generator alone on a generated batch of the real batch's size (and labels, for
   * conditional models). Returns `gLoss`, and `gClassLoss` for AC-GAN.
   */
  async generatorStep(batch: TrainBatch): Promise<StepLosses> {
    const { images, oneHot, size: n } = this.checkBatch("generatorStep", batch);
    const fns = this.loss;
    const gVars = trainableVariables(this.generator);
    const zSeed = this.nextSeed();
    this.reseedDropout();
    const { loss: gLoss, ...parts } = tf.tidy(() =>
      minimizeWithParts(this.generatorOptimizer, gVars, (): LossParts => {
        const z = tf.randomNormal([n, this.latentDim], 0, 1, "float32", zSeed) as tf.Tensor2D;
        const faked = this.discriminate(this.generate(z, oneHot, true), oneHot, true);
        // relativistic losses compare with the real batch's outputs (no gradient flows to D: only G's variables update)
        const options = fns.generatorUsesReal === true ? { realOutputs: this.discriminate(images, oneHot, true).source } : {};
        const loss = this.scalarLoss("generator", fns.generator(faked.source, options));
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
   * D in training mode on a real batch and a generated one of the same size: one pass over both
   * concatenated when {@link GAN.jointDiscriminatorPass}, two passes otherwise (batch normalization
   * keeps per-batch statistics).
   */
  private discriminateBoth(real: tf.Tensor, fake: tf.Tensor, oneHot: tf.Tensor2D | undefined): [DiscriminatorOutput, DiscriminatorOutput] {
    if (!this.jointDiscriminatorPass) return [this.discriminate(real, oneHot, true), this.discriminate(fake, oneHot, true)];
    const n = real.shape[0] ?? 0;
    // labels go to D only in a conditional GAN (an AC-GAN's D predicts them)
    const labels = oneHot === undefined || this.config.auxiliaryClassifier ? oneHot : tf.concat([oneHot, oneHot]);
    const both = this.discriminate(tf.concat([real, fake]), labels, true);
    const half = (t: tf.Tensor, start: number): tf.Tensor => tf.slice(t, start, n);
    const part = (start: number): DiscriminatorOutput =>
      both.classes === undefined ? { source: half(both.source, start) } : { source: half(both.source, start), classes: half(both.classes, start) };
    return [part(0), part(n)];
  }

  /** An objective's loss, checked to be the scalar the optimizer needs. */
  private scalarLoss(which: "discriminator" | "generator", loss: tf.Tensor): tf.Scalar {
    if (loss.rank !== 0) {
      throw new InvalidArgumentError(`${this.name}: the ${which} loss of objective "${this.config.objective}" must return a scalar (reduce it, e.g. with reduceLoss), found shape [${loss.shape.join(", ")}]`);
    }
    return loss as tf.Scalar;
  }

  /** Runs the generator in inference mode: what `sample` decodes. */
  protected decodeLatents(z: tf.Tensor2D, oneHot: tf.Tensor2D | undefined): tf.Tensor4D {
    return this.generate(z, oneHot, false);
  }

  /** Networks by role. */
  networks(): Record<string, tfl.LayersModel> {
    return { generator: this.generator, discriminator: this.discriminator };
  }

  /** Optimizers by role. */
  optimizers(): Record<string, tf.Optimizer> {
    return { generator: this.generatorOptimizer, discriminator: this.discriminatorOptimizer };
  }

  /** The last generator loss, kept between steps (`nCritic > 1` reports it on critic-only steps). */
  protected override extraState(): Record<string, number | null> {
    return { lastGeneratorLoss: Number.isNaN(this.lastGeneratorLoss) ? null : this.lastGeneratorLoss };
  }

  /** Restores {@link GAN.extraState}'s numbers. */
  protected override restoreExtraState(extra: Readonly<Record<string, number | null>>): void {
    this.lastGeneratorLoss = extra.lastGeneratorLoss ?? Number.NaN;
  }
}

registerModel<GANConfig>("gan", { create: (config) => new GAN(config) });
