import type { GANConfig } from "./config.js";
import { GAN } from "./gan.js";
import { objectiveHasLabelSmoothing } from "./objectives.js";

/**
 * A preset's defaults under the user's config. The preset's label smoothing applies only where
 * the user's objective has label smoothing: `new DCGAN({ objective: "hinge" })` drops it rather
 * than refusing a value the user never gave.
 */
function withPreset(defaults: GANConfig, config: GANConfig): GANConfig {
  const merged = { ...defaults, ...config };
  const presetSmoothing = config.labelSmoothing === undefined && config.objective !== undefined && (defaults.labelSmoothing ?? 0) > 0;
  return presetSmoothing && !objectiveHasLabelSmoothing(config.objective ?? "non-saturating") ? { ...merged, labelSmoothing: 0 } : merged;
}

/**
 * The MLP GAN exactly as published: MLP backbone without batch norm, non-saturating loss,
 * Adam 2e-4 β1 0.5, batch 128. Known to collapse to a single digit within a few epochs on MNIST;
 * kept to reproduce that result. {@link MlpGAN}'s defaults add what keeps it stable.
 */
export const PUBLISHED_MLP_GAN: GANConfig = {
  name: "mlp-gan-published",
  architecture: "mlp",
  batchNorm: false,
  objective: "non-saturating",
  labelSmoothing: 0,
  generatorOptimizer: { type: "adam", learningRate: 2e-4, beta1: 0.5 },
  discriminatorOptimizer: { type: "adam", learningRate: 2e-4, beta1: 0.5 },
  batchSize: 128,
};

/**
 * gen-mnist's default MLP GAN: the published networks and optimizer, plus batch norm after the
 * generator's 256 and 512 layers (581,264 generator parameters) and one-sided label smoothing 0.1
 * (Salimans et al. 2016) — the two standard remedies for the published setup's mode collapse.
 */
export const DEFAULT_MLP_GAN: GANConfig = { ...PUBLISHED_MLP_GAN, name: "mlp-gan", batchNorm: true, labelSmoothing: 0.1 };

/** The DCGAN exactly as published (no batch norm in G), Adam 2e-4 β1 0.5, batch 128. */
export const PUBLISHED_DCGAN: GANConfig = { ...PUBLISHED_MLP_GAN, name: "dcgan-published", architecture: "dcgan" };

/**
 * gen-mnist's default DCGAN: the published networks and optimizer with one-sided label smoothing
 * 0.1, at batch 32. Chosen for the best FID per CPU minute (docs/quality-per-minute.md): batch 32
 * makes four times the updates of the published batch 128 per minute at about the same images
 * per second; after 15 minutes on 2 cores its FID is well under half the published setup's, and
 * the MNIST oracle finds every class among its samples from the tenth minute on. Batch norm in the
 * generator (the MLP GAN's remedy, `batchNorm: true`) slowed the DCGAN's early training there.
 */
export const DEFAULT_DCGAN: GANConfig = { ...PUBLISHED_DCGAN, name: "dcgan", labelSmoothing: 0.1, batchSize: 32 };

/**
 * WGAN (Arjovsky et al. 2017): Wasserstein objective, critic weights clipped to ±0.01, RMSProp
 * 5e-5, five critic updates per generator update, batch 64; DCGAN backbone (critic outputs an
 * unbounded score, no sigmoid).
 */
export const DEFAULT_WGAN: GANConfig = {
  name: "wgan",
  architecture: "dcgan",
  batchNorm: true,
  objective: "wasserstein",
  clipValue: 0.01,
  nCritic: 5,
  generatorOptimizer: { type: "rmsprop", learningRate: 5e-5 },
  discriminatorOptimizer: { type: "rmsprop", learningRate: 5e-5 },
  batchSize: 64,
};

/**
 * WGAN-GP (Gulrajani et al. 2017): Wasserstein objective with gradient penalty λ = 10, five
 * critic updates per generator update, Adam 1e-4 β = (0, 0.9), batch 64; DCGAN backbone.
 */
export const DEFAULT_WGAN_GP: GANConfig = {
  name: "wgan-gp",
  architecture: "dcgan",
  batchNorm: true,
  objective: "wasserstein",
  gradientPenalty: 10,
  nCritic: 5,
  generatorOptimizer: { type: "adam", learningRate: 1e-4, beta1: 0, beta2: 0.9 },
  discriminatorOptimizer: { type: "adam", learningRate: 1e-4, beta1: 0, beta2: 0.9 },
  batchSize: 64,
};

/** Conditional GAN (Mirza & Osindero 2014) on the MLP backbone: the one-hot label is concatenated to z and to the image features. */
export const DEFAULT_CGAN: GANConfig = { ...DEFAULT_MLP_GAN, name: "cgan", conditional: true };

/** AC-GAN (Odena et al. 2017) on the DCGAN backbone: labelled generator, discriminator with a 10-way class head. */
export const DEFAULT_ACGAN: GANConfig = { ...DEFAULT_DCGAN, name: "acgan", auxiliaryClassifier: true };

/**
 * The MLP GAN (published table: G `100→128→256→512→784`, D `784→512→256→128→1`), with
 * {@link DEFAULT_MLP_GAN}'s stable defaults. Pass {@link PUBLISHED_MLP_GAN} for the original setup.
 *
 * @example
 * ```ts
 * const gan = new MlpGAN();                    // stable defaults
 * const original = new MlpGAN(PUBLISHED_MLP_GAN); // the published, collapsing setup
 * ```
 */
export class MlpGAN extends GAN {
  /** The kind of every instance (see `GAN.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "gan";
  /** @param config - overrides of {@link DEFAULT_MLP_GAN}. */
  constructor(config: GANConfig = {}) {
    super(withPreset(DEFAULT_MLP_GAN, config));
  }
}

/**
 * The former name of {@link MlpGAN}.
 * @deprecated Use {@link MlpGAN} (named like {@link MlpVAE}); this alias goes in 1.0.
 */
export const VanillaGAN: typeof MlpGAN = MlpGAN;

/** The former name of {@link MlpGAN}'s instance type. @deprecated Use {@link MlpGAN}. */
export type VanillaGAN = MlpGAN;

/**
 * DCGAN (Radford et al. 2016) with the published layer table; see {@link DEFAULT_DCGAN}.
 *
 * @example
 * ```ts
 * const dcgan = new DCGAN({ latentDim: 64 });
 * ```
 */
export class DCGAN extends GAN {
  /** The kind of every instance (see `GAN.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "gan";
  /** @param config - overrides of {@link DEFAULT_DCGAN}. */
  constructor(config: GANConfig = {}) {
    super(withPreset(DEFAULT_DCGAN, config));
  }
}

/** WGAN with weight clipping; see {@link DEFAULT_WGAN}. Pass `architecture: "mlp"` for the MLP backbone. */
export class WGAN extends GAN {
  /** The kind of every instance (see `GAN.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "gan";
  /** @param config - overrides of {@link DEFAULT_WGAN}. */
  constructor(config: GANConfig = {}) {
    super(withPreset(DEFAULT_WGAN, config));
  }
}

/** WGAN-GP; see {@link DEFAULT_WGAN_GP}. Pass `architecture: "mlp"` for the MLP backbone. */
export class WGANGP extends GAN {
  /** The kind of every instance (see `GAN.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "gan";
  /** @param config - overrides of {@link DEFAULT_WGAN_GP}. */
  constructor(config: GANConfig = {}) {
    super(withPreset(DEFAULT_WGAN_GP, config));
  }
}

/** Conditional GAN; see {@link DEFAULT_CGAN}. `trainStep` needs `batch.oneHot`. */
export class CGAN extends GAN {
  /** The kind of every instance (see `GAN.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "gan";
  /** @param config - overrides of {@link DEFAULT_CGAN}. */
  constructor(config: GANConfig = {}) {
    super(withPreset(DEFAULT_CGAN, config));
  }
}

/** AC-GAN; see {@link DEFAULT_ACGAN}. `trainStep` needs `batch.oneHot`. */
export class ACGAN extends GAN {
  /** The kind of every instance (see `GAN.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "gan";
  /** @param config - overrides of {@link DEFAULT_ACGAN}. */
  constructor(config: GANConfig = {}) {
    super(withPreset(DEFAULT_ACGAN, config));
  }
}
