import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import { createRng, shuffleInPlace } from "../_internals/random.js";

/**
 * How pixel bytes 0..255 are scaled into floats: `"[-1,1]"` (for tanh generators, the GAN
 * convention) or `"[0,1]"` (for sigmoid decoders and BCE, the VAE convention).
 */
export type PixelRange = "[-1,1]" | "[0,1]";

/** Every {@link PixelRange}. */
export const PIXEL_RANGES: readonly PixelRange[] = ["[-1,1]", "[0,1]"];

/** One mini-batch. The caller owns its tensors: call {@link Batch.dispose} when done. */
export interface Batch {
  /**
   * Images `[B, H, W, C]` (`C` = {@link Dataset.channels}: 1 for grey, 3 for RGB), float32,
   * scaled to the dataset's {@link PixelRange}.
   */
  readonly images: tf.Tensor4D;
  /** Integer class labels `[B]`, int32. */
  readonly labels: tf.Tensor1D;
  /** One-hot labels `[B, numClasses]`, float32. */
  readonly oneHot: tf.Tensor2D;
  /** Number of examples, `B`. */
  readonly size: number;
  /** Indices of the examples in the dataset, in batch order. */
  readonly indices: readonly number[];
  /** Disposes the three tensors. */
  dispose(): void;
}

/** Options of {@link Dataset.batches}. */
export interface BatchOptions {
  /**
   * Visit examples in a seeded random order.
   * @defaultValue true
   */
  readonly shuffle?: boolean;
  /**
   * Seed of the order. The same seed and epoch always give the same order.
   * @defaultValue 0
   */
  readonly seed?: number;
  /**
   * Epoch number: each epoch of one seed gets its own independent order, so a resumed run can
   * reproduce any epoch's order without saving generator state.
   * @defaultValue 0
   */
  readonly epoch?: number;
  /**
   * Drop the last batch when it is smaller than `batchSize`.
   * @defaultValue false
   */
  readonly dropRemainder?: boolean;
}

/** Options of the {@link Dataset} constructor. */
export interface DatasetOptions {
  /**
   * Pixel scaling of the batches' images.
   * @defaultValue "[-1,1]"
   */
  readonly range?: PixelRange;
  /** @defaultValue 10 */
  readonly numClasses?: number;
  /** @defaultValue 28 */
  readonly height?: number;
  /** @defaultValue 28 */
  readonly width?: number;
  /**
   * Channels per pixel, stored interleaved (row-major HWC): 1 for grey, 3 for RGB.
   * @defaultValue 1
   */
  readonly channels?: number;
  /**
   * A name shown in messages, e.g. `"mnist/train"`.
   * @defaultValue "dataset"
   */
  readonly name?: string;
}

/** `byte · scale + shift` for every byte value, rounded once to float32. */
const pixelTable = (scale: number, shift: number): Float32Array => Float32Array.from({ length: 256 }, (_, byte) => byte * scale + shift);

/** Each byte's pixel value in each range (`byte · 2/255 − 1` or `byte / 255`), by byte. */
const SCALED_PIXELS: Readonly<Record<PixelRange, Float32Array>> = { "[-1,1]": pixelTable(2 / 255, -1), "[0,1]": pixelTable(1 / 255, 0) };

/**
 * Images (grey or colour, any height × width × channels) with integer class labels, held as
 * bytes (60,000 MNIST images take 47 MB); float tensors are made one batch at a time.
 *
 * @example
 * ```ts
 * const train = await loadMnist({ split: "train" });
 * for (const batch of train.batches(128, { seed: 1, epoch: 0 })) {
 *   // batch.images: [128, 28, 28, 1] in [-1, 1]
 *   batch.dispose();
 * }
 * // colour: 32x32 RGB, pixels row-major HWC (r, g, b of pixel 0, then pixel 1, ...)
 * const rgb = new Dataset(pixels, labels, { height: 32, width: 32, channels: 3 });
 * rgb.imageShape; // [32, 32, 3]; its batches' images are [B, 32, 32, 3]
 * ```
 */
export class Dataset {
  /**
   * Pixel bytes, `size * height * width * channels` of them, row-major HWC: image after image,
   * row after row, and the channels of one pixel side by side.
   */
  readonly pixels: Uint8Array;
  /** Class labels, one byte each. */
  readonly labels: Uint8Array;
  /** Pixel scaling of batches. */
  readonly range: PixelRange;
  /** Number of classes. */
  readonly numClasses: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** Channels per pixel: 1 for grey, 3 for RGB. */
  readonly channels: number;
  /** Name used in messages. */
  readonly name: string;

  /**
   * @param pixels - `n * height * width * channels` bytes, row-major HWC, 0 = black.
   * @param labels - `n` class labels in `[0, numClasses)`.
   * @throws {@link InvalidArgumentError} when `height`, `width` or `channels` is not a positive
   *   integer, the lengths disagree or a label is out of range.
   */
  constructor(pixels: Uint8Array, labels: Uint8Array, options: DatasetOptions = {}) {
    const { range = "[-1,1]", numClasses = 10, height = 28, width = 28, channels = 1, name = "dataset" } = options;
    if (!PIXEL_RANGES.includes(range)) {
      throw new InvalidArgumentError(
        `Dataset: options.range must be one of ${PIXEL_RANGES.map((r) => `"${r}"`).join(", ")}, found ${JSON.stringify(range)}`,
      );
    }
    for (const [key, v] of [["height", height], ["width", width], ["channels", channels]] as const) {
      if (!Number.isInteger(v) || v <= 0) {
        throw new InvalidArgumentError(`Dataset ${name}: options.${key} must be a positive integer, found ${v}`);
      }
    }
    const perImage = height * width * channels;
    if (pixels.length !== labels.length * perImage) {
      throw new InvalidArgumentError(
        `Dataset ${name}: ${labels.length} labels need ${labels.length * perImage} pixel bytes ` +
          `(${shapeText(height, width, channels)} each), found ${pixels.length}`,
      );
    }
    const bad = labels.findIndex((l) => l >= numClasses);
    if (bad >= 0) {
      throw new InvalidArgumentError(
        `Dataset ${name}: label ${bad} is ${labels[bad]}, expected 0..${numClasses - 1}`,
      );
    }
    this.pixels = pixels;
    this.labels = labels;
    this.range = range;
    this.numClasses = numClasses;
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.name = name;
  }

  /** Number of examples. */
  get size(): number {
    return this.labels.length;
  }

  /** The shape of one image, `[height, width, channels]`: its batches' images are `[B, ...imageShape]`. */
  get imageShape(): readonly [height: number, width: number, channels: number] {
    return [this.height, this.width, this.channels];
  }

  /** Bytes per image, `height * width * channels`. */
  private get imageBytes(): number {
    return this.height * this.width * this.channels;
  }

  /** How many examples of each class, indexed by class. */
  labelCounts(): number[] {
    const counts = new Array<number>(this.numClasses).fill(0);
    for (const label of this.labels) counts[label] = (counts[label] ?? 0) + 1;
    return counts;
  }

  /** A dataset of the first `n` examples, of the same shape (shares no memory with this one). */
  take(n: number): Dataset {
    const count = Math.max(0, Math.min(Math.floor(n), this.size));
    return this.select(Array.from({ length: count }, (_, i) => i));
  }

  /** A dataset of the examples at `indices`, in that order (same shape, range and classes). */
  select(indices: readonly number[]): Dataset {
    const perImage = this.imageBytes;
    const pixels = new Uint8Array(indices.length * perImage);
    const labels = new Uint8Array(indices.length);
    indices.forEach((index, i) => {
      this.checkIndex(index);
      pixels.set(this.pixels.subarray(index * perImage, (index + 1) * perImage), i * perImage);
      labels[i] = this.labels[index] ?? 0;
    });
    return new Dataset(pixels, labels, this.options());
  }

  /** The same examples scaled to another pixel range. */
  withRange(range: PixelRange): Dataset {
    return new Dataset(this.pixels, this.labels, { ...this.options(), range });
  }

  /** Number of batches one epoch yields. */
  numBatches(batchSize: number, dropRemainder = false): number {
    return dropRemainder ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  /** The order in which {@link Dataset.batches} visits examples for `options`. */
  order(options: Pick<BatchOptions, "shuffle" | "seed" | "epoch"> = {}): Uint32Array {
    const { shuffle = true, seed = 0, epoch = 0 } = options;
    const order = new Uint32Array(this.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return shuffle ? shuffleInPlace(order, createRng(seed, epoch)) : order;
  }

  /**
   * Yields one epoch of mini-batches. Tensors are created per batch, so an epoch never holds a
   * second copy of the data; dispose each batch when done with it.
   *
   * @param batchSize - examples per batch, a positive integer.
   * @throws {@link InvalidArgumentError} when `batchSize` is not a positive integer.
   */
  *batches(batchSize: number, options: BatchOptions = {}): Generator<Batch, void, undefined> {
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new InvalidArgumentError(`Dataset.batches: batchSize must be a positive integer, found ${batchSize}`);
    }
    const { dropRemainder = false } = options;
    const order = this.order(options);
    const end = dropRemainder ? order.length - (order.length % batchSize) : order.length;
    for (let start = 0; start < end; start += batchSize) {
      yield this.batch(Array.from(order.subarray(start, Math.min(start + batchSize, end))));
    }
  }

  /** The examples at `indices` as one {@link Batch}. */
  batch(indices: readonly number[]): Batch {
    const perImage = this.imageBytes;
    const n = indices.length;
    const images = new Float32Array(n * perImage);
    const labels = new Int32Array(n);
    const oneHot = new Float32Array(n * this.numClasses);
    const scaled = SCALED_PIXELS[this.range];
    indices.forEach((index, i) => {
      this.checkIndex(index);
      const offset = index * perImage;
      const row = this.pixels.subarray(offset, offset + perImage);
      const out = images.subarray(i * perImage, (i + 1) * perImage);
      for (let p = 0; p < perImage; p++) out[p] = scaled[row[p] as number] as number;
      const label = this.labels[index] ?? 0;
      labels[i] = label;
      oneHot[i * this.numClasses + label] = 1;
    });
    const batch = {
      images: tf.tensor4d(images, [n, this.height, this.width, this.channels]),
      labels: tf.tensor1d(labels, "int32"),
      oneHot: tf.tensor2d(oneHot, [n, this.numClasses]),
      size: n,
      indices: [...indices],
      dispose(): void {
        tf.dispose([batch.images, batch.labels, batch.oneHot]);
      },
    };
    return batch;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new InvalidArgumentError(`Dataset ${this.name}: index ${index} is outside 0..${this.size - 1}`);
    }
  }

  private options(): DatasetOptions {
    const { range, numClasses, height, width, channels, name } = this;
    return { range, numClasses, height, width, channels, name };
  }
}

/** `"28x28"` for grey images, `"32x32x3"` for colour ones. */
const shapeText = (height: number, width: number, channels: number): string =>
  channels === 1 ? `${height}x${width}` : `${height}x${width}x${channels}`;
