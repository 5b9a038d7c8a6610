import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  evaluate,
  InvalidArgumentError,
  loadMnist,
  metricValues,
  MlpVAE,
  prepareReference,
  takeImages,
  useBackend,
  MlpGAN,
  type Dataset,
  type PreparedReference,
} from "../../src/index.js";
import { singleClass, uniformNoise, withBlur, withGaussianNoise, withOcclusion } from "../../src/metrics/corruptions.js";

let reference: PreparedReference;
let train: Dataset;
const N = 1000;
/** KID on fewer, smaller subsets than the default 100 of 1,000: unit tests, not reference values. */
const kid = { subsets: 10, subsetSize: 500 };
beforeAll(async () => {
  await useBackend("gen-mnist");
  reference = await prepareReference("mnist-test", { n: N });
  train = await loadMnist({ split: "train", limit: 3000 });
});
afterAll(() => reference.oracle.dispose());

describe("evaluate on images", () => {
  it("real training digits against the test split: low FID, every class, high precision and recall", async () => {
    const report = await evaluate(train, { reference, n: N, kid });
    const v = metricValues(report);
    expect(report.source).toEqual({ kind: "images", name: "mnist/train", n: N });
    expect(report.reference).toEqual({ name: "mnist/test", n: N });
    expect(report.oracle).toMatchObject({ name: "mnist", featureDim: 128 });
    expect(report.oracle.testAccuracy).toBeGreaterThanOrEqual(0.993);
    expect(v.classes_covered).toBe(10);
    expect(v.precision).toBeGreaterThan(0.6);
    expect(v.recall).toBeGreaterThan(0.6);
    expect(v.is).toBeGreaterThan(9);
    const noise = metricValues(await evaluate(uniformNoise(N, 1), { reference, n: N, kid }));
    expect(v.fid).toBeLessThan(0.05 * (noise.fid ?? 0));
    expect(v.kid).toBeLessThan(0.05 * (noise.kid ?? 0));
    // the oracle maps every noise image to about one point of its feature space, one class: recall
    // and coverage see that; precision alone does not (that point lies in a real image's ball)
    expect(noise.recall).toBe(0);
    expect(noise.coverage).toBeLessThan(0.05);
    expect(noise.classes_covered).toBeLessThanOrEqual(2);
    expect(report.seconds).toBeGreaterThan(0);
    expect(Object.keys(report.timings)).toEqual(expect.arrayContaining(["features", "fid", "kid", "prdc"]));
  });

  it("FID and KID rise monotonically with Gaussian noise, blur and occlusion", async () => {
    const real = takeImages(train, N);
    const levels = [
      [0, 0.1, 0.25, 0.5].map((s) => withGaussianNoise(real, s, 1)),
      [0, 1, 2, 3].map((r) => withBlur(real, r)),
      [0, 6, 10, 14].map((s) => withOcclusion(real, s, 1)),
    ];
    for (const series of levels) {
      const values = [];
      for (const images of series) values.push(metricValues(await evaluate(images, { reference, metrics: ["fid", "kid"], kid })));
      for (let i = 1; i < values.length; i++) {
        expect(values[i]?.fid, `${series[i]?.name}`).toBeGreaterThan(values[i - 1]?.fid ?? Infinity);
        expect(values[i]?.kid, `${series[i]?.name}`).toBeGreaterThan(values[i - 1]?.kid ?? Infinity);
      }
    }
  }, 120_000);

  it("flags a one-digit set: nine classes under half their share, low recall and coverage", async () => {
    const sevens = singleClass(train, 7, N);
    const report = await evaluate(sevens, { reference, kid });
    expect(report.metrics.classCoverage?.underrepresented).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(report.metrics.classCoverage?.entropy).toBeLessThan(0.3);
    expect(report.metrics.precisionRecall?.recall).toBeLessThan(0.2);
    expect(report.metrics.densityCoverage?.coverage).toBeLessThan(0.2);
    expect(report.metrics.inceptionScore?.mean).toBeLessThan(1.5);
  });

  it("warns about white-background images", async () => {
    const inverted = { ...takeImages(train, 200), pixels: takeImages(train, 200).pixels.map((p) => 255 - p) };
    const report = await evaluate(inverted, { reference, metrics: ["fid"] });
    expect(report.warnings.join(" ")).toMatch(/mostly white/);
  });
});

describe("evaluate on models", () => {
  it("samples n images of a model, reproducibly for a seed, and leaves training state alone", async () => {
    const gan = new MlpGAN({ seed: 1 });
    const a = await evaluate(gan, { reference, n: 300, metrics: ["fid", "classes", "is"], seed: 4 });
    const b = await evaluate(gan, { reference, n: 300, metrics: ["fid", "classes", "is"], seed: 4 });
    expect(a.source).toEqual({ kind: "model", name: "mlp-gan", n: 300, sampler: "prior" });
    expect(metricValues(a)).toEqual(metricValues(b));
    expect(Object.keys(metricValues(a)).sort()).toEqual(["class_entropy", "class_max_deviation", "classes_covered", "fid", "is", "is_std"]);
    expect(a.metrics.kid).toBeUndefined();
    // a sampler's latents replace the prior's, and the report names it
    const fixed = { name: "zeros", fit: async () => undefined, sample: (k: number) => tf.zeros([k, 100]) as tf.Tensor2D };
    const c = await evaluate(gan, { reference, n: 300, metrics: ["classes"], seed: 4, sampler: fixed });
    expect(c.source.sampler).toBe("zeros");
    // every sample decodes z = 0: one image, so one class
    expect(c.metrics.classCoverage?.coveredClasses).toBe(1);
    // "coverage" is another name for "classes"
    expect(metricValues(await evaluate(gan, { reference, n: 300, metrics: ["coverage"], seed: 4 }))).toEqual({
      classes_covered: a.metrics.classCoverage?.coveredClasses,
      class_entropy: a.metrics.classCoverage?.entropy,
      class_max_deviation: a.metrics.classCoverage?.maxDeviation,
    });
    expect(gan.stepCount).toBe(0);
    gan.dispose();
  });

  it("adds reconstruction, ELBO and IWAE NLL for a VAE", async () => {
    const vae = new MlpVAE({ seed: 1 });
    const report = await evaluate(vae, { reference, n: 200, nll: { k: 4, n: 30 }, kid });
    const v = metricValues(report);
    for (const key of ["fid", "kid", "precision", "coverage", "recon_bce", "recon_mse", "elbo", "nll"]) expect(Number.isFinite(v[key])).toBe(true);
    expect(report.metrics.nll?.n).toBe(30);
    expect(report.metrics.reconstruction?.n).toBe(N);
    vae.dispose();
  });
});

describe("evaluate: bad input", () => {
  it("names what is wrong", async () => {
    const gan = new MlpGAN();
    await expect(evaluate(train, { reference, metrics: ["fid", "fidelity" as never] })).rejects.toThrow(/unknown metric "fidelity"; expected one of fid, kid/);
    await expect(evaluate(gan, { reference, metrics: ["nll"] })).rejects.toThrow(/metric "nll" needs a VAE model \(its encoder\); mlp-gan is not one/);
    await expect(evaluate(takeImages(train, 1), { reference })).rejects.toThrow(/has 1 image\(s\); metrics need at least 2/);
    const big = { pixels: new Uint8Array(4 * 32 * 32), size: 4, height: 32, width: 32, name: "cifar-like" };
    await expect(evaluate(big, { reference })).rejects.toThrow(/cifar-like holds 32x32 images, the reference mnist\/test 28x28/);
    await expect(evaluate(train, { reference: "imagenet" as never })).rejects.toThrow(InvalidArgumentError);
    await expect(evaluate(train, { reference, n: 1 })).rejects.toThrow(/options.n must be an integer >= 2/);
    // a diverged model: NaN weights give NaN pixels, named as such
    for (const w of gan.generator.weights) w.write(tf.fill(w.shape as number[], Number.NaN));
    await expect(evaluate(gan, { reference, n: 10 })).rejects.toThrow(/mlp-gan: pixel 0 is NaN/);
    gan.dispose();
  });
});
