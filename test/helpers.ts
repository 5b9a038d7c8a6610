import * as tf from "@tensorflow/tfjs-core";
import type { GANConfig, GenerativeModel, NetworkSpec, TrainBatch, VAEConfig } from "../src/index.js";

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

// ---- synthetic images of any shape (appended; imports kept here so the lines above stay untouched)
import { Dataset, type PixelRange } from "../src/data/dataset.js";
import { createRng, randomInt } from "../src/_internals/random.js";

/** Options of {@link syntheticImages}. */
export interface SyntheticImagesOptions {
  /** @defaultValue 32 */
  readonly height?: number;
  /** @defaultValue 32 */
  readonly width?: number;
  /** Channels per pixel (1 grey, 3 RGB, or any other positive count). @defaultValue 3 */
  readonly channels?: number;
  /** @defaultValue 10 */
  readonly numClasses?: number;
  /** Seed of the noise: the same seed always gives the same bytes. @defaultValue 0 */
  readonly seed?: number;
  /**
   * Largest noise added to (or taken from) each byte, clipped to 0..255.
   * @defaultValue 24
   */
  readonly noise?: number;
  /** @defaultValue "[-1,1]" */
  readonly range?: PixelRange;
  /** @defaultValue "synthetic" */
  readonly name?: string;
}

/**
 * The colour of class `label` in channel `c`: distinct hues for RGB (a hue wheel, one step per
 * class), distinct bright levels for grey, and a class-dependent level per channel otherwise.
 */
export function syntheticClassColour(label: number, numClasses: number, channels: number, c: number): number {
  if (channels === 3) {
    // HSV with full saturation and value: hue = label / numClasses
    const h = (label / numClasses) * 6;
    const k = (((c === 0 ? 5 : c === 1 ? 3 : 1) + h) % 6);
    return Math.round(255 * (1 - Math.max(0, Math.min(k, 4 - k, 1))));
  }
  if (channels === 1) return 255 - Math.round((label * 95) / Math.max(1, numClasses - 1));
  return 160 + ((label * 37 + c * 53) % 96);
}

/**
 * Where the square of class `label` sits: classes are spread over a grid of positions, so each
 * class has its own place. Returns `[top, left, side]` in pixels.
 */
export function syntheticSquare(label: number, numClasses: number, height: number, width: number): [top: number, left: number, side: number] {
  const side = Math.max(1, Math.floor(Math.min(height, width) / 4));
  const cols = Math.ceil(Math.sqrt(numClasses));
  const rows = Math.ceil(numClasses / cols);
  const at = (cell: number, cells: number, extent: number): number =>
    cells <= 1 ? Math.floor((extent - side) / 2) : Math.round((cell * (extent - side)) / (cells - 1));
  return [at(Math.floor(label / cols), rows, height), at(label % cols, cols, width), side];
}

/**
 * A {@link Dataset} of `n` simple images of any shape whose content depends on the class: a dark
 * background with one filled square whose position ({@link syntheticSquare}) and colour
 * ({@link syntheticClassColour}) are the class's, plus seeded uniform noise on every byte. Labels
 * cycle `0, 1, …, numClasses - 1, 0, …` so every class is (nearly) equally frequent. Deterministic
 * given the options.
 *
 * @example
 * ```ts
 * const rgb = syntheticImages(256, { height: 32, width: 32, channels: 3, seed: 1 });
 * const [batch] = rgb.batches(64); // batch.images: [64, 32, 32, 3]
 * ```
 */
export function syntheticImages(n: number, options: SyntheticImagesOptions = {}): Dataset {
  const { height = 32, width = 32, channels = 3, numClasses = 10, seed = 0, noise = 24, range = "[-1,1]", name = "synthetic" } = options;
  const rng = createRng(seed);
  const perImage = height * width * channels;
  const pixels = new Uint8Array(n * perImage);
  const labels = new Uint8Array(n);
  const background = 16;
  for (let i = 0; i < n; i++) {
    const label = i % numClasses;
    labels[i] = label;
    const [top, left, side] = syntheticSquare(label, numClasses, height, width);
    const colour = Array.from({ length: channels }, (_, c) => syntheticClassColour(label, numClasses, channels, c));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = y >= top && y < top + side && x >= left && x < left + side;
        for (let c = 0; c < channels; c++) {
          const base = inside ? (colour[c] ?? 0) : background;
          const jitter = noise > 0 ? randomInt(rng, -noise, noise) : 0;
          pixels[i * perImage + (y * width + x) * channels + c] = Math.min(255, Math.max(0, base + jitter));
        }
      }
    }
  }
  return new Dataset(pixels, labels, { height, width, channels, numClasses, range, name });
}

/**
 * Checks that `svg` is a standalone SVG document, well-formed as XML (every tag closed in order,
 * attributes quoted, `&` only in entities), and returns its elements' opening tags by name.
 */
export function checkSvgDocument(svg: string): Map<string, string[]> {
  if (!svg.startsWith("<svg ") || !/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(svg)) throw new Error("not an SVG document with the SVG namespace");
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(svg)) throw new Error("a bare & (not an entity)");
  const elements = new Map<string, string[]>();
  const open: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let end = 0;
  for (let m = tag.exec(svg); m !== null; m = tag.exec(svg)) {
    if (/[<>]/.test(svg.slice(end, m.index))) throw new Error(`malformed markup before offset ${m.index}: ${svg.slice(end, m.index).slice(0, 80)}`);
    end = m.index + m[0].length;
    const [, closing, name = "", , selfClosing] = m;
    if (closing === "/") {
      if (open.pop() !== name) throw new Error(`</${name}> closes nothing open at offset ${m.index}`);
      continue;
    }
    const same = elements.get(name) ?? [];
    same.push(m[0]);
    elements.set(name, same);
    if (selfClosing !== "/") open.push(name);
  }
  if (open.length > 0 || svg.slice(end).trim() !== "") throw new Error(`unclosed <${open.join("> <")}> or text after the root`);
  return elements;
}

/**
 * A stand-in model with no networks, nothing to save and no state: `fields` give what a test
 * needs (a known `sample`, a slow `trainStep`…); the rest does nothing.
 */
export function stubModel(fields: Partial<GenerativeModel> & Pick<GenerativeModel, "name">): GenerativeModel {
  return {
    kind: fields.name, latentDim: 2, imageShape: [28, 28, 1], pixelRange: "[0,1]", conditional: false, config: {},
    trainStep: async () => ({}),
    sample: () => {
      throw new Error(`${fields.name} draws no samples`);
    },
    parameterCounts: () => ({}),
    networks: () => ({}),
    optimizers: () => ({}),
    getState: () => ({ rng: [], steps: 0 }),
    setState: () => undefined,
    save: async () => undefined,
    dispose: () => undefined,
    ...fields,
  };
}
