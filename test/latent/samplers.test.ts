// Latent samplers: the prior, and a full-covariance Gaussian mixture fitted by EM that recovers a
// known mixture, samples with its moments, and plugs into sampleImages / evaluate / a VAE.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { GaussianMixtureSampler, imageSet, MlpGAN, MlpVAE, PriorSampler, sampleImages, useBackend } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** `n` points from 0.3·N((−4, 0), diag(1, 0.25)) + 0.7·N((4, 2), [[1, 0.8], [0.8, 1]]), drawn with a seeded LCG + Box–Muller. */
function knownMixture(n: number): Float64Array {
  let state = 12345;
  const uniform = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [a, b] = [normal(), normal()];
    if (uniform() < 0.3) [out[2 * i], out[2 * i + 1]] = [-4 + a, 0.5 * b];
    else [out[2 * i], out[2 * i + 1]] = [4 + a, 2 + 0.8 * a + 0.6 * b]; // cov [[1, .8], [.8, 1]]
  }
  return out;
}

describe("GaussianMixtureSampler", () => {
  it("EM recovers a known two-component mixture (weights, means, full covariances)", () => {
    const gmm = new GaussianMixtureSampler({ components: 2, seed: 3 });
    gmm.fitPoints(knownMixture(4000), 4000, 2);
    const [small, large] = [...gmm.components].sort((p, q) => p.weight - q.weight);
    expect(small?.weight).toBeCloseTo(0.3, 1);
    expect(Array.from(small?.mean ?? [])).toEqual([expect.closeTo(-4, 1), expect.closeTo(0, 1)]);
    expect(Array.from(large?.mean ?? [])).toEqual([expect.closeTo(4, 1), expect.closeTo(2, 1)]);
    expect(Array.from(small?.covariance ?? [])).toEqual([expect.closeTo(1, 1), expect.closeTo(0, 1), expect.closeTo(0, 1), expect.closeTo(0.25, 1)]);
    expect(Array.from(large?.covariance ?? [])).toEqual([expect.closeTo(1, 1), expect.closeTo(0.8, 1), expect.closeTo(0.8, 1), expect.closeTo(1, 1)]);
    expect(gmm.iterations).toBeGreaterThan(1);
    // its samples have the mixture's mean: 0.3·(−4, 0) + 0.7·(4, 2) = (1.6, 1.4)
    const z = gmm.sample(20000, { seed: 1 });
    const mean = tf.mean(z, 0).arraySync() as number[];
    expect(mean[0]).toBeCloseTo(1.6, 1);
    expect(mean[1]).toBeCloseTo(1.4, 1);
    // the same seed, the same latents
    const again = gmm.sample(5, { seed: 1 });
    expect(Array.from(again.dataSync())).toEqual(Array.from(tf.slice(z, [0], [5]).dataSync()));
    tf.dispose([z, again]);
  });

  it("fits a VAE's encodings and feeds sampleImages; refuses a GAN and an unfitted sample", async () => {
    const vae = new MlpVAE({ latentDim: 3, seed: 1 });
    const pixels = new Uint8Array(60 * 784).map((_, i) => (i * 31 + Math.floor(i / 784) * 7) % 256);
    const data = imageSet(pixels, { name: "synthetic", labels: Uint8Array.from({ length: 60 }, (_, i) => i % 10) });
    const gmm = new GaussianMixtureSampler({ components: 3 });
    expect(() => gmm.sample(2)).toThrow("GaussianMixtureSampler.sample: call fit(model, data) first");
    await gmm.fit(vae, data);
    expect(gmm.components.length).toBe(3);
    expect(Number.isFinite(gmm.logLikelihood)).toBe(true);
    const images = await sampleImages(vae, 8, { sampler: gmm, seed: 2 });
    expect([images.size, images.height, images.width]).toEqual([8, 28, 28]);
    const gan = new MlpGAN();
    await expect(gmm.fit(gan, data)).rejects.toThrow("GaussianMixtureSampler.fit: needs a VAE's encoder; mlp-gan is a gan model");
    await expect(sampleImages(gan, 4, { sampler: gmm })).rejects.toThrow("the sampler gmm gave latents [4, 3], the model takes [4, 100]");
    vae.dispose();
    gan.dispose();
  });
});

describe("PriorSampler", () => {
  it("draws N(0, I) of the model's latent size, seeded like sample()", async () => {
    const gan = new MlpGAN({ latentDim: 7 });
    const prior = new PriorSampler();
    expect(() => prior.sample(2)).toThrow("call fit(model) first");
    await prior.fit(gan);
    const z = prior.sample(4, { seed: 5 });
    const direct = tf.randomNormal([4, 7], 0, 1, "float32", 5);
    expect(Array.from(z.dataSync())).toEqual(Array.from(direct.dataSync()));
    tf.dispose([z, direct]);
    gan.dispose();
  });
});
