import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import type { PixelRange } from "../data/dataset.js";
import { imageGrid, type GrayImage } from "./grid.js";

/**
 * A VAE reconstruction strip: the inputs in the top row, their reconstructions in the row below.
 *
 * @param inputs - `[n, h, w, 1]`.
 * @param reconstructions - the same shape.
 * @example
 * ```ts
 * await writePng("recon.png", reconstructionStrip(batch.images, vae.reconstruct(batch.images)));
 * ```
 */
export function reconstructionStrip(inputs: tf.Tensor4D, reconstructions: tf.Tensor4D, options: { range?: PixelRange; padding?: number } = {}): GrayImage {
  if (inputs.shape.join() !== reconstructions.shape.join()) {
    throw new InvalidArgumentError(
      `reconstructionStrip: inputs and reconstructions must have the same shape, found [${inputs.shape.join(", ")}] and [${reconstructions.shape.join(", ")}]`,
    );
  }
  const both = tf.concat([inputs, reconstructions], 0);
  try {
    return imageGrid(both, { rows: 2, cols: inputs.shape[0], range: options.range ?? "[0,1]", padding: options.padding ?? 2 });
  } finally {
    both.dispose();
  }
}
