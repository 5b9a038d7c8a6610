import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(owner: string, what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${owner}: ${what} must be an integer >= ${min}, found ${value}`);
  }
}

/** Throws unless `lo <= value < hi` (or `<= hi` when `openHigh` is false). */
export function checkRange(owner: string, what: string, value: number, lo: number, hi: number, openHigh: boolean): void {
  const ok = value >= lo && (openHigh ? value < hi : value <= hi);
  if (!ok || Number.isNaN(value)) {
    const upper = hi === Infinity ? "" : openHigh ? `, < ${hi}` : `, <= ${hi}`;
    throw new InvalidArgumentError(`${owner}: ${what} must be >= ${lo}${upper}, found ${value}`);
  }
}

/** One-hot labels `[n, numClasses]` for `labels`, or for `0, 1, …, numClasses − 1, 0, …` when absent. */
export function labelsOneHot(owner: string, n: number, numClasses: number, labels?: readonly number[]): tf.Tensor2D {
  const values = labels ?? Array.from({ length: n }, (_, i) => i % numClasses);
  if (values.length !== n) {
    throw new InvalidArgumentError(`${owner}: options.labels must hold ${n} labels, found ${values.length}`);
  }
  const bad = values.find((l) => !Number.isInteger(l) || l < 0 || l >= numClasses);
  if (bad !== undefined) {
    throw new InvalidArgumentError(`${owner}: labels must be integers in 0..${numClasses - 1}, found ${bad}`);
  }
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([...values], "int32"), numClasses), "float32") as tf.Tensor2D);
}

/**
 * Throws unless `images` is a batch `[B, H, W, C]` of `imageShape` (default `[28, 28, 1]`), with
 * `B >= 1` when `options.nonEmpty`; `options.what` names the argument in the message.
 */
export function checkImageBatch(
  owner: string,
  images: tf.Tensor,
  imageShape: readonly number[] = [28, 28, 1],
  options: { readonly what?: string; readonly nonEmpty?: boolean } = {},
): tf.Tensor4D {
  const { what = "images", nonEmpty = false } = options;
  const [h, w, c] = imageShape;
  if (images.rank !== 4 || images.shape[1] !== h || images.shape[2] !== w || images.shape[3] !== c || (nonEmpty && images.shape[0] === 0)) {
    throw new InvalidArgumentError(`${owner}: ${what} must have shape [B, ${h}, ${w}, ${c}]${nonEmpty ? " with B >= 1" : ""}, found [${images.shape.join(", ")}]`);
  }
  return images as tf.Tensor4D;
}

/** `latents` when given (checked to be `[n, latentDim]`), else a seeded N(0, I) draw. */
export function drawLatents(owner: string, n: number, latentDim: number, latents?: tf.Tensor2D, seed?: number): tf.Tensor2D {
  checkInteger(owner, "n", n, 1);
  if (latents === undefined) return tf.randomNormal([n, latentDim], 0, 1, "float32", seed) as tf.Tensor2D;
  if (latents.shape[0] !== n || latents.shape[1] !== latentDim) {
    throw new InvalidArgumentError(`${owner}: options.latents must have shape [${n}, ${latentDim}], found [${latents.shape.join(", ")}]`);
  }
  return latents;
}

/** The quarter-size grid a network with two stride-2 layers starts from (or ends at) for `imageShape`. */
export function quarterGrid(network: string, imageShape: readonly number[]): [number, number] {
  const [h, w] = imageShape;
  if (h % 4 !== 0 || w % 4 !== 0) {
    throw new InvalidArgumentError(`${network}: needs an image height and width divisible by 4 (two stride-2 layers), found imageShape [${imageShape.join(", ")}]; pass your own network for this shape`);
  }
  return [h / 4, w / 4];
}
