import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BetaVAE,
  ConvVAE,
  CVAE,
  MlpVAE,
  VAE,
  buildNetwork,
  convDecoder,
  convEncoder,
  countTrainableParams,
  mlpDecoder,
  mlpEncoder,
  trainableVariables,
  useBackend,
} from "../../src/index.js";
import { changed, extent, randomBatch, snapshot } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const models: VAE[] = [];
const make = <T extends VAE>(m: T): T => {
  models.push(m);
  return m;
};
afterEach(() => {
  models.splice(0).forEach((m) => m.dispose());
});

describe("published VAE tables: trainable parameter counts", () => {
  it.each([
    ["MLP encoder", () => mlpEncoder(), 471_712],
    ["MLP decoder", () => mlpDecoder(), 470_416],
    ["conv encoder", () => convEncoder(), 789_280],
    ["conv decoder", () => convDecoder(), 600_833],
  ])("%s has %#", (_name, spec, count) => {
    const model = buildNetwork(spec());
    expect(countTrainableParams(model)).toBe(count);
    model.dispose();
  });

  it("MLP VAE has 942,128 and conv VAE 1,390,113 parameters in all", () => {
    const total = (m: VAE): number => Object.values(m.parameterCounts()).reduce((a, b) => a + b, 0);
    expect(total(make(new MlpVAE()))).toBe(942_128);
    expect(total(make(new ConvVAE()))).toBe(1_390_113);
  });
});

describe("VAE shapes and ranges", () => {
  it.each([
    ["MLP VAE", () => new MlpVAE(), 16],
    ["conv VAE", () => new ConvVAE(), 16],
    ["small conv VAE", () => new ConvVAE({ architecture: "conv-small" }), 10],
  ])("%s encodes to [B, latent] and decodes to [B, 28, 28, 1] in [0, 1]", (_name, factory, latent) => {
    const vae = make(factory());
    expect(vae.latentDim).toBe(latent);
    const batch = randomBatch(2, "[0,1]");
    const { mean, logVariance } = vae.encode(batch.images);
    expect(mean.shape).toEqual([2, latent]);
    expect(logVariance.shape).toEqual([2, latent]);
    const recon = vae.reconstruct(batch.images);
    expect(recon.shape).toEqual([2, 28, 28, 1]);
    const [lo, hi] = extent(recon);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(vae.sample(3, { seed: 2 }).shape).toEqual([3, 28, 28, 1]);
    batch.dispose();
  });

  it("the conditional VAE feeds labels to encoder and decoder", () => {
    const vae = make(new CVAE());
    expect(vae.encoder.inputs.length).toBe(2);
    expect(vae.decoder.inputs.length).toBe(2);
    // the one-hot label adds 10 inputs to the first dense layer of each network
    expect(vae.parameterCounts()).toEqual({ encoder: 471_712 + 10 * 512, decoder: 470_416 + 10 * 128 });
    expect(vae.sample(2, { labels: [3, 4] }).shape).toEqual([2, 28, 28, 1]);
    expect(() => vae.encode(tf.zeros([1, 28, 28, 1]) as tf.Tensor4D)).toThrow("cvae.encode: this model is conditional; pass one-hot labels [B, 10], found none");
  });

  it("rejects a bad configuration with the option named", () => {
    expect(() => new VAE({ beta: -1 })).toThrow("VAE 'vae': config.beta must be >= 0, found -1");
    expect(() => new VAE({ architecture: "resnet" as "mlp" })).toThrow('config.architecture must be "mlp", "conv" or "conv-small"');
    expect(() => new VAE({ latentDim: 4, encoder: mlpEncoder({ latentDim: 8 }) })).toThrow("the encoder must output [2 * latentDim] = [8]");
  });
});

const cases: [string, () => VAE][] = [
  ["MLP VAE", () => new MlpVAE()],
  ["MLP VAE (MSE)", () => new MlpVAE({ reconstruction: "mse" })],
  ["small conv VAE", () => new ConvVAE({ architecture: "conv-small" })],
  ["CVAE", () => new CVAE()],
  ["β-VAE", () => new BetaVAE()],
];

describe.each(cases)("%s training step", (_name, factory) => {
  it("returns finite loss = reconLoss + beta·klLoss, updates weights, leaks nothing over 5 steps", async () => {
    const vae = make(factory());
    const batch = randomBatch(4, "[0,1]");
    const vars = trainableVariables(vae.encoder, vae.decoder);
    const before = snapshot(vars);
    await vae.trainStep(batch);
    expect(changed(before, snapshot(vars))).toBe(true);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const { loss, reconLoss, klLoss } = await vae.trainStep(batch);
      expect([loss, reconLoss, klLoss].every(Number.isFinite)).toBe(true);
      expect(klLoss).toBeGreaterThanOrEqual(0);
      expect(loss).toBeCloseTo((reconLoss ?? 0) + vae.config.beta * (klLoss ?? 0), 2);
    }
    expect(tf.memory().numTensors).toBe(count);
    batch.dispose();
  });
});

it("β-VAE weights the KL term by β (4 by default): β changes the loss, not its two terms", async () => {
  const batch = randomBatch(8, "[0,1]", 5);
  // one seed: the same starting weights and reparameterization noise, so the same first-step terms
  const [four, one] = [await make(new BetaVAE({ seed: 3 })).trainStep(batch), await make(new BetaVAE({ seed: 3, beta: 1 })).trainStep(batch)];
  batch.dispose();
  const close = (a: number, b: number): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(a), Math.abs(b)));
  const terms = (s: typeof four): [number, number, number] => [s.loss, s.reconLoss ?? Number.NaN, s.klLoss ?? Number.NaN];
  const [loss4, recon4, kl4] = terms(four);
  const [loss1, recon1, kl1] = terms(one);
  close(recon1, recon4);
  close(kl1, kl4);
  expect(kl4).toBeGreaterThan(0.1);
  close(loss4, recon4 + 4 * kl4);
  close(loss1, recon1 + 1 * kl1);
  expect(loss4 - loss1).toBeCloseTo(3 * kl4, 2);
});
