import * as tf from "@tensorflow/tfjs-core";
import { imageSetBatch, type ImageSet } from "../data/image-set.js";
import { InvalidArgumentError } from "../errors.js";
import { labelsOneHot } from "../_internals/check.js";
import type { VAE } from "../vae/vae.js";

/**
 * The posterior means `[n, latentDim]` (row-major float64) of a VAE for the first `n` images of a
 * set, `batchSize` at a time; conditional VAEs encode each image with its own label.
 * @throws {@link InvalidArgumentError} naming `owner` when the images do not fit the VAE or lack labels it needs.
 * @internal
 */
export async function encodeMeans(owner: string, vae: VAE, data: ImageSet, n: number, batchSize = 500): Promise<Float64Array> {
  const [h, w, c] = vae.imageShape;
  if (data.height !== h || data.width !== w || (data.channels ?? 1) !== c) {
    throw new InvalidArgumentError(`${owner}: ${data.name} holds ${data.height}x${data.width}x${data.channels ?? 1} images; ${vae.name} takes ${h}x${w}x${c}`);
  }
  if (vae.conditional && data.labels === undefined) throw new InvalidArgumentError(`${owner}: ${vae.name} is conditional and ${data.name} has no labels`);
  const d = vae.latentDim;
  const means = new Float64Array(n * d);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const mean = tf.tidy(() => {
      const images = imageSetBatch(data, start, end);
      const oneHot = vae.conditional ? labelsOneHot(owner, end - start, vae.config.numClasses, Array.from(data.labels?.subarray(start, end) ?? [])) : undefined;
      return vae.encode(images, oneHot).mean;
    });
    means.set(await mean.data(), start * d);
    mean.dispose();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return means;
}
