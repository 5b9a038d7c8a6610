import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, loadMnist, loadModel, MODEL_NAMES, PUBLISHED_DCGAN, PUBLISHED_MLP_GAN, Trainer, useBackend, type GAN } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("gen-mnist");
});

/**
 * The published GAN setup, written out (not read from the presets): non-saturating loss, no batch
 * norm, no label smoothing, Adam 2e-4 β1 0.5 for both networks, batch 128.
 */
const PUBLISHED_SETUP = {
  batchNorm: false,
  objective: "non-saturating",
  labelSmoothing: 0,
  generatorOptimizer: { type: "adam", learningRate: 2e-4, beta1: 0.5 },
  discriminatorOptimizer: { type: "adam", learningRate: 2e-4, beta1: 0.5 },
  batchSize: 128,
} as const;

describe("the published setups as presets (mlp-gan-published, dcgan-published)", () => {
  // trainable parameters of the published layer tables at latent 100 (src/gan/architectures.ts)
  it.each([
    ["mlp-gan-published", PUBLISHED_MLP_GAN, "mlp", { generator: 579_728, discriminator: 566_273 }],
    ["dcgan-published", PUBLISHED_DCGAN, "dcgan", { generator: 1_654_529, discriminator: 400_385 }],
  ] as const)("%s is the published configuration, and survives train → save → load → sample → resume", async (name, preset, architecture, parameters) => {
    expect(MODEL_NAMES).toContain(name);
    expect(preset).toMatchObject({ name, architecture, ...PUBLISHED_SETUP });
    const model = createModel(name, { seed: 2 }) as GAN;
    expect(model.config).toMatchObject({ name, architecture, latentDim: 100, ...PUBLISHED_SETUP });
    expect(model.parameterCounts()).toEqual(parameters);
    const data = await loadMnist({ split: "train", limit: 256 });
    const trainer = new Trainer(model, data, { steps: 2, batchSize: 16 });
    await trainer.fit();
    const dir = await mkdtemp(join(tmpdir(), `gen-mnist-${name}-`));
    await model.save(join(dir, "model"));
    const loaded = await loadModel(join(dir, "model"));
    expect(loaded.config).toEqual(model.config);
    const [a, b] = [model.sample(4, { seed: 9 }), loaded.sample(4, { seed: 9 })];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    const resumed = new Trainer(loaded, data, { steps: 3, batchSize: 16, resumeFrom: trainer.state() });
    const history = await resumed.fit();
    expect(history.totalSteps).toBe(3);
    expect(history.steps).toHaveLength(1);
    model.dispose();
    loaded.dispose();
  }, 120_000);
});
