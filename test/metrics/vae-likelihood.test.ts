import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { bceReconstructionLoss, elbo, imageSetBatch, importanceWeightedNll, loadMnist, MlpVAE, reconstructionError, takeImages, useBackend, type Dataset } from "../../src/index.js";

let vae: MlpVAE;
let test: Dataset;
beforeAll(async () => {
  await useBackend("gen-mnist");
  const train = await loadMnist({ split: "train", range: "[0,1]", limit: 6400 });
  test = await loadMnist({ split: "test", range: "[0,1]", limit: 300 });
  vae = new MlpVAE({ latentDim: 8, seed: 2 });
  for (let epoch = 0; epoch < 3; epoch++) {
    for (const batch of train.batches(128, { seed: 1, epoch, dropRemainder: true })) {
      await vae.trainStep(batch);
      batch.dispose();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}, 120_000);

describe("VAE likelihoods", () => {
  it("reconstructionError is the BCE of the posterior-mean reconstruction", async () => {
    const few = takeImages(test, 50);
    const r = await reconstructionError(vae, few, { batchSize: 16 });
    const want = tf.tidy(() => {
      const x = imageSetBatch(few, 0, 50);
      const { mean } = vae.encode(x);
      return bceReconstructionLoss(x, vae.decoderLogits.apply(mean) as tf.Tensor).dataSync()[0] ?? Number.NaN;
    });
    expect(r.n).toBe(50);
    expect(r.bce).toBeCloseTo(want, 2);
    expect(r.mse).toBeGreaterThan(0);
    expect(r.mse).toBeLessThan(0.1);
  });

  it("the IWAE NLL is at most −ELBO and falls as k grows", async () => {
    const bound = await elbo(vae, test, { seed: 1 });
    expect(bound.elbo).toBeCloseTo(-(bound.reconstruction + bound.kl), 8);
    expect(bound.kl).toBeGreaterThan(0);
    const nll = async (k: number) => (await importanceWeightedNll(vae, test, { k, seed: 1 })).nll;
    const [k1, k10, k100] = [await nll(1), await nll(10), await nll(100)];
    // k = 1 is an estimate of −ELBO itself; more samples tighten the bound
    expect(Math.abs(k1 + bound.elbo)).toBeLessThan(2);
    expect(k10).toBeLessThan(-bound.elbo);
    expect(k100).toBeLessThan(k10);
    expect(k10).toBeLessThan(k1);
    expect(Number.isFinite(k100)).toBe(true);
  }, 120_000);

  it("repeats for a seed, and needs labels for a conditional model", async () => {
    const a = await importanceWeightedNll(vae, test, { k: 5, n: 40, seed: 3 });
    const b = await importanceWeightedNll(vae, test, { k: 5, n: 40, seed: 3 });
    expect(a).toEqual(b);
    expect(a.n).toBe(40);
    const unlabelled = { ...takeImages(test, 10), labels: undefined };
    const { CVAE } = await import("../../src/index.js");
    const cvae = new CVAE();
    await expect(elbo(cvae, unlabelled)).rejects.toThrow(/cvae is conditional and mnist\/test has no labels/);
    cvae.dispose();
  });
});
