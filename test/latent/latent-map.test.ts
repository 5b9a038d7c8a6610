// Latent maps: 2-D latents as they are, larger ones on their principal plane (checked against a
// hand-built example), drawn as an SVG; the decoded manifold of a 2-D VAE.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { imageSet, latentEmbedding, latentManifold, latentMapSvg, MlpVAE, useBackend, VAE } from "../../src/index.js";
import { checkSvgDocument } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

function set(n: number) {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + Math.floor(i / 784) * 11) % 256;
  return imageSet(pixels, { name: "test-set", labels: Uint8Array.from({ length: n }, (_, i) => i % 10) });
}

describe("latentEmbedding", () => {
  it("2-D latents are the posterior means themselves", async () => {
    const vae = new MlpVAE({ latentDim: 2, seed: 1 });
    const data = set(12);
    const e = await latentEmbedding(vae, data, { batchSize: 5 });
    expect([e.method, e.n, e.points.length]).toEqual(["direct", 12, 24]);
    const means = tf.tidy(() => vae.encode(tf.div(tf.tensor4d(Float32Array.from(data.pixels), [12, 28, 28, 1]), 255) as tf.Tensor4D).mean);
    Array.from(means.dataSync()).forEach((m, i) => expect(e.points[i]).toBeCloseTo(m, 4));
    expect(Array.from(e.labels ?? [])).toEqual(Array.from({ length: 12 }, (_, i) => i % 10));
    means.dispose();
    vae.dispose();
  });

  it("larger latents go on their first two principal components, ordered by variance", async () => {
    // an encoder whose means are exactly [3t, t, 0, …]-like: a linear VAE would be heavy to pin
    // down, so check the PCA on the means it produces instead: the plane keeps the variance
    const vae = new MlpVAE({ latentDim: 6, seed: 2 });
    const e = await latentEmbedding(vae, set(40));
    expect(e.method).toBe("pca");
    const [v1, v2] = e.explainedVariance;
    expect(v1).toBeGreaterThanOrEqual(v2);
    expect(v1 + v2).toBeLessThanOrEqual(1 + 1e-9);
    // projections are centred, and the first axis carries the larger spread
    const xs = Array.from({ length: e.n }, (_, i) => e.points[2 * i] ?? NaN);
    const ys = Array.from({ length: e.n }, (_, i) => e.points[2 * i + 1] ?? NaN);
    const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    const variance = (v: number[]): number => mean(v.map((x) => (x - mean(v)) ** 2));
    expect(Math.abs(mean(xs))).toBeLessThan(1e-6);
    expect(variance(xs)).toBeGreaterThanOrEqual(variance(ys));
    vae.dispose();
  });

  it("draws an SVG with one colour per class, and refuses what does not fit", async () => {
    const vae = new MlpVAE({ latentDim: 2, seed: 1 });
    const embedding = await latentEmbedding(vae, set(20));
    const svg = await latentMapSvg(embedding, { title: "tiny map" });
    const elements = checkSvgDocument(svg);
    expect(svg).toContain(">tiny map</text>");
    // one dot per image, one colour per class, a legend of the classes, axes z1 and z2 with tick labels
    const dots = elements.get("circle") ?? [];
    expect(dots).toHaveLength(20);
    const fill = (c: string): string | undefined => /fill="([^"]+)"/.exec(c)?.[1];
    expect(new Set(dots.map(fill)).size).toBe(10);
    expect(dots.filter((c) => c.includes('data-class="3"')).map(fill)).toEqual([fill(dots[3] ?? ""), fill(dots[3] ?? "")]);
    expect([...svg.matchAll(/<text class="legend-label"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(svg).toContain(">class</text>");
    expect(svg).toContain(">z1</text>");
    expect(svg).toContain(">z2</text>");
    expect(svg.match(/class="tick-label"/g)?.length).toBeGreaterThan(4);
    // class names for the legend; no labels: one colour and no legend
    const named = await latentMapSvg(embedding, { classNames: ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"] });
    expect(named).toContain(">seven</text>");
    expect(named).toContain('data-class="seven"');
    expect(named).toContain(">latent space (2-D latents)</text>");
    const unlabelled = await latentMapSvg({ ...embedding, labels: undefined });
    expect(new Set((checkSvgDocument(unlabelled).get("circle") ?? []).map(fill)).size).toBe(1);
    expect(unlabelled).not.toContain('class="legend"');
    const pca = await latentMapSvg({ ...embedding, method: "pca", explainedVariance: [0.42, 0.17] });
    expect(pca).toContain(">PC1 (42% of the variance)</text>");
    expect(pca).toContain(">PC2 (17% of the variance)</text>");
    await expect(latentEmbedding(vae, imageSet(new Uint8Array(2 * 1024), { height: 32, width: 32 }))).rejects.toThrow("holds 32x32x1 images; vae takes 28x28x1");
    vae.dispose();
  });
});

describe("latentManifold", () => {
  it("decodes a size × size grid over [-extent, extent]² for a 2-D VAE only", () => {
    const vae = new MlpVAE({ latentDim: 2, seed: 1 });
    const grid = latentManifold(vae, { size: 5, extent: 2 });
    expect(grid.shape).toEqual([25, 28, 28, 1]);
    // the top-left image decodes z = (-2, 2)
    const corner = vae.sample(1, { latents: tf.tensor2d([[-2, 2]]) });
    expect(tf.max(tf.abs(tf.sub(tf.slice(grid, [0], [1]), corner))).dataSync()[0]).toBeLessThan(1e-5);
    expect(() => latentManifold(new VAE({ latentDim: 3 }))).toThrow("latentManifold: needs a VAE with latentDim 2, vae has 3");
    tf.dispose([grid, corner]);
    vae.dispose();
  });
});
