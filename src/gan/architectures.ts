import type { LayerSpec, NetworkSpec } from "../nn/spec.js";

/** Options of the GAN network presets. */
export interface GanNetworkOptions {
  /**
   * Size of the latent vector z.
   * @defaultValue 100
   */
  readonly latentDim?: number;
  /**
   * Batch normalization in the generator (after each hidden layer).
   * @defaultValue false
   */
  readonly batchNorm?: boolean;
  /**
   * Dropout rate in the discriminator; the MLP table uses 0.4, the DCGAN table 0.25.
   */
  readonly dropout?: number;
  /**
   * LeakyReLU slope.
   * @defaultValue 0.2
   */
  readonly alpha?: number;
}

const leaky = (alpha: number): LayerSpec => ({ type: "activation", activation: "leakyRelu", alpha });
const IMAGE = [28, 28, 1] as const;

/**
 * Generator of the published MLP GAN: `z → 128 → 256 → 512 → 784`, LeakyReLU 0.2, tanh output,
 * reshaped to `[28, 28, 1]`. 579,728 trainable parameters at latent 100; with `batchNorm`
 * (after the 256 and 512 layers) 581,264.
 */
export function mlpGenerator(options: GanNetworkOptions = {}): NetworkSpec {
  const { latentDim = 100, batchNorm = false, alpha = 0.2 } = options;
  const bn: LayerSpec[] = batchNorm ? [{ type: "batchNorm", momentum: 0.9, epsilon: 1e-5 }] : [];
  return {
    name: "mlp-generator",
    inputShape: [latentDim],
    layers: [
      { type: "dense", units: 128 }, leaky(alpha),
      { type: "dense", units: 256 }, ...bn, leaky(alpha),
      { type: "dense", units: 512 }, ...bn, leaky(alpha),
      { type: "dense", units: 784 }, { type: "activation", activation: "tanh" },
      { type: "reshape", targetShape: [...IMAGE] },
    ],
    outputShape: [...IMAGE],
  };
}

/**
 * Discriminator of the published MLP GAN: `784 → 512 → 256 → 128 → 1`, LeakyReLU 0.2 and
 * Dropout 0.4 after each hidden layer; outputs a logit. 566,273 trainable parameters.
 */
export function mlpDiscriminator(options: GanNetworkOptions = {}): NetworkSpec {
  const { dropout = 0.4, alpha = 0.2 } = options;
  const hidden = (units: number): LayerSpec[] => [{ type: "dense", units }, leaky(alpha), { type: "dropout", rate: dropout }];
  return {
    name: "mlp-discriminator",
    inputShape: [...IMAGE],
    layers: [{ type: "flatten" }, ...hidden(512), ...hidden(256), ...hidden(128), { type: "dense", units: 1 }],
    outputShape: [1],
  };
}

/**
 * Generator of the published DCGAN: Linear `z → 12544`, reshape `7x7x256`, then transposed
 * convolutions (kernel 3, "same" padding) 256→128 stride 2, 128→64 s1, 64→32 s1 with ReLU, and
 * 32→1 s2 with tanh. 1,654,529 trainable parameters at latent 100 without batch norm; with
 * `batchNorm`, per-channel BN follows the reshaped projection and every hidden transposed convolution.
 */
export function dcganGenerator(options: GanNetworkOptions = {}): NetworkSpec {
  const { latentDim = 100, batchNorm = false } = options;
  const bn: LayerSpec[] = batchNorm ? [{ type: "batchNorm", momentum: 0.9, epsilon: 1e-5 }] : [];
  const relu: LayerSpec = { type: "activation", activation: "relu" };
  const up = (filters: number, strides: number): LayerSpec[] => [
    { type: "conv2dTranspose", filters, kernelSize: 3, strides },
    ...bn,
    relu,
  ];
  return {
    name: "dcgan-generator",
    inputShape: [latentDim],
    layers: [
      { type: "dense", units: 7 * 7 * 256 },
      { type: "reshape", targetShape: [7, 7, 256] },
      ...bn,
      ...up(128, 2),
      ...up(64, 1),
      ...up(32, 1),
      { type: "conv2dTranspose", filters: 1, kernelSize: 3, strides: 2 },
      { type: "activation", activation: "tanh" },
    ],
    outputShape: [...IMAGE],
  };
}

/**
 * Discriminator of the published DCGAN: convolutions (kernel 3, "same") 1→32 stride 2, 32→64 s1,
 * 64→128 s1, 128→256 s2, each followed by LeakyReLU 0.2 and Dropout 0.25, then Linear
 * `12544 → 1` (a logit). 400,385 trainable parameters.
 */
export function dcganDiscriminator(options: GanNetworkOptions = {}): NetworkSpec {
  const { dropout = 0.25, alpha = 0.2 } = options;
  const down = (filters: number, strides: number): LayerSpec[] => [
    { type: "conv2d", filters, kernelSize: 3, strides },
    leaky(alpha),
    { type: "dropout", rate: dropout },
  ];
  return {
    name: "dcgan-discriminator",
    inputShape: [...IMAGE],
    layers: [...down(32, 2), ...down(64, 1), ...down(128, 1), ...down(256, 2), { type: "flatten" }, { type: "dense", units: 1 }],
    outputShape: [1],
  };
}
