import { quarterGrid } from "../_internals/check.js";
import { MNIST_IMAGE_SHAPE, type ImageShape } from "../nn/model.js";
import type { LayerSpec, NetworkSpec } from "../nn/spec.js";

/** Options of the VAE network presets. */
export interface VaeNetworkOptions {
  /**
   * Size of the latent vector; the encoder outputs `2 * latentDim` values (means, then
   * log-variances).
   */
  readonly latentDim?: number;
  /**
   * Shape of the images encoded or decoded. The convolutional networks need a height and width
   * divisible by 4.
   * @defaultValue [28, 28, 1]
   */
  readonly imageShape?: ImageShape;
}

const relu: LayerSpec = { type: "activation", activation: "relu" };
const sigmoid: LayerSpec = { type: "activation", activation: "sigmoid" };
const dense = (units: number): LayerSpec => ({ type: "dense", units });

/**
 * Encoder of the published MLP VAE: `784 → 512 → 128 → 2·latent` (16 means + 16 log-variances
 * at latent 16), ReLU. 471,712 trainable parameters at latent 16.
 */
export function mlpEncoder(options: VaeNetworkOptions = {}): NetworkSpec {
  const { latentDim = 16, imageShape = MNIST_IMAGE_SHAPE } = options;
  return {
    name: "mlp-encoder",
    inputShape: [...imageShape],
    layers: [{ type: "flatten" }, dense(512), relu, dense(128), relu, dense(2 * latentDim)],
    outputShape: [2 * latentDim],
  };
}

/**
 * Decoder of the published MLP VAE: `latent → 128 → 512 → 784`, ReLU, sigmoid output reshaped to
 * `[28, 28, 1]`. 470,416 trainable parameters at latent 16 (942,128 with the encoder).
 */
export function mlpDecoder(options: VaeNetworkOptions = {}): NetworkSpec {
  const { latentDim = 16, imageShape = MNIST_IMAGE_SHAPE } = options;
  return {
    name: "mlp-decoder",
    inputShape: [latentDim],
    layers: [dense(128), relu, dense(512), relu, dense(imageShape[0] * imageShape[1] * imageShape[2]), { type: "reshape", targetShape: [...imageShape] }, sigmoid],
    outputShape: [...imageShape],
  };
}

/**
 * Encoder of the published convolutional VAE: convolutions (kernel 3, "same") 1→32 stride 2,
 * 32→64 s1, 64→128 s1, 128→256 s2, each with LeakyReLU 0.2 and Dropout 0.25, then Linear
 * `12544 → 2·latent`. 789,280 trainable parameters at latent 16.
 */
export function convEncoder(options: VaeNetworkOptions = {}): NetworkSpec {
  const { latentDim = 16, imageShape = MNIST_IMAGE_SHAPE } = options;
  const down = (filters: number, strides: number): LayerSpec[] => [
    { type: "conv2d", filters, kernelSize: 3, strides },
    { type: "activation", activation: "leakyRelu", alpha: 0.2 },
    { type: "dropout", rate: 0.25 },
  ];
  return {
    name: "conv-encoder",
    inputShape: [...imageShape],
    layers: [...down(32, 2), ...down(64, 1), ...down(128, 1), ...down(256, 2), { type: "flatten" }, dense(2 * latentDim)],
    outputShape: [2 * latentDim],
  };
}

/**
 * Decoder of the published convolutional VAE: Linear `latent → 12544`, reshape `7x7x256`,
 * transposed convolutions (kernel 3, "same") 256→128 s2, 128→64 s1, 64→32 s1 with ReLU, 32→1 s2,
 * sigmoid. 600,833 trainable parameters at latent 16 (1,390,113 with the encoder).
 */
export function convDecoder(options: VaeNetworkOptions = {}): NetworkSpec {
  const { latentDim = 16, imageShape = MNIST_IMAGE_SHAPE } = options;
  const [h, w] = quarterGrid("convDecoder", imageShape);
  const up = (filters: number, strides: number): LayerSpec[] => [{ type: "conv2dTranspose", filters, kernelSize: 3, strides }, relu];
  return {
    name: "conv-decoder",
    inputShape: [latentDim],
    layers: [
      dense(h * w * 256),
      { type: "reshape", targetShape: [h, w, 256] },
      ...up(128, 2), ...up(64, 1), ...up(32, 1),
      { type: "conv2dTranspose", filters: imageShape[2], kernelSize: 3, strides: 2 },
      sigmoid,
    ],
    outputShape: [...imageShape],
  };
}

/**
 * Encoder of the small convolutional VAE (latent 10): convolutions 32 and 64 (kernel 3,
 * stride 2, ReLU), then dense 512 and 256 (ReLU) and `2·latent` outputs.
 */
export function smallConvEncoder(options: VaeNetworkOptions = {}): NetworkSpec {
  const { latentDim = 10, imageShape = MNIST_IMAGE_SHAPE } = options;
  return {
    name: "small-conv-encoder",
    inputShape: [...imageShape],
    layers: [
      { type: "conv2d", filters: 32, kernelSize: 3, strides: 2 }, relu,
      { type: "conv2d", filters: 64, kernelSize: 3, strides: 2 }, relu,
      { type: "flatten" }, dense(512), relu, dense(256), relu, dense(2 * latentDim),
    ],
    outputShape: [2 * latentDim],
  };
}

/**
 * Decoder of the small convolutional VAE (latent 10): dense 256 and 512 (ReLU), a dense
 * projection to `7x7x64` (the table leaves this step implicit: 512 values cannot be reshaped to
 * a 7x7 map), then transposed convolutions 64 (ReLU) and 1 (kernel 3, stride 2) and a sigmoid.
 */
export function smallConvDecoder(options: VaeNetworkOptions = {}): NetworkSpec {
  const { latentDim = 10, imageShape = MNIST_IMAGE_SHAPE } = options;
  const [h, w] = quarterGrid("smallConvDecoder", imageShape);
  return {
    name: "small-conv-decoder",
    inputShape: [latentDim],
    layers: [
      dense(256), relu, dense(512), relu, dense(h * w * 64), relu,
      { type: "reshape", targetShape: [h, w, 64] },
      { type: "conv2dTranspose", filters: 64, kernelSize: 3, strides: 2 }, relu,
      { type: "conv2dTranspose", filters: imageShape[2], kernelSize: 3, strides: 2 },
      sigmoid,
    ],
    outputShape: [...imageShape],
  };
}
