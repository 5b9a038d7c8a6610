// Latent Space Adaptation on a model whose latents mean something known: z₀ picks the digit
// (through Φ, ten equal bins), |z₁| adds noise, z₂ does nothing. LSA must keep the clean samples
// (small |z₁|), so its per-class Gaussians narrow on z₁ and stay N(0, 1)-wide on z₂, and it draws
// a balanced number per class.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { CGAN, LatentSpaceAdaptation, loadMnist, useBackend, type Dataset, type GenerativeModel } from "../../src/index.js";
import { stubModel } from "../helpers.js";

let test: Dataset;
let prototypes: tf.Tensor4D;

beforeAll(async () => {
  await useBackend("gen-mnist");
  test = await loadMnist({ split: "test", limit: 1000, range: "[0,1]" });
  const first = Array.from({ length: 10 }, (_, c) => test.labels.indexOf(c));
  const batch = test.batch(first);
  prototypes = tf.clone(batch.images);
  batch.dispose();
});

/** A stand-in generator with a known latent space (see the file comment); it draws only the first `classes` digits. */
function knownModel(classes = 10): GenerativeModel {
  return stubModel({
    name: "known", latentDim: 3,
    sample: (n, options = {}) =>
      tf.tidy(() => {
        const z = options.latents ?? (tf.randomNormal([n, 3], 0, 1, "float32", options.seed) as tf.Tensor2D);
        const [z0, z1] = [tf.slice(z, [0, 0], [n, 1]), tf.slice(z, [0, 1], [n, 1])];
        const phi = tf.mul(0.5, tf.add(1, tf.erf(tf.div(z0, Math.SQRT2))));
        const cls = tf.reshape(tf.cast(tf.clipByValue(tf.floor(tf.mul(phi, classes)), 0, classes - 1), "int32"), [n]);
        const clean = tf.gather(prototypes, cls);
        const noise = tf.mul(tf.reshape(tf.abs(z1), [n, 1, 1, 1]), tf.randomUniform([n, 28, 28, 1], -0.5, 0.5, "float32", 7));
        return tf.clipByValue(tf.add(clean, noise), 0, 1) as tf.Tensor4D;
      }),
  });
}

describe("LatentSpaceAdaptation", () => {
  it("keeps the clean candidates of every class and fits their latents", async () => {
    const lsa = new LatentSpaceAdaptation({ candidates: 3000, keep: 0.3, seed: 1 });
    await lsa.fit(knownModel(), test);
    expect(lsa.classes.map((c) => c.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of lsa.classes) {
      expect(c.candidates).toBeGreaterThan(100);
      expect(c.kept).toBeCloseTo(0.3 * c.candidates, -1);
      // the noise dimension narrows (kept: small |z₁|); the unused one stays about N(0, 1)
      expect(c.std[1]).toBeLessThan(0.6);
      expect(c.std[2]).toBeGreaterThan(0.75);
      expect(c.std[2]).toBeLessThan(1.25);
      expect(c.pValues.length).toBe(3);
      expect(c.normalShare).toBeGreaterThanOrEqual(0);
      expect(c.normalShare).toBeLessThanOrEqual(1);
    }
    // z₀ means increase with the class (its bins are in order)
    const m0 = lsa.classes.map((c) => c.mean[0] ?? NaN);
    expect(m0.every((m, i) => i === 0 || m > (m0[i - 1] ?? Infinity))).toBe(true);
    // balanced draws: class i % 10 for the i-th latent
    const z = lsa.sample(20, { seed: 2 });
    expect(z.shape).toEqual([20, 3]);
    const images = knownModel().sample(20, { latents: z });
    const got = tf.tidy(() => tf.argMax(tf.sum(tf.mul(tf.reshape(images, [20, 1, 784]), tf.reshape(prototypes, [1, 10, 784])), 2), 1).arraySync() as number[]);
    expect(got.filter((c, i) => c === i % 10).length).toBeGreaterThanOrEqual(16);
    tf.dispose([z, images]);
  }, 120_000);

  it("with missingClasses: skip, reports the classes a collapsed model never draws and samples the others evenly", async () => {
    // the model draws digits 0-3 only (noise makes the oracle see a few others)
    await expect(new LatentSpaceAdaptation({ candidates: 500, seed: 1 }).fit(knownModel(4), test)).rejects.toThrow(/looks like class [4-9] to the oracle \(mode collapse\?\); raise options.candidates, or pass missingClasses: "skip"/);
    const lsa = new LatentSpaceAdaptation({ candidates: 500, seed: 1, missingClasses: "skip" });
    await lsa.fit(knownModel(4), test);
    expect(lsa.classes.map((c) => c.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const missing = lsa.classes.filter((c) => c.candidates === 0);
    expect(missing.length).toBeGreaterThan(0);
    for (const c of missing) {
      expect(c.label).toBeGreaterThanOrEqual(4);
      expect([c.kept, c.normalShare]).toEqual([0, NaN]);
    }
    const reached = lsa.classes.filter((c) => c.kept > 0);
    expect(reached.slice(0, 4).map((c) => c.label)).toEqual([0, 1, 2, 3]);
    // the i-th latent comes from the (i mod reached)-th class reached: digits 0-3 come out as themselves
    const n = 10 * reached.length;
    const z = lsa.sample(n, { seed: 3 });
    const images = knownModel(4).sample(n, { latents: z });
    const got = tf.tidy(() => tf.argMax(tf.sum(tf.mul(tf.reshape(images, [n, 1, 784]), tf.reshape(prototypes, [1, 10, 784])), 2), 1).arraySync() as number[]);
    const ofDigits = got.flatMap((c, i) => ((reached[i % reached.length]?.label ?? 9) < 4 ? [c === reached[i % reached.length]?.label] : []));
    expect(ofDigits.length).toBe(40);
    expect(ofDigits.filter(Boolean).length).toBeGreaterThanOrEqual(32);
    tf.dispose([z, images]);
    expect(() => new LatentSpaceAdaptation({ missingClasses: "drop" as "skip" })).toThrow('options.missingClasses must be "error" or "skip", found "drop"');
  }, 120_000);

  it("refuses conditional models, unlabelled data and sampling before fit", async () => {
    const lsa = new LatentSpaceAdaptation({ candidates: 10 });
    expect(() => lsa.sample(2)).toThrow("LatentSpaceAdaptation.sample: call fit(model, data) first");
    const cgan = new CGAN();
    await expect(lsa.fit(cgan, test)).rejects.toThrow("cgan is conditional; Latent Space Adaptation is for unconditional GANs");
    await expect(lsa.fit(knownModel(), { ...test, pixels: test.pixels, labels: undefined, size: test.size, height: 28, width: 28, name: "no labels" })).rejects.toThrow("pass real labelled images");
    expect(() => new LatentSpaceAdaptation({ keep: 0 })).toThrow("options.keep must be > 0");
    cgan.dispose();
  });
});
