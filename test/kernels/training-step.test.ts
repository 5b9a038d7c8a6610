import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  ACGAN, CGAN, ConvVAE, CVAE, DCGAN, MlpVAE, PUBLISHED_DCGAN, MlpGAN, WGAN, WGANGP, BetaVAE,
  convDecoder, convEncoder, dcganDiscriminator, loadModel, useBackend,
  type GenerativeModel, type NetworkSpec,
} from "../../src/index.js";
import { randomBatch } from "../helpers.js";

/** The published tables with dropout rate 0, so that a step is deterministic on every backend. */
const noDropout = (spec: NetworkSpec): NetworkSpec => ({
  ...spec,
  layers: spec.layers.map((l) => (l.type === "dropout" ? { ...l, rate: 0 } : l)),
});
const sgd = { type: "sgd", learningRate: 0.05 } as const;

async function weightsAfterOneStep(dir: string, backend: "cpu" | "gen-mnist", range: "[-1,1]" | "[0,1]"): Promise<number[][]> {
  await useBackend(backend);
  const model = await loadModel(dir);
  const batch = randomBatch(2, range, 11);
  await model.trainStep(batch);
  batch.dispose();
  const weights = Object.values(model.networks()).flatMap((n) => n.getWeights().map((w) => Array.from(w.dataSync())));
  model.dispose();
  return weights;
}

describe("one training step on the gen-mnist backend equals the cpu backend", () => {
  it.each([
    ["DCGAN (published table)", () => new DCGAN({ ...PUBLISHED_DCGAN, discriminator: noDropout(dcganDiscriminator()), generatorOptimizer: sgd, discriminatorOptimizer: sgd }), "[-1,1]"],
    ["Conv VAE (published table)", () => new ConvVAE({ encoder: noDropout(convEncoder()), decoder: convDecoder(), optimizer: sgd }), "[0,1]"],
  ] as const)("%s: every weight within 1e-4", async (_name, make, range) => {
    await useBackend("cpu");
    const dir = `${process.env.TMPDIR ?? "/tmp"}/gen-mnist-step-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    // seeded starting weights (config seed 0) make the comparison repeatable: from random ones, a
    // pre-activation within float rounding of a ReLU kink now and then lands on different sides
    // on the two backends and legitimately changes that unit's gradient
    const model = make();
    await model.save(dir);
    model.dispose();
    const onCpu = await weightsAfterOneStep(dir, "cpu", range);
    const onGenMnist = await weightsAfterOneStep(dir, "gen-mnist", range);
    const initial = await (async () => {
      const m = await loadModel(dir);
      const w = Object.values(m.networks()).flatMap((n) => n.getWeights().map((t) => Array.from(t.dataSync())));
      m.dispose();
      return w;
    })();
    let maxDiff = 0;
    let maxMove = 0;
    onCpu.forEach((w, i) => w.forEach((v, j) => {
      maxDiff = Math.max(maxDiff, Math.abs(v - (onGenMnist[i]?.[j] ?? Number.NaN)));
      maxMove = Math.max(maxMove, Math.abs(v - (initial[i]?.[j] ?? 0)));
    }));
    expect(maxMove).toBeGreaterThan(1e-3); // the step did change the weights
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  }, 240_000);
});

describe("every model trains on the gen-mnist backend without growing tensors", () => {
  const models: [string, () => GenerativeModel, "[-1,1]" | "[0,1]"][] = [
    ["mlp-gan", () => new MlpGAN(), "[-1,1]"],
    ["dcgan", () => new DCGAN(), "[-1,1]"],
    ["wgan", () => new WGAN(), "[-1,1]"],
    ["wgan-gp", () => new WGANGP(), "[-1,1]"],
    ["cgan", () => new CGAN(), "[-1,1]"],
    ["acgan", () => new ACGAN(), "[-1,1]"],
    ["vae", () => new MlpVAE(), "[0,1]"],
    ["conv-vae", () => new ConvVAE(), "[0,1]"],
    ["cvae", () => new CVAE(), "[0,1]"],
    ["beta-vae", () => new BetaVAE(), "[0,1]"],
  ];
  it.each(models)("%s: 100 steps, finite losses, constant tensor count", async (_name, make, range) => {
    await useBackend("gen-mnist");
    const model = make();
    const batch = randomBatch(2, range, 3);
    for (let i = 0; i < 5; i++) await model.trainStep(batch); // optimizer slots appear in the first steps
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) {
      const losses = await model.trainStep(batch);
      for (const v of Object.values(losses)) expect(Number.isFinite(v)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    batch.dispose();
    model.dispose();
  }, 240_000);
});
