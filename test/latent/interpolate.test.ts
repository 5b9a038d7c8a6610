// Latent paths: both ends exact, slerp on the great circle (norms interpolated linearly), linear
// on the line; model paths decode those latents, and a VAE path starts at an encoded image.
import * as fc from "fast-check";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { CGAN, interpolate, interpolateLatents, MlpGAN, MlpVAE, useBackend, type InterpolationMethod } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const vec = (d: number) => fc.array(fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }), { minLength: d, maxLength: d });
const norm = (v: ArrayLike<number>): number => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

describe("interpolateLatents", () => {
  it("starts and ends at the given latents, path after path", () => {
    fc.assert(
      fc.property(vec(6), vec(6), fc.constantFrom<InterpolationMethod>("linear", "slerp"), (a, b, method) => {
        fc.pre(norm(a) > 0.1 && norm(b) > 0.1);
        const z = interpolateLatents(tf.tensor2d([a, b]), tf.tensor2d([b, a]), { steps: 5, method });
        expect(z.shape).toEqual([10, 6]);
        const rows = z.arraySync();
        for (const [row, want] of [[0, a], [4, b], [5, b], [9, a]] as const) rows[row]?.forEach((x, j) => expect(x).toBeCloseTo(want[j] ?? NaN, 3));
        z.dispose();
      }),
      { numRuns: 30 },
    );
  });

  it("slerp keeps to the great circle: the norm moves linearly between the ends' norms", () => {
    fc.assert(
      fc.property(vec(8), vec(8), fc.double({ min: 0.5, max: 3, noNaN: true }), (a, b, scale) => {
        fc.pre(norm(a) > 0.5 && norm(b) > 0.5);
        const [na, nb] = [norm(a), norm(b)];
        // (nearly) opposite ends have no great circle: the documented fallback is the line
        fc.pre(a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0) / (na * nb) > -0.99);
        const z = interpolateLatents(tf.tensor1d(a), tf.tensor1d(b.map((x) => (x * scale * na) / nb)), { steps: 7, method: "slerp" });
        // the ends' norms are na and scale·na: the middle's is their mean
        expect(norm((z.arraySync()[3] ?? []) as number[])).toBeCloseTo((na + scale * na) / 2, 2);
        z.dispose();
      }),
      { numRuns: 30 },
    );
  });

  it("linear is the straight line: the midpoint is the mean", () => {
    const z = interpolateLatents(tf.tensor1d([0, 2]), tf.tensor1d([4, 0]), { steps: 3, method: "linear" });
    expect(z.arraySync()[1]).toEqual([2, 1]);
    // antipodal ends have no great circle: slerp takes the line there
    const through = interpolateLatents(tf.tensor1d([1, 0]), tf.tensor1d([-1, 0]), { steps: 3 });
    expect(through.arraySync()[1]?.map((x) => Math.abs(x))).toEqual([0, 0]);
    // a zero end has no direction: the line, never NaN
    const fromZero = interpolateLatents(tf.zeros([4]), tf.ones([4]), { steps: 3 });
    expect(fromZero.arraySync()[1]).toEqual([0.5, 0.5, 0.5, 0.5]);
    fromZero.dispose();
    tf.dispose([z, through]);
    expect(() => interpolateLatents(tf.zeros([2]), tf.zeros([3]))).toThrow("from and to must have the same shape, found [1, 2] and [1, 3]");
    expect(() => interpolateLatents(tf.zeros([2]), tf.zeros([2]), { steps: 1 })).toThrow("options.steps must be an integer >= 2, found 1");
  });
});

describe("interpolate", () => {
  it("a GAN path decodes the interpolated latents; its ends are the samples of the end latents", () => {
    const gan = new MlpGAN({ seed: 1 });
    const [a, b] = [tf.randomNormal([1, 100], 0, 1, "float32", 1), tf.randomNormal([1, 100], 0, 1, "float32", 2)];
    const before = tf.memory().numTensors;
    const path = interpolate(gan, a, b, { steps: 6 });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(path.shape).toEqual([6, 28, 28, 1]);
    const end = gan.sample(1, { latents: b as tf.Tensor2D });
    const last = tf.slice(path, [5], [1]);
    expect(tf.max(tf.abs(tf.sub(last, end))).dataSync()[0]).toBeLessThan(1e-4);
    expect(() => interpolate(gan, tf.zeros([1, 28, 28, 1]), tf.zeros([1, 28, 28, 1]))).toThrow("only a VAE encodes images");
    tf.dispose([a, b, path, end, last]);
    gan.dispose();
  });

  it("a VAE path starts at an image's posterior mean; conditional models keep the label", () => {
    const vae = new MlpVAE({ latentDim: 4, seed: 1 });
    const images = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 3) as tf.Tensor4D;
    const path = interpolate(vae, tf.slice(images, [0], [1]), tf.slice(images, [1], [1]), { steps: 4 });
    expect(path.shape).toEqual([4, 28, 28, 1]);
    const first = vae.reconstruct(tf.slice(images, [0], [1]) as tf.Tensor4D);
    expect(tf.max(tf.abs(tf.sub(tf.slice(path, [0], [1]), first))).dataSync()[0]).toBeLessThan(1e-4);
    const cgan = new CGAN({ seed: 1 });
    const conditional = interpolate(cgan, tf.zeros([100]), tf.ones([100]), { steps: 3, label: 7 });
    expect(conditional.shape).toEqual([3, 28, 28, 1]);
    expect(conditional.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([images, path, first, conditional]);
    vae.dispose();
    cgan.dispose();
  });
});
