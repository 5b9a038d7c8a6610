import type { VAEConfig } from "./config.js";
import { VAE } from "./vae.js";

/** The published MLP VAE: latent 16, BCE reconstruction, Adam 1e-3, batch 128. */
export const DEFAULT_MLP_VAE: VAEConfig = {
  name: "vae",
  architecture: "mlp",
  optimizer: { type: "adam", learningRate: 1e-3 },
  batchSize: 128,
};

/** The published convolutional VAE: latent 16, Adam 1e-3, batch 64. */
export const DEFAULT_CONV_VAE: VAEConfig = { ...DEFAULT_MLP_VAE, name: "conv-vae", architecture: "conv", batchSize: 64 };

/** Conditional VAE on the MLP backbone: the one-hot label is fed to encoder and decoder. */
export const DEFAULT_CVAE: VAEConfig = { ...DEFAULT_MLP_VAE, name: "cvae", conditional: true };

/** β-VAE (Higgins et al. 2017) on the MLP backbone with β = 4. */
export const DEFAULT_BETA_VAE: VAEConfig = { ...DEFAULT_MLP_VAE, name: "beta-vae", beta: 4 };

/**
 * The MLP VAE (published table: E `784→512→128→32`, D `16→128→512→784`, 942,128 parameters).
 *
 * @example
 * ```ts
 * const vae = new MlpVAE();
 * ```
 */
export class MlpVAE extends VAE {
  /** The kind of every instance (see `VAE.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "vae";
  /** @param config - overrides of {@link DEFAULT_MLP_VAE}. */
  constructor(config: VAEConfig = {}) {
    super({ ...DEFAULT_MLP_VAE, ...config });
  }
}

/** The convolutional VAE (published table, 1,390,113 parameters); `architecture: "conv-small"` gives the small latent-10 variant. */
export class ConvVAE extends VAE {
  /** The kind of every instance (see `VAE.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "vae";
  /** @param config - overrides of {@link DEFAULT_CONV_VAE}. */
  constructor(config: VAEConfig = {}) {
    super({ ...DEFAULT_CONV_VAE, ...config });
  }
}

/** Conditional VAE; `trainStep`, `encode`, `decode` take one-hot labels. */
export class CVAE extends VAE {
  /** The kind of every instance (see `VAE.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "vae";
  /** @param config - overrides of {@link DEFAULT_CVAE}. */
  constructor(config: VAEConfig = {}) {
    super({ ...DEFAULT_CVAE, ...config });
  }
}

/** β-VAE; see {@link DEFAULT_BETA_VAE}. */
export class BetaVAE extends VAE {
  /** The kind of every instance (see `VAE.kind`), for `load` to check a folder before building. */
  static override readonly kind: string = "vae";
  /** @param config - overrides of {@link DEFAULT_BETA_VAE}. */
  constructor(config: VAEConfig = {}) {
    super({ ...DEFAULT_BETA_VAE, ...config });
  }
}
