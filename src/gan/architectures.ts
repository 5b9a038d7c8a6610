import { quarterGrid } from "../_internals/check.js";
import { MNIST_IMAGE_SHAPE, type ImageShape } from "../nn/model.js";
import type { LayerSpec, NetworkSpec } from "../nn/spec.js";

/** Options of the GAN network presets. */
export interface GanNetworkOptions {
  /**
   * Size of the latent vector z.
   * @defaultValue 100
   */
  readonly latentDim?: number;
  /**
   * Shape of the images generated or judged. The convolutional (DCGAN) networks need a height
   * and width divisible by 4.
   * @defaultValue [28, 28, 1]
   */
  readonly imageShape?: ImageShape;
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

/**
 * Generator of the published MLP GAN: `z → 128 → 256 → 512 → 784`, LeakyReLU 0.2, tanh output,
 * reshaped to `[28, 28, 1]`. 579,728 trainable parameters at latent 100; with `batchNorm`
 * (after the 256 and 512 layers) 581,264.
 */
export function mlpGenerator(options: GanNetworkOptions = {}): NetworkSpec {
  const { latentDim = 100, batchNorm = false, alpha = 0.2, imageShape = MNIST_IMAGE_SHAPE } = options;
  const bn: LayerSpec[] = batchNorm ? [{ type: "batchNorm", momentum: 0.9, epsilon: 1e-5 }] : [];
  return {
    name: "mlp-generator",
    inputShape: [latentDim],
    layers: [
      { type: "dense", units: 128 }, leaky(alpha),
      { type: "dense", units: 256 }, ...bn, leaky(alpha),
      { type: "dense", units: 512 }, ...bn, leaky(alpha),
      { type: "dense", units: imageShape[0] * imageShape[1] * imageShape[2] }, { type: "activation", activation: "tanh" },
      { type: "reshape", targetShape: [...imageShape] },
    ],
    outputShape: [...imageShape],
  };
}

/**
 * Discriminator of the published MLP GAN: `784 → 512 → 256 → 128 → 1`, LeakyReLU 0.2 and
 * Dropout 0.4 after each hidden layer; outputs a logit. 566,273 trainable parameters.
 */
export function mlpDiscriminator(options: GanNetworkOptions = {}): NetworkSpec {
  const { dropout = 0.4, alpha = 0.2, imageShape = MNIST_IMAGE_SHAPE } = options;
  const hidden = (units: number): LayerSpec[] => [{ type: "dense", units }, leaky(alpha), { type: "dropout", rate: dropout }];
  return {
    name: "mlp-discriminator",
    inputShape: [...imageShape],
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
  const { latentDim = 100, batchNorm = false, imageShape = MNIST_IMAGE_SHAPE } = options;
  const [h, w] = quarterGrid("dcganGenerator", imageShape);
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
      { type: "dense", units: h * w * 256 },
      { type: "reshape", targetShape: [h, w, 256] },
      ...bn,
      ...up(128, 2),
      ...up(64, 1),
      ...up(32, 1),
      { type: "conv2dTranspose", filters: imageShape[2], kernelSize: 3, strides: 2 },
      { type: "activation", activation: "tanh" },
    ],
    outputShape: [...imageShape],
  };
}

/**
 * Discriminator of the published DCGAN: convolutions (kernel 3, "same") 1→32 stride 2, 32→64 s1,
 * 64→128 s1, 128→256 s2, each followed by LeakyReLU 0.2 and Dropout 0.25, then Linear
 * `12544 → 1` (a logit). 400,385 trainable parameters.
 */
export function dcganDiscriminator(options: GanNetworkOptions = {}): NetworkSpec {
  const { dropout = 0.25, alpha = 0.2, imageShape = MNIST_IMAGE_SHAPE } = options;
  const down = (filters: number, strides: number): LayerSpec[] => [
    { type: "conv2d", filters, kernelSize: 3, strides },
    leaky(alpha),
    { type: "dropout", rate: dropout },
  ];
  return {
    name: "dcgan-discriminator",
    inputShape: [...imageShape],
    layers: [...down(32, 2), ...down(64, 1), ...down(128, 1), ...down(256, 2), { type: "flatten" }, { type: "dense", units: 1 }],
    outputShape: [1],
  };
}
