import { InvalidArgumentError } from "../errors.js";
import type { GANConfig } from "../gan/config.js";
import type { GAN } from "../gan/gan.js";
import {
  ACGAN, CGAN, DCGAN, DEFAULT_ACGAN, DEFAULT_CGAN, DEFAULT_DCGAN, DEFAULT_MLP_GAN, DEFAULT_WGAN, DEFAULT_WGAN_GP,
  MlpGAN, PUBLISHED_DCGAN, PUBLISHED_MLP_GAN, WGAN, WGANGP,
} from "../gan/presets.js";
import type { GenerativeModel, ImageShape } from "../nn/model.js";
import type { VAEConfig } from "../vae/config.js";
import type { VAE } from "../vae/vae.js";
import { BetaVAE, ConvVAE, CVAE, DEFAULT_BETA_VAE, DEFAULT_CONV_VAE, DEFAULT_CVAE, DEFAULT_MLP_VAE, MlpVAE } from "../vae/presets.js";

/**
 * Names of the library's model presets, as the CLI takes them. `mlp-gan-published` and
 * `dcgan-published` are the original setups (the MLP GAN's collapses), kept to reproduce them.
 */
export type ModelName =
  | "mlp-gan" | "dcgan" | "wgan" | "wgan-gp" | "cgan" | "acgan"
  | "vae" | "conv-vae" | "cvae" | "beta-vae"
  | "mlp-gan-published" | "dcgan-published";

/** A GAN preset. */
export interface GanPreset {
  /** The model kind, `"gan"`. */
  readonly kind: "gan";
  /** The preset's default configuration. */
  readonly defaults: GANConfig;
  /** Builds the model with overrides of the defaults. */
  readonly create: (config: GANConfig) => GAN;
}

/** A VAE preset. */
export interface VaePreset {
  /** The model kind, `"vae"`. */
  readonly kind: "vae";
  /** The preset's default configuration. */
  readonly defaults: VAEConfig;
  /** Builds the model with overrides of the defaults. */
  readonly create: (config: VAEConfig) => VAE;
}

/** A preset: its kind, defaults and constructor. */
export type ModelPreset = GanPreset | VaePreset;

/** Every preset by name. */
export const MODEL_PRESETS: Readonly<Record<ModelName, ModelPreset>> = {
  "mlp-gan": { kind: "gan", defaults: DEFAULT_MLP_GAN, create: (c) => new MlpGAN(c) },
  dcgan: { kind: "gan", defaults: DEFAULT_DCGAN, create: (c) => new DCGAN(c) },
  wgan: { kind: "gan", defaults: DEFAULT_WGAN, create: (c) => new WGAN(c) },
  "wgan-gp": { kind: "gan", defaults: DEFAULT_WGAN_GP, create: (c) => new WGANGP(c) },
  cgan: { kind: "gan", defaults: DEFAULT_CGAN, create: (c) => new CGAN(c) },
  acgan: { kind: "gan", defaults: DEFAULT_ACGAN, create: (c) => new ACGAN(c) },
  vae: { kind: "vae", defaults: DEFAULT_MLP_VAE, create: (c) => new MlpVAE(c) },
  "conv-vae": { kind: "vae", defaults: DEFAULT_CONV_VAE, create: (c) => new ConvVAE(c) },
  cvae: { kind: "vae", defaults: DEFAULT_CVAE, create: (c) => new CVAE(c) },
  "beta-vae": { kind: "vae", defaults: DEFAULT_BETA_VAE, create: (c) => new BetaVAE(c) },
  "mlp-gan-published": { kind: "gan", defaults: PUBLISHED_MLP_GAN, create: (c) => new MlpGAN({ ...PUBLISHED_MLP_GAN, ...c }) },
  "dcgan-published": { kind: "gan", defaults: PUBLISHED_DCGAN, create: (c) => new DCGAN({ ...PUBLISHED_DCGAN, ...c }) },
};

/** Every {@link ModelName}. */
export const MODEL_NAMES = Object.keys(MODEL_PRESETS) as readonly ModelName[];

/** Overrides {@link createModel} understands for every preset. */
export interface ModelOverrides {
  /** Latent size. */
  readonly latentDim?: number;
  /** Learning rate of every optimizer of the model. */
  readonly learningRate?: number;
  /** Seed of the model's own random draws. */
  readonly seed?: number;
  /** Shape of the images, e.g. a dataset's `imageShape` (default `[28, 28, 1]`). */
  readonly imageShape?: ImageShape;
}

/**
 * Creates a preset by name with a few common overrides (what the CLI's `train` does).
 *
 * @example
 * ```ts
 * const model = createModel("wgan-gp", { latentDim: 64, learningRate: 2e-4 });
 * ```
 */
export function createModel(name: ModelName, overrides: ModelOverrides = {}): GenerativeModel {
  const preset = MODEL_PRESETS[name];
  if (preset === undefined) {
    throw new InvalidArgumentError(`createModel: unknown model ${JSON.stringify(name)}; expected one of ${MODEL_NAMES.join(", ")}`);
  }
  const { latentDim, learningRate, seed, imageShape } = overrides;
  const common = { ...(latentDim === undefined ? {} : { latentDim }), ...(seed === undefined ? {} : { seed }), ...(imageShape === undefined ? {} : { imageShape }) };
  if (preset.kind === "gan") {
    const d = preset.defaults;
    const lr = learningRate === undefined ? {} : {
      generatorOptimizer: { ...(d.generatorOptimizer ?? { type: "adam" as const, learningRate }), learningRate },
      discriminatorOptimizer: { ...(d.discriminatorOptimizer ?? { type: "adam" as const, learningRate }), learningRate },
    };
    return preset.create({ ...common, ...lr });
  }
  const d = preset.defaults;
  const lr = learningRate === undefined ? {} : { optimizer: { ...(d.optimizer ?? { type: "adam" as const, learningRate }), learningRate } };
  return preset.create({ ...common, ...lr });
}
