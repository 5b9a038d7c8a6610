import * as tf from "@tensorflow/tfjs-core";
import type { GANConfig, NetworkSpec, TrainBatch, VAEConfig } from "../src/index.js";

/**
 * Tiny convolutional networks with the same layer kinds as the DCGAN tables (dense projection,
 * transposed convolutions, batch norm, convolutions, LeakyReLU, dropout), small enough for the
 * pure-JS cpu backend, whose convolution gradients are slow (see the performance issue).
 */
export const tinyConvGenerator = (latentDim: number): NetworkSpec => ({
  name: "tiny-conv-generator",
  inputShape: [latentDim],
  layers: [
    { type: "dense", units: 7 * 7 * 4 },
    { type: "reshape", targetShape: [7, 7, 4] },
    { type: "batchNorm" },
    { type: "activation", activation: "relu" },
    { type: "conv2dTranspose", filters: 4, kernelSize: 3, strides: 2 },
    { type: "activation", activation: "relu" },
    { type: "conv2dTranspose", filters: 1, kernelSize: 3, strides: 2 },
    { type: "activation", activation: "tanh" },
  ],
  outputShape: [28, 28, 1],
});

export const tinyConvDiscriminator: NetworkSpec = {
  name: "tiny-conv-discriminator",
  inputShape: [28, 28, 1],
  layers: [
    { type: "conv2d", filters: 4, kernelSize: 3, strides: 2 },
    { type: "activation", activation: "leakyRelu", alpha: 0.2 },
    { type: "dropout", rate: 0.25 },
    { type: "conv2d", filters: 8, kernelSize: 3, strides: 2 },
    { type: "activation", activation: "leakyRelu", alpha: 0.2 },
    { type: "flatten" },
    { type: "dense", units: 1 },
  ],
  outputShape: [1],
};

/** A random batch of `n` images in `range` with labels `i % 10`. */
export function randomBatch(n: number, range: "[-1,1]" | "[0,1]", seed = 1): TrainBatch & { dispose(): void } {
  const images = (range === "[-1,1]" ? tf.randomUniform([n, 28, 28, 1], -1, 1, "float32", seed) : tf.randomUniform([n, 28, 28, 1], 0, 1, "float32", seed)) as tf.Tensor4D;
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), "int32"), 10), "float32")) as tf.Tensor2D;
  return { images, oneHot, dispose: () => tf.dispose([images, oneHot]) };
}

/** Copies of every variable's values, to compare before and after a step. */
export function snapshot(variables: readonly tf.Variable[]): Float32Array[] {
  return variables.map((v) => Float32Array.from(v.dataSync()));
}

/** Whether any value differs between two snapshots. */
export function changed(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  return a.some((x, i) => x.some((v, j) => v !== b[i]?.[j]));
}

/** Min and max of a tensor's values. */
export function extent(t: tf.Tensor): [number, number] {
  const v = t.dataSync();
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return [lo, hi];
}

/** A small MLP VAE (784 → 16 → 2·2, 2 → 16 → 784) for fast training tests. */
export const tinyVaeConfig = {
  name: "tiny-vae",
  latentDim: 2,
  batchSize: 32,
  encoder: {
    name: "tiny-encoder",
    inputShape: [28, 28, 1],
    layers: [{ type: "flatten" }, { type: "dense", units: 16 }, { type: "activation", activation: "relu" }, { type: "dense", units: 4 }],
    outputShape: [4],
  },
  decoder: {
    name: "tiny-decoder",
    inputShape: [2],
    layers: [
      { type: "dense", units: 16 }, { type: "activation", activation: "relu" }, { type: "dense", units: 784 },
      { type: "reshape", targetShape: [28, 28, 1] }, { type: "activation", activation: "sigmoid" },
    ],
    outputShape: [28, 28, 1],
  },
} as const satisfies VAEConfig;

/** A small MLP GAN without dropout (so runs are exactly reproducible), with batch norm in G. */
export const tinyGanConfig = {
  name: "tiny-gan",
  latentDim: 8,
  batchSize: 32,
  generator: {
    name: "tiny-generator",
    inputShape: [8],
    layers: [
      { type: "dense", units: 16 }, { type: "batchNorm" }, { type: "activation", activation: "leakyRelu" },
      { type: "dense", units: 784 }, { type: "activation", activation: "tanh" }, { type: "reshape", targetShape: [28, 28, 1] },
    ],
    outputShape: [28, 28, 1],
  },
  discriminator: {
    name: "tiny-discriminator",
    inputShape: [28, 28, 1],
    layers: [{ type: "flatten" }, { type: "dense", units: 16 }, { type: "activation", activation: "leakyRelu" }, { type: "dense", units: 1 }],
    outputShape: [1],
  },
} as const satisfies GANConfig;

/** The first value of a tensor, which is then disposed. */
export function value(t: tf.Tensor): number {
  const v = t.dataSync()[0] ?? Number.NaN;
  t.dispose();
  return v;
}
