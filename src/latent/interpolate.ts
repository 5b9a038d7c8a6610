import * as tf from "@tensorflow/tfjs-core";
import { InvalidArgumentError } from "../errors.js";
import { checkImageBatch, checkInteger, labelsOneHot } from "../_internals/check.js";
import type { GenerativeModel } from "../nn/model.js";
import { VAE } from "../vae/vae.js";

/** How {@link interpolateLatents} moves between two latents: a straight line, or a great circle (slerp). */
export type InterpolationMethod = "linear" | "slerp";

/** Options of {@link interpolateLatents} and {@link interpolate}. */
export interface InterpolationOptions {
  /**
   * Points per path, both ends included.
   * @defaultValue 10
   */
  readonly steps?: number;
  /**
   * `"slerp"` (Shoemake 1985; White 2016, "Sampling Generative Networks") follows the great circle
   * between the two latents with their norms interpolated linearly, so the path stays where a
   * Gaussian prior puts its mass (a straight line through high dimensions passes near the origin,
   * where the prior has almost none); `"linear"` is the straight line.
   * @defaultValue "slerp"
   */
  readonly method?: InterpolationMethod;
  /** The class of every image of the path (conditional models). @defaultValue 0 */
  readonly label?: number;
}

/**
 * Latents on paths from each row of `from` to the same row of `to`: `[k, d]` (or `[d]`) ends give
 * `[k * steps, d]`, path after path, both ends included.
 *
 * @example
 * ```ts
 * const z = interpolateLatents(tf.randomNormal([2, 100]), tf.randomNormal([2, 100]), { steps: 8 }); // [16, 100]
 * ```
 */
export function interpolateLatents(from: tf.Tensor, to: tf.Tensor, options: InterpolationOptions = {}): tf.Tensor2D {
  const { steps = 10, method = "slerp" } = options;
  checkInteger("interpolateLatents", "options.steps", steps, 2);
  if (method !== "linear" && method !== "slerp") {
    throw new InvalidArgumentError(`interpolateLatents: options.method must be "linear" or "slerp", found ${JSON.stringify(method)}`);
  }
  const rows = (t: tf.Tensor, name: string): tf.Tensor2D => {
    if (t.rank === 1) return tf.reshape(t, [1, -1]);
    if (t.rank === 2) return t as tf.Tensor2D;
    throw new InvalidArgumentError(`interpolateLatents: ${name} must be [d] or [k, d], found [${t.shape.join(", ")}]`);
  };
  return tf.tidy(() => {
    const [a, b] = [rows(from, "from"), rows(to, "to")];
    if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
      throw new InvalidArgumentError(`interpolateLatents: from and to must have the same shape, found [${a.shape.join(", ")}] and [${b.shape.join(", ")}]`);
    }
    const [k, d] = a.shape;
    // t for every row of the output: [k * steps, 1]
    const t = tf.reshape(tf.tile(tf.reshape(tf.linspace(0, 1, steps), [1, steps]), [k, 1]), [k * steps, 1]);
    const repeat = (x: tf.Tensor2D): tf.Tensor2D => tf.reshape(tf.tile(x, [1, steps]), [k * steps, d]);
    const [x, y] = [repeat(a), repeat(b)];
    const line = tf.add(x, tf.mul(t, tf.sub(y, x))) as tf.Tensor2D;
    if (method === "linear") return line;
    const [nx, ny] = [tf.norm(x, 2, 1, true), tf.norm(y, 2, 1, true)];
    const cos = tf.clipByValue(tf.div(tf.sum(tf.mul(x, y), 1, true), tf.maximum(tf.mul(nx, ny), 1e-12)), -1, 1);
    const omega = tf.acos(cos);
    const sin = tf.sin(omega);
    // on the unit sphere, then scaled by the linearly interpolated norm
    const unit = tf.add(tf.mul(tf.div(tf.sin(tf.mul(tf.sub(1, t), omega)), sin), tf.div(x, nx)), tf.mul(tf.div(tf.sin(tf.mul(t, omega)), sin), tf.div(y, ny)));
    const arc = tf.mul(unit, tf.add(nx, tf.mul(t, tf.sub(ny, nx))));
    // (anti)parallel ends have no unique great circle, nor has a zero end a direction: the straight line there
    const degenerate = tf.logicalOr(tf.less(tf.abs(sin), 1e-6), tf.less(tf.minimum(nx, ny), 1e-12));
    return tf.where(tf.broadcastTo(degenerate, line.shape), line, tf.where(tf.isNaN(arc), line, arc)) as tf.Tensor2D;
  });
}

/**
 * Images along latent paths: a GAN (or any model) between two latents, a VAE also between two
 * images (each encoded to its posterior mean). Each row of `from`/`to` gives one path of `steps`
 * images, both ends included: `[k * steps, H, W, C]` in the model's pixel range.
 *
 * @param from - latents `[d]` / `[k, d]`, or for a VAE images `[k, H, W, C]` in [0, 1].
 * @param to - the other ends, shaped like `from`.
 *
 * @example
 * ```ts
 * const test = await loadMnist({ split: "test", range: "[0,1]", limit: 2 });
 * const batch = test.batch([0, 1]);
 * const strip = interpolate(vae, batch.images.slice([0], [1]), batch.images.slice([1], [1]), { steps: 10 });
 * await writePng("vae-path.png", imageGrid(strip, { cols: 10, range: "[0,1]" }));
 * ```
 */
export function interpolate(model: GenerativeModel, from: tf.Tensor, to: tf.Tensor, options: InterpolationOptions = {}): tf.Tensor4D {
  const { label = 0 } = options;
  return tf.tidy(() => {
    const ends = (t: tf.Tensor, name: string): tf.Tensor => {
      if (t.rank !== 4) return t;
      if (!(model instanceof VAE)) {
        throw new InvalidArgumentError(`interpolate: ${name} holds images [${t.shape.join(", ")}]; only a VAE encodes images, pass latents [k, ${model.latentDim}] for ${model.name}`);
      }
      const images = checkImageBatch(`interpolate: ${name}`, t, model.imageShape);
      const oneHot = model.conditional ? labelsOneHot("interpolate", images.shape[0], model.config.numClasses, Array.from({ length: images.shape[0] }, () => label)) : undefined;
      return model.encode(images, oneHot).mean;
    };
    const [a, b] = [ends(from, "from"), ends(to, "to")];
    if (a.shape[a.rank - 1] !== model.latentDim) {
      throw new InvalidArgumentError(`interpolate: the latents must have ${model.latentDim} values (the model's latentDim), found [${a.shape.join(", ")}]`);
    }
    const z = interpolateLatents(a, b, options);
    const n = z.shape[0];
    return model.sample(n, { latents: z, ...(model.conditional ? { labels: Array.from({ length: n }, () => label) } : {}) });
  });
}
