import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import type { PixelRange } from "../data/dataset.js";
import { imageChannels, imageGrid, type GridImage } from "./grid.js";

/**
 * A VAE reconstruction strip: the inputs in the top row, their reconstructions in the row below.
 * Grey images give a grey picture, RGB images an RGB one.
 *
 * @param inputs - `[n, h, w, 1]` (grey) or `[n, h, w, 3]` (RGB).
 * @param reconstructions - the same shape.
 * @param options - `range` of the values (default `"[0,1]"`) and `padding` in pixels (default 2),
 *   as in {@link imageGrid}.
 * @throws {@link InvalidArgumentError} when the shapes differ or the channels are not 1 or 3.
 * @example
 * ```ts
 * await writePng("recon.png", reconstructionStrip(batch.images, vae.reconstruct(batch.images)));
 * ```
 */
export function reconstructionStrip(inputs: tf.Tensor4D, reconstructions: tf.Tensor4D, options: { range?: PixelRange; padding?: number } = {}): GridImage {
  if (inputs.shape.join() !== reconstructions.shape.join()) {
    throw new InvalidArgumentError(
      `reconstructionStrip: inputs and reconstructions must have the same shape, found [${inputs.shape.join(", ")}] and [${reconstructions.shape.join(", ")}]`,
    );
  }
  if (inputs.rank !== 4) {
    throw new InvalidArgumentError(`reconstructionStrip: inputs must have shape [n, h, w, 1] or [n, h, w, 3], found [${inputs.shape.join(", ")}]`);
  }
  imageChannels(inputs.shape, "reconstructionStrip", "inputs");
  const both = tf.concat([inputs, reconstructions], 0);
  try {
    return imageGrid(both, { rows: 2, cols: inputs.shape[0], range: options.range ?? "[0,1]", padding: options.padding ?? 2 });
  } finally {
    both.dispose();
  }
}
