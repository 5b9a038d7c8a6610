import { join } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import { GAN, type GANConfig } from "../gan/gan.js";
import {
  ACGAN, CGAN, DCGAN, DEFAULT_ACGAN, DEFAULT_CGAN, DEFAULT_DCGAN, DEFAULT_MLP_GAN, DEFAULT_WGAN, DEFAULT_WGAN_GP,
  PUBLISHED_DCGAN, PUBLISHED_MLP_GAN, VanillaGAN, WGAN, WGANGP,
} from "../gan/presets.js";
import type { GenerativeModel } from "../nn/model.js";
import { readJson } from "../nn/persist.js";
import { MANIFEST_FILE } from "../nn/saved-model.js";
import { VAE, type VAEConfig } from "../vae/vae.js";
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
  /** Always `"gan"`. */
  readonly family: "gan";
  /** The preset's default configuration. */
  readonly defaults: GANConfig;
  /** Builds the model with overrides of the defaults. */
  readonly create: (config: GANConfig) => GAN;
}

/** A VAE preset. */
export interface VaePreset {
  /** Always `"vae"`. */
  readonly family: "vae";
  /** The preset's default configuration. */
  readonly defaults: VAEConfig;
  /** Builds the model with overrides of the defaults. */
  readonly create: (config: VAEConfig) => VAE;
}

/** A preset: its family, defaults and constructor. */
export type ModelPreset = GanPreset | VaePreset;

/** Every preset by name. */
export const MODEL_PRESETS: Readonly<Record<ModelName, ModelPreset>> = {
  "mlp-gan": { family: "gan", defaults: DEFAULT_MLP_GAN, create: (c) => new VanillaGAN(c) },
  dcgan: { family: "gan", defaults: DEFAULT_DCGAN, create: (c) => new DCGAN(c) },
  wgan: { family: "gan", defaults: DEFAULT_WGAN, create: (c) => new WGAN(c) },
  "wgan-gp": { family: "gan", defaults: DEFAULT_WGAN_GP, create: (c) => new WGANGP(c) },
  cgan: { family: "gan", defaults: DEFAULT_CGAN, create: (c) => new CGAN(c) },
  acgan: { family: "gan", defaults: DEFAULT_ACGAN, create: (c) => new ACGAN(c) },
  vae: { family: "vae", defaults: DEFAULT_MLP_VAE, create: (c) => new MlpVAE(c) },
  "conv-vae": { family: "vae", defaults: DEFAULT_CONV_VAE, create: (c) => new ConvVAE(c) },
  cvae: { family: "vae", defaults: DEFAULT_CVAE, create: (c) => new CVAE(c) },
  "beta-vae": { family: "vae", defaults: DEFAULT_BETA_VAE, create: (c) => new BetaVAE(c) },
  "mlp-gan-published": { family: "gan", defaults: PUBLISHED_MLP_GAN, create: (c) => new VanillaGAN({ ...PUBLISHED_MLP_GAN, ...c }) },
  "dcgan-published": { family: "gan", defaults: PUBLISHED_DCGAN, create: (c) => new DCGAN({ ...PUBLISHED_DCGAN, ...c }) },
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
  const { latentDim, learningRate, seed } = overrides;
  const common = { ...(latentDim === undefined ? {} : { latentDim }), ...(seed === undefined ? {} : { seed }) };
  if (preset.family === "gan") {
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

/**
 * Loads any model saved with `model.save(dir)` (or a checkpoint folder), GAN or VAE.
 *
 * @example
 * ```ts
 * const model = await loadModel("runs/mlp-gan/model");
 * const images = model.sample(16);
 * ```
 */
export async function loadModel(dir: string): Promise<GenerativeModel> {
  // only the family, to pick the class: its load checks the manifest and every file, once
  const { family } = (await readJson<{ family?: unknown } | null>(join(dir, MANIFEST_FILE))) ?? {};
  return family === "gan" ? GAN.load(dir) : VAE.load(dir);
}
