import * as tf from "@tensorflow/tfjs-core";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import type { ImageSet } from "../data/image-set.js";
import { InvalidArgumentError } from "../errors.js";
import { checkInteger } from "../_internals/check.js";
import { encodeMeans } from "./encode.js";
import { CATEGORY10, axes, circle, colour, escapeXml, legend, legendWidth, linearScale, svgDocument, tickLabelWidth, translate } from "../image/svg.js";
import type { VAE } from "../vae/vae.js";

/** Options of {@link latentEmbedding}. */
export interface LatentEmbeddingOptions {
  /** Encode only the first `n` images. @defaultValue every image */
  readonly n?: number;
  /** Images per encoder call. @defaultValue 500 */
  readonly batchSize?: number;
}

/** A VAE's test set in two dimensions: what {@link latentMapSvg} draws. */
export interface LatentEmbedding {
  /** `[n, 2]` row-major: the posterior means themselves (2-D latents) or their first two principal components. */
  readonly points: Float64Array;
  /** Class of each point, when the images have labels. */
  readonly labels: Uint8Array | undefined;
  /** `"direct"` for a 2-D latent space, `"pca"` otherwise. */
  readonly method: "direct" | "pca";
  /** Share of the posterior means' variance along each of the two axes (1 and 1 for `"direct"`). */
  readonly explainedVariance: readonly [number, number];
  /** Points. */
  readonly n: number;
}

/**
 * Encodes images to a VAE's posterior means and puts them in two dimensions: as they are for
 * `latentDim: 2`, else on their first two principal components (float64, ml-matrix). Conditional
 * VAEs encode each image with its own label.
 *
 * @example
 * ```ts
 * const embedding = await latentEmbedding(vae, await loadMnist({ split: "test" }));
 * await writeFile("latent-map.svg", await latentMapSvg(embedding));
 * ```
 */
export async function latentEmbedding(vae: VAE, data: ImageSet, options: LatentEmbeddingOptions = {}): Promise<LatentEmbedding> {
  const { batchSize = 500 } = options;
  const n = Math.min(options.n ?? data.size, data.size);
  if (options.n !== undefined) checkInteger("latentEmbedding", "options.n", options.n, 2);
  checkInteger("latentEmbedding", "options.batchSize", batchSize, 1);
  if (n < 2) throw new InvalidArgumentError(`latentEmbedding: ${data.name} must hold at least 2 images, found ${n}`);
  const d = vae.latentDim;
  if (d < 2) throw new InvalidArgumentError(`latentEmbedding: ${vae.name} has a ${d}-D latent space; a map needs at least 2 dimensions`);
  const means = await encodeMeans("latentEmbedding", vae, data, n, batchSize);
  const labels = data.labels?.subarray(0, n);
  if (d === 2) return { points: means, labels, method: "direct", explainedVariance: [1, 1], n };
  return { ...principalPlane(means, n, d), labels, method: "pca", n };
}

/** Projects `n` rows of `d` values on their first two principal components. */
function principalPlane(rows: Float64Array, n: number, d: number): { points: Float64Array; explainedVariance: [number, number] } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) + (rows[i * d + j] ?? 0) / n;
  const centred = new Matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centred.set(i, j, (rows[i * d + j] ?? 0) - (mean[j] ?? 0));
  const covariance = centred.transpose().mmul(centred).div(n - 1);
  const eig = new EigenvalueDecomposition(covariance, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  const [first, second] = [order[0] ?? 0, order[1] ?? 0];
  const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
  const basis = eig.eigenvectorMatrix;
  const points = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    let [x, y] = [0, 0];
    for (let j = 0; j < d; j++) {
      const v = centred.get(i, j);
      x += v * basis.get(j, first);
      y += v * basis.get(j, second);
    }
    points[2 * i] = x;
    points[2 * i + 1] = y;
  }
  const share = (k: number): number => (total > 0 ? Math.max(values[k] ?? 0, 0) / total : 0);
  return { points, explainedVariance: [share(first), share(second)] };
}

/** Options of {@link latentMapSvg}. */
export interface LatentMapOptions {
  /** Title above the map. @defaultValue "latent space" (with the method) */
  readonly title?: string;
  /** Pixel size of the (square) plot area. @defaultValue 480 */
  readonly size?: number;
  /** Names of the classes for the legend (e.g. `FASHION_MNIST_CLASSES`). @defaultValue the digits */
  readonly classNames?: readonly string[];
}

/**
 * Draws a {@link LatentEmbedding} as a standalone SVG scatter plot, one colour per class (d3's
 * category10, by class number) with a legend of the classes present.
 *
 * @example
 * ```ts
 * const svg = await latentMapSvg(await latentEmbedding(vae, test), { title: "VAE, latent 16" });
 * ```
 */
export async function latentMapSvg(embedding: LatentEmbedding, options: LatentMapOptions = {}): Promise<string> {
  const { size = 480, classNames } = options;
  const axis = (k: 0 | 1): string =>
    embedding.method === "direct" ? `z${k + 1}` : `PC${k + 1} (${(100 * embedding.explainedVariance[k]).toFixed(0)}% of the variance)`;
  const title = options.title ?? `latent space (${embedding.method === "direct" ? "2-D latents" : "PCA of the posterior means"})`;
  const { n, points, labels } = embedding;
  const ticks = Math.ceil(size / 60);
  const x = linearScale(Array.from({ length: n }, (_, i) => points[2 * i] ?? NaN), [0, size], { ticks });
  const y = linearScale(Array.from({ length: n }, (_, i) => points[2 * i + 1] ?? NaN), [size, 0], { ticks });
  const name = (label: number): string => classNames?.[label] ?? String(label);
  const body: string[] = [axes({ x, y, width: size, height: size }, { x: axis(0), y: axis(1) }), '<g class="points" fill-opacity="0.6">'];
  for (let i = 0; i < n; i++) {
    const [px, py] = [points[2 * i] ?? NaN, points[2 * i + 1] ?? NaN];
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    const label = labels?.[i];
    const fill = label === undefined ? colour(CATEGORY10, 0) : colour(CATEGORY10, label);
    body.push(circle(x.map(px), y.map(py), 1.6, fill, label === undefined ? "" : `data-class="${escapeXml(name(label))}"`));
  }
  body.push("</g>");
  const present = labels === undefined ? [] : [...new Set(labels)].sort((a, b) => a - b);
  const entries = present.map((label) => ({ label: name(label), colour: colour(CATEGORY10, label) }));
  const left = tickLabelWidth(y) + 32;
  const top = 36;
  const key = entries.length === 0 ? "" : translate(left + size + 20, top, legend(entries, "dot", "class"));
  const legendSpace = entries.length === 0 ? 0 : 20 + legendWidth(entries.map((e) => e.label), "class");
  return svgDocument(left + size + 10 + legendSpace, top + size + 44, title, translate(left, top, body.join("")) + key);
}

/** Options of {@link latentManifold}. */
export interface LatentManifoldOptions {
  /** Images per side of the grid. @defaultValue 20 */
  readonly size?: number;
  /** The grid spans `[-extent, extent]` on both latent axes. @defaultValue 3 */
  readonly extent?: number;
  /** Class of every image (conditional VAEs). @defaultValue 0 */
  readonly label?: number;
}

/**
 * The decoded manifold of a VAE with a 2-D latent space: `size × size` images of an evenly spaced
 * grid of latents over `[-extent, extent]²` (row by row, z₂ from top to bottom, z₁ left to
 * right), in [0, 1]; after Kingma & Welling (2014), figure 4 (which spaces its grid through the
 * Gaussian's inverse CDF instead).
 * @throws {@link InvalidArgumentError} when the VAE's latent space is not 2-D.
 *
 * @example
 * ```ts
 * const grid = latentManifold(new MlpVAE({ latentDim: 2 }), { size: 20 });
 * await writePng("manifold.png", imageGrid(grid, { cols: 20, range: "[0,1]" }));
 * ```
 */
export function latentManifold(vae: VAE, options: LatentManifoldOptions = {}): tf.Tensor4D {
  const { size = 20, extent = 3, label = 0 } = options;
  if (vae.latentDim !== 2) throw new InvalidArgumentError(`latentManifold: needs a VAE with latentDim 2, ${vae.name} has ${vae.latentDim}; use latentEmbedding for a map of any latent size`);
  checkInteger("latentManifold", "options.size", size, 2);
  if (!(extent > 0)) throw new InvalidArgumentError(`latentManifold: options.extent must be positive, found ${extent}`);
  return tf.tidy(() => {
    const axis = Array.from({ length: size }, (_, i) => -extent + (2 * extent * i) / (size - 1));
    const z = tf.tensor2d(axis.flatMap((_, row) => axis.map((x) => [x, axis[size - 1 - row] ?? 0])), [size * size, 2]);
    return vae.sample(size * size, { latents: z, ...(vae.conditional ? { labels: Array.from({ length: size * size }, () => label) } : {}) });
  });
}
