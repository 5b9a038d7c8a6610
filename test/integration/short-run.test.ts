import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { loadMnist, MlpVAE, useBackend, MlpGAN, type Dataset, type GenerativeModel } from "../../src/index.js";

// A few hundred real steps of the two MLP models on a slice of real MNIST, on the wasm backend
// (it has every kernel a dense network needs and is ~5x faster than the cpu backend here).
let train: Dataset;
beforeAll(async () => {
  await useBackend("wasm");
  train = await loadMnist({ split: "train", limit: 4096 });
});

async function run(model: GenerativeModel, steps: number, batchSize: number): Promise<Record<string, number>[]> {
  const data = train.withRange(model.pixelRange);
  const history: Record<string, number>[] = [];
  for (let epoch = 0; history.length < steps; epoch++) {
    for (const batch of data.batches(batchSize, { seed: 5, epoch, dropRemainder: true })) {
      if (history.length < steps) history.push(await model.trainStep(batch));
      batch.dispose();
      // let the event loop run (wasm resolves data() in microtasks only, starving vitest's RPC)
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return history;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const series = (history: Record<string, number>[], key: string): number[] => history.map((h) => h[key] ?? Number.NaN);

describe("short real runs on MNIST", () => {
  it("the MLP VAE's loss falls clearly within 300 steps", async () => {
    const vae = new MlpVAE({ seed: 1 });
    const history = await run(vae, 300, 64);
    const loss = series(history, "loss");
    expect(loss.every(Number.isFinite)).toBe(true);
    const first = mean(loss.slice(0, 10));
    const last = mean(loss.slice(-20));
    // from ~540 nats (an untrained Bernoulli decoder) to well under 200
    expect(first).toBeGreaterThan(300);
    expect(last).toBeLessThan(0.5 * first);
    expect(mean(series(history, "klLoss").slice(-20))).toBeGreaterThan(1);
    vae.dispose();
  }, 240_000);

  it("the MLP GAN learns within 300 steps: D beats chance early, samples move toward the data", async () => {
    // GAN losses are adversarial: D's loss first falls as it learns to tell real from fake,
    // then rises toward equilibrium as G catches up. So we assert that early fall, losses that
    // stay finite and away from collapse (D loss → 0), and the generator's progress measured on
    // its samples: the mean generated image approaches the mean real image.
    const gan = new MlpGAN({ seed: 1 });
    const real = train.batch(Array.from({ length: 1000 }, (_, i) => i));
    const realMean = tf.mean(real.images, 0);
    real.dispose();
    const gap = (): number =>
      tf.tidy(() => tf.mean(tf.abs(tf.sub(tf.mean(gan.sample(500, { seed: 9 }), 0), realMean))).dataSync()[0] ?? Number.NaN);
    const gapBefore = gap();
    const history = await run(gan, 300, 32);
    const dLoss = series(history, "dLoss");
    const gLoss = series(history, "gLoss");
    expect([...dLoss, ...gLoss].every(Number.isFinite)).toBe(true);
    expect(Math.min(...dLoss.slice(1, 30))).toBeLessThan((dLoss[0] ?? 0) - 0.1);
    expect(mean(dLoss.slice(-50))).toBeGreaterThan(0.3);
    expect(gap()).toBeLessThan(0.5 * gapBefore);
    realMean.dispose();
    gan.dispose();
  }, 300_000);
});
