import type * as tfl from "@tensorflow/tfjs-layers";
import { InvalidArgumentError } from "../errors.js";
import { checkInteger, checkRange } from "../_internals/check.js";
import { resolveBaseConfig } from "../nn/base-model.js";
import type { ImageShape } from "../nn/model.js";
import {
  checkNetworkShapes,
  checkSpecShapes,
  disposeFunctionBuilt,
  isLayersModel,
  materializeNetwork,
  resolvedNetwork,
  type NetworkContext,
  type NetworkInput,
  type NetworkShapes,
  type ResolvedNetwork,
} from "../nn/network-slot.js";
import type { OptimizerSpec } from "../nn/optimizer.js";
import type { NetworkSpec } from "../nn/spec.js";
import { dcganDiscriminator, dcganGenerator, mlpDiscriminator, mlpGenerator } from "./architectures.js";
import { resolveObjective, type GanLoss, type GanObjective } from "./objectives.js";

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
  /**
   * A custom generator (overrides `architecture`): a {@link NetworkSpec}, a tfjs `LayersModel` or
   * a function building one (see {@link NetworkInput}). Input `[latentDim]` (and `[numClasses]`
   * for conditional models), output `imageShape` in [-1, 1]. A spec is made conditional for you.
   */
  readonly generator?: NetworkInput;
  /**
   * A custom discriminator (overrides `architecture`), as for `generator`. Input `imageShape` (and
   * `[numClasses]` for a conditional GAN), output `[1]` logits or scores; an AC-GAN's
   * `LayersModel` has a second output `[numClasses]` of class logits (a spec gets its class head
   * for you).
   */
  readonly discriminator?: NetworkInput;
  /**
   * Shape of one image, `[height, width, channels]`; the `"dcgan"` architecture needs height and
   * width divisible by 4.
   * @defaultValue [28, 28, 1]
   */
  readonly imageShape?: ImageShape;
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
   * Adversarial objective: a built-in {@link GanObjective}, a name registered with
   * {@link registerGanObjective}, or a {@link GanLoss} object of two loss functions.
   * @defaultValue "non-saturating"
   */
  readonly objective?: GanObjective | (string & {}) | GanLoss;
  /**
   * One-sided label smoothing of the BCE objectives (real target `1 − s`); an objective without
   * label smoothing (`"wasserstein"`, `"hinge"`, `"least-squares"`, a {@link GanLoss} without
   * `labelSmoothing: true`) and `labelSmoothing > 0` is an error.
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
   * Batch size of the preset (the published one, or the one gen-mnist's default trains best at: 32 for
   * the default DCGAN); the Trainer and CLI use it when none is given.
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

/** A {@link GANConfig} with every field filled in (JSON-serialisable: it is saved with the model). */
export type ResolvedGANConfig = Required<Omit<GANConfig, "generator" | "discriminator" | "objective" | "imageShape">> & {
  /** The objective's name (a built-in, a registered one, or a {@link GanLoss}'s `name`). */
  readonly objective: string;
  /** Shape of one image. */
  readonly imageShape: ImageShape;
  /** The generator actually built (label input included for conditional models), or a reference to a given `LayersModel`. */
  readonly generator: ResolvedNetwork;
  /** The discriminator actually built (label input or class head included), or a reference to a given `LayersModel`. */
  readonly discriminator: ResolvedNetwork;
};

const ADAM_GAN: OptimizerSpec = { type: "adam", learningRate: 2e-4, beta1: 0.5, beta2: 0.999 };

/** A GAN config ready to build: the resolved config, the networks to build or use, the objective's functions. @internal */
export interface PreparedGAN {
  readonly config: ResolvedGANConfig;
  readonly generator: NetworkSpec | tfl.LayersModel;
  readonly discriminator: NetworkSpec | tfl.LayersModel;
  readonly loss: GanLoss;
  /** The inputs and outputs each network must have (checked again once specs are built). */
  readonly shapes: Readonly<Record<"generator" | "discriminator", NetworkShapes>>;
}

/**
 * Fills a {@link GANConfig} with defaults and checks it.
 * @throws {@link InvalidArgumentError} naming the field at fault.
 */
export function resolveGANConfig(config: GANConfig = {}): ResolvedGANConfig {
  const prepared = prepareGAN(config);
  disposeFunctionBuilt(config, prepared, ["generator", "discriminator"]);
  return prepared.config;
}

/** {@link resolveGANConfig}, keeping the networks (specs or models) and the objective's functions. @internal */
export function prepareGAN(config: GANConfig = {}): PreparedGAN {
  const owner = `GAN '${config.name ?? "gan"}'`;
  const base = resolveBaseConfig(owner, config, { name: "gan", latentDim: 100, batchSize: 128 });
  const { latentDim, imageShape, numClasses } = base;
  const {
    architecture = "mlp",
    batchNorm = false,
    objective = "non-saturating",
    labelSmoothing = 0,
    gradientPenalty: gp = 0,
    clipValue = 0,
    nCritic = 1,
    conditional = false,
    auxiliaryClassifier = false,
    labelMode = "onehot",
    generatorOptimizer = ADAM_GAN,
    discriminatorOptimizer = ADAM_GAN,
  } = config;
  if (architecture !== "mlp" && architecture !== "dcgan") {
    throw new InvalidArgumentError(`${owner}: config.architecture must be "mlp" or "dcgan", found ${JSON.stringify(architecture)}`);
  }
  const { name: objectiveName, loss } = resolveObjective(owner, objective);
  checkInteger(owner, "config.nCritic", nCritic, 1);
  checkRange(owner, "config.labelSmoothing", labelSmoothing, 0, 1, true);
  checkRange(owner, "config.gradientPenalty", gp, 0, Infinity, false);
  checkRange(owner, "config.clipValue", clipValue, 0, Infinity, false);
  if (labelSmoothing > 0 && loss.labelSmoothing !== true) {
    throw new InvalidArgumentError(
      `${owner}: config.labelSmoothing is ${labelSmoothing}, but the objective "${objectiveName}" has no label smoothing; use a BCE objective ("non-saturating" or "minimax"), declare labelSmoothing: true on a GanLoss that implements it, or set labelSmoothing to 0 (a model saved before this check loads with load(dir, { labelSmoothing: 0 }))`,
    );
  }
  const context = (conditionalNet: boolean): NetworkContext => ({ latentDim, imageShape, numClasses, conditional: conditionalNet, seed: base.seed });
  const gConditional = conditional || auxiliaryClassifier;
  const dConditional = conditional && !auxiliaryClassifier;
  const backbone = architecture === "mlp"
    ? { g: () => mlpGenerator({ latentDim, batchNorm, imageShape }), d: () => mlpDiscriminator({ imageShape }) }
    : { g: () => dcganGenerator({ latentDim, batchNorm, imageShape }), d: () => dcganDiscriminator({ imageShape }) };
  let generator = materializeNetwork(owner, "generator", config.generator, context(gConditional)) ?? backbone.g();
  let discriminator: NetworkSpec | tfl.LayersModel | undefined;
  try {
    discriminator = materializeNetwork(owner, "discriminator", config.discriminator, context(dConditional)) ?? backbone.d();
    const condition = { numClasses, mode: labelMode };
    const shapes = {
      generator: { inputs: gConditional ? [[latentDim], [numClasses]] : [[latentDim]], outputs: [imageShape] },
      discriminator: { inputs: dConditional ? [imageShape, [numClasses]] : [imageShape], outputs: auxiliaryClassifier ? [[1], [numClasses]] : [[1]] },
    };
    if (isLayersModel(generator)) {
      checkNetworkShapes(owner, "generator", generator, shapes.generator);
    } else {
      if (gConditional) generator = { ...generator, condition };
      checkSpecShapes(owner, "generator", generator, [latentDim], imageShape);
    }
    if (isLayersModel(discriminator)) {
      checkNetworkShapes(owner, "discriminator", discriminator, shapes.discriminator);
    } else {
      if (dConditional) discriminator = { ...discriminator, condition };
      if (auxiliaryClassifier) discriminator = withClassHead(owner, discriminator, numClasses);
      checkSpecShapes(owner, "discriminator", discriminator, imageShape, undefined);
    }
    const resolved: ResolvedGANConfig = {
      ...base, architecture, batchNorm, objective: objectiveName, labelSmoothing, gradientPenalty: gp, clipValue, nCritic,
      conditional, auxiliaryClassifier, labelMode, generatorOptimizer, discriminatorOptimizer,
      generator: resolvedNetwork(generator, "generator"),
      discriminator: resolvedNetwork(discriminator, "discriminator"),
    };
    return { config: resolved, generator, discriminator, loss, shapes };
  } catch (err) {
    // what a slot function built is not the caller's to dispose
    disposeFunctionBuilt(config, { generator, discriminator }, ["generator", "discriminator"]);
    throw err;
  }
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

