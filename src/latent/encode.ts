import * as tf from "@tensorflow/tfjs-core";
import type { ImageSet } from "../data/image-set.js";
import { forBatches } from "../metrics/vae-likelihood.js";
import type { VAE } from "../vae/vae.js";

/**
 * The posterior means `[n, latentDim]` (row-major float64) of a VAE for the first `n` images of a
 * set, `batchSize` at a time; conditional VAEs encode each image with its own label.
 * @throws {@link InvalidArgumentError} naming `owner` when the images do not fit the VAE or lack labels it needs.
 * @internal
 */
export async function encodeMeans(owner: string, vae: VAE, data: ImageSet, n: number, batchSize = 500): Promise<Float64Array> {
  const d = vae.latentDim;
  const means = new Float64Array(n * d);
  await forBatches(owner, vae, data, n, batchSize, async (x, oneHot, start) => {
    const mean = tf.tidy(() => vae.encode(x, oneHot).mean);
    means.set(await mean.data(), start * d);
    mean.dispose();
    await new Promise((resolve) => setImmediate(resolve));
  });
  return means;
}
