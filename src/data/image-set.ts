import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import { toByte, rangeBounds } from "../_internals/pixels.js";
import { createRng, sampleWithoutReplacement } from "../_internals/random.js";
import type { PixelRange } from "./dataset.js";

/**
 * Images as bytes (0 = black, as in MNIST), with optional class labels: what the metrics read. A
 * {@link Dataset} is one; so is what {@link imageSetFromTensor} and `readImageSet` return (model
 * samples, IDX files and PNG folders made by any framework). Usually grey; `channels` says
 * otherwise (the MNIST metrics read grey images only).
 */
export interface ImageSet {
  /** `size * height * width * channels` bytes, row-major HWC, image after image. */
  readonly pixels: Uint8Array;
  /** Number of images. */
  readonly size: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /**
   * Channels per pixel, interleaved (1 grey, 3 RGB).
   * @defaultValue 1 (when absent)
   */
  readonly channels?: number | undefined;
  /** Class labels, one per image, when known (real data, conditional samples). */
  readonly labels?: Uint8Array | undefined;
  /** A name shown in messages and reports, e.g. `"mnist/test"`. */
  readonly name: string;
}

/** Options of {@link imageSet}. */
export interface ImageSetOptions {
  /** @defaultValue 28 */
  readonly height?: number;
  /** @defaultValue 28 */
  readonly width?: number;
  /**
   * Channels per pixel, interleaved (row-major HWC): 1 for grey, 3 for RGB.
   * @defaultValue 1
   */
  readonly channels?: number;
  /** One class label per image. */
  readonly labels?: Uint8Array;
  /** @defaultValue "images" */
  readonly name?: string;
}

/**
 * Wraps bytes as an {@link ImageSet}, checking that they hold whole images.
 *
 * @throws {@link InvalidArgumentError} when the byte count is not a multiple of
 *   `height * width * channels` or the labels do not match the image count.
 *
 * @example
 * ```ts
 * const set = imageSet(bytes, { name: "my-samples" }); // bytes.length = n * 784
 * ```
 */
export function imageSet(pixels: Uint8Array, options: ImageSetOptions = {}): ImageSet {
  const { height = 28, width = 28, channels = 1, labels, name = "images" } = options;
  if (!(pixels instanceof Uint8Array)) {
    throw new InvalidArgumentError(`imageSet ${name}: pixels must be a Uint8Array of bytes 0..255, found ${describeValue(pixels)}`);
  }
  if (!Number.isInteger(channels) || channels <= 0) {
    throw new InvalidArgumentError(`imageSet ${name}: options.channels must be a positive integer, found ${channels}`);
  }
  const perImage = height * width * channels;
  const shape = channels === 1 ? `${height}x${width}` : `${height}x${width}x${channels}`;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0 || pixels.length % perImage !== 0) {
    throw new InvalidArgumentError(
      `imageSet ${name}: ${pixels.length} bytes are not whole ${shape} images (expected a multiple of ${perImage})`,
    );
  }
  const size = pixels.length / perImage;
  if (labels !== undefined && labels.length !== size) {
    throw new InvalidArgumentError(`imageSet ${name}: ${size} images need ${size} labels, found ${labels.length}`);
  }
  return { pixels, size, height, width, channels, labels, name };
}

/** Bytes per image of a set. */
const imageBytes = (set: ImageSet): number => set.height * set.width * (set.channels ?? 1);

const describeValue = (v: unknown): string => (v === null ? "null" : typeof v === "object" ? (v.constructor?.name ?? "object") : typeof v);

/**
 * Quantises a batch of images `[n, h, w, c]` in `range` to bytes, exactly as a PNG or a uint8 IDX
 * file would store them (clipped, then rounded), so that a model's samples and the same samples
 * saved to disk are evaluated alike. The set has the tensor's channels (`c`: 1 for grey). The
 * tensor is not disposed.
 *
 * @throws {@link InvalidArgumentError} when the tensor is not of rank 4 or holds NaN.
 */
export function imageSetFromTensor(images: tf.Tensor, range: PixelRange, options: Omit<ImageSetOptions, "height" | "width" | "channels"> = {}): ImageSet {
  const name = options.name ?? "images";
  if (images.rank !== 4) {
    throw new InvalidArgumentError(`imageSetFromTensor ${name}: images must have shape [n, h, w, c] (c = 1 for grey), found [${images.shape.join(", ")}]`);
  }
  const [, height = 0, width = 0, channels = 1] = images.shape;
  const values = images.dataSync();
  const [lo, hi] = rangeBounds(range);
  const pixels = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (Number.isNaN(v)) throw new InvalidArgumentError(`imageSetFromTensor ${name}: pixel ${i} is NaN; expected values in ${range} (a model whose training diverged outputs NaN)`);
    pixels[i] = toByte(v, lo, hi);
  }
  return imageSet(pixels, { ...options, height, width, channels });
}

/**
 * The images `[start, end)` of a set as a float tensor `[n, h, w, c]` in [0, 1] (`c` = the set's
 * channels, 1 for grey); the caller disposes it.
 */
export function imageSetBatch(set: ImageSet, start: number, end: number): tf.Tensor4D {
  const perImage = imageBytes(set);
  const bytes = set.pixels.subarray(start * perImage, end * perImage);
  const values = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) values[i] = (bytes[i] ?? 0) / 255;
  return tf.tensor4d(values, [end - start, set.height, set.width, set.channels ?? 1]);
}

/** The first `n` images of a set (sharing its memory), of the same shape. */
export function takeImages(set: ImageSet, n: number): ImageSet {
  if (n >= set.size) return set;
  const perImage = imageBytes(set);
  return {
    pixels: set.pixels.subarray(0, n * perImage),
    size: n,
    height: set.height,
    width: set.width,
    channels: set.channels ?? 1,
    labels: set.labels?.subarray(0, n),
    name: set.name,
  };
}

/**
 * `n` images of a set drawn at random without replacement (seeded), kept in their original order;
 * the set itself when it has at most `n`. Prefer it to the first `n` images: the halves of MNIST's
 * test split come from different writers, so a prefix is not a fair sample.
 */
export function sampleImageSet(set: ImageSet, n: number, seed = 0): ImageSet {
  if (n >= set.size) return set;
  const indices = Array.from(sampleWithoutReplacement(set.size, n, createRng(seed))).sort((a, b) => a - b);
  const perImage = imageBytes(set);
  const pixels = new Uint8Array(n * perImage);
  indices.forEach((index, i) => pixels.set(set.pixels.subarray(index * perImage, (index + 1) * perImage), i * perImage));
  const labels = set.labels === undefined ? undefined : Uint8Array.from(indices, (index) => set.labels?.[index] ?? 0);
  return { pixels, size: n, height: set.height, width: set.width, channels: set.channels ?? 1, labels, name: set.name };
}
