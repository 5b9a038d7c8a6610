import * as tf from "@tensorflow/tfjs-core";
import { imageSet, imageSetFromTensor, type ImageSet } from "../data/image-set.js";
import { InvalidArgumentError } from "../errors.js";
import type { GenerativeModel, LatentSampler } from "../nn/model.js";
import { checkInteger } from "../_internals/check.js";

/** Options of {@link sampleImages}. */
export interface SampleImagesOptions {
  /**
   * Seed of the latent draw: the same seed and `n` give the same images, whatever the batch size.
   * @defaultValue 0
   */
  readonly seed?: number;
  /**
   * Images generated per forward pass.
   * @defaultValue 500
   */
  readonly batchSize?: number;
  /** Classes of conditional models' samples, one per image. @defaultValue `i % numClasses` (balanced) */
  readonly labels?: readonly number[];
  /** A fitted sampler of the latents (e.g. a `GaussianMixtureSampler`). @defaultValue the prior N(0, I) */
  readonly sampler?: LatentSampler;
}

/**
 * Generates `n` images with a model and quantises them to bytes, exactly as PNG or uint8 IDX
 * files store them, `batchSize` at a time: the form every metric reads. Conditional models'
 * samples carry their labels.
 *
 * @example
 * ```ts
 * const samples = await sampleImages(gan, 10000, { seed: 1 });
 * const report = await evaluate(samples);
 * ```
 */
export async function sampleImages(model: GenerativeModel, n: number, options: SampleImagesOptions = {}): Promise<ImageSet> {
  const { seed = 0, batchSize = 500, labels } = options;
  checkInteger("sampleImages", "n", n, 1);
  checkInteger("sampleImages", "options.batchSize", batchSize, 1);
  const numClasses = (model.config as { numClasses?: number }).numClasses ?? 10;
  const classes = model.conditional ? (labels ?? Array.from({ length: n }, (_, i) => i % numClasses)) : undefined;
  if (classes !== undefined && classes.length !== n) {
    throw new InvalidArgumentError(`sampleImages: options.labels must hold ${n} labels, found ${classes.length}`);
  }
  const latents = options.sampler === undefined ? (tf.randomNormal([n, model.latentDim], 0, 1, "float32", seed) as tf.Tensor2D) : options.sampler.sample(n, { seed });
  if (latents.rank !== 2 || latents.shape[0] !== n || latents.shape[1] !== model.latentDim) {
    latents.dispose();
    throw new InvalidArgumentError(`sampleImages: the sampler ${options.sampler?.name ?? ""} gave latents [${latents.shape.join(", ")}], the model takes [${n}, ${model.latentDim}]`);
  }
  const parts: Uint8Array[] = [];
  let height = 0;
  let width = 0;
  let channels = 1;
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const z = tf.slice(latents, [start, 0], [end - start, model.latentDim]);
      let set: ImageSet;
      try {
        const images = model.sample(end - start, { latents: z, ...(classes === undefined ? {} : { labels: classes.slice(start, end) }) });
        try {
          set = imageSetFromTensor(images, model.pixelRange, { name: model.name });
        } finally {
          images.dispose();
        }
      } finally {
        z.dispose();
      }
      parts.push(set.pixels);
      height = set.height;
      width = set.width;
      channels = set.channels ?? 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    latents.dispose();
  }
  const pixels = new Uint8Array(n * height * width * channels);
  let at = 0;
  for (const p of parts) {
    pixels.set(p, at);
    at += p.length;
  }
  return imageSet(pixels, { height, width, channels, name: `${model.name} samples`, ...(classes === undefined ? {} : { labels: Uint8Array.from(classes) }) });
}
