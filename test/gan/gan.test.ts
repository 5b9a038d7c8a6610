import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ACGAN,
  CGAN,
  DCGAN,
  DEFAULT_DCGAN,
  GAN,
  InvalidArgumentError,
  PUBLISHED_DCGAN,
  PUBLISHED_MLP_GAN,
  MlpGAN,
  WGAN,
  WGANGP,
  buildNetwork,
  countTrainableParams,
  dcganDiscriminator,
  dcganGenerator,
  mlpDiscriminator,
  mlpGenerator,
  trainableVariables,
  useBackend,
  type GANConfig,
} from "../../src/index.js";
import { changed, extent, randomBatch, snapshot, tinyConvDiscriminator, tinyConvGenerator } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const models: GAN[] = [];
const make = <T extends GAN>(m: T): T => {
  models.push(m);
  return m;
};
afterEach(() => {
  models.splice(0).forEach((m) => m.dispose());
});

describe("published GAN tables: trainable parameter counts", () => {
  it.each([
    ["MLP generator", () => mlpGenerator(), 579_728],
    ["MLP generator with batch norm", () => mlpGenerator({ batchNorm: true }), 581_264],
    ["MLP discriminator", () => mlpDiscriminator(), 566_273],
    ["DCGAN generator", () => dcganGenerator(), 1_654_529],
    ["DCGAN discriminator", () => dcganDiscriminator(), 400_385],
  ])("%s has %#", (_name, spec, count) => {
    const model = buildNetwork(spec());
    expect(countTrainableParams(model)).toBe(count);
    model.dispose();
  });

  it("the presets use the tables", () => {
    expect(make(new MlpGAN(PUBLISHED_MLP_GAN)).parameterCounts()).toEqual({ generator: 579_728, discriminator: 566_273 });
    expect(make(new MlpGAN()).parameterCounts()).toEqual({ generator: 581_264, discriminator: 566_273 });
    expect(make(new DCGAN(PUBLISHED_DCGAN)).parameterCounts()).toEqual({ generator: 1_654_529, discriminator: 400_385 });
    // the conditional GAN adds the one-hot label to the first dense layer of each network
    expect(make(new CGAN()).parameterCounts()).toEqual({ generator: 581_264 + 10 * 128, discriminator: 566_273 + 10 * 512 });
  });
});

describe("GAN shapes and ranges", () => {
  it("MLP GAN samples [n, 28, 28, 1] in [-1, 1]; the discriminator gives [n, 1] logits", () => {
    const gan = make(new MlpGAN());
    const images = gan.sample(5, { seed: 3 });
    expect(images.shape).toEqual([5, 28, 28, 1]);
    const [lo, hi] = extent(images);
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi - lo).toBeGreaterThan(0);
    const logits = gan.discriminate(images, undefined, false).source;
    expect(logits.shape).toEqual([5, 1]);
    // same seed, same images
    expect(Array.from(gan.sample(5, { seed: 3 }).dataSync())).toEqual(Array.from(images.dataSync()));
  });

  it("DCGAN generator maps z to [n, 28, 28, 1] in [-1, 1]", () => {
    const gan = make(new DCGAN(PUBLISHED_DCGAN));
    const images = gan.sample(1, { seed: 1 });
    expect(images.shape).toEqual([1, 28, 28, 1]);
    const [lo, hi] = extent(images);
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it("AC-GAN's discriminator has a source head and a 10-way class head", () => {
    const gan = make(new ACGAN({ generator: tinyConvGenerator(100), discriminator: tinyConvDiscriminator }));
    const out = gan.discriminate(tf.zeros([2, 28, 28, 1]), undefined, false);
    expect(out.source.shape).toEqual([2, 1]);
    expect(out.classes?.shape).toEqual([2, 10]);
  });

  it("conditional models sample the labels asked for and reject missing labels", () => {
    const gan = make(new CGAN());
    expect(gan.sample(3, { labels: [7, 7, 1] }).shape).toEqual([3, 28, 28, 1]);
    expect(() => gan.sample(2, { labels: [1] })).toThrow("options.labels must hold 2 labels, found 1");
    expect(() => gan.sample(1, { labels: [10] })).toThrow("labels must be integers in 0..9, found 10");
    const images = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    return expect(gan.trainStep({ images })).rejects.toThrow("cgan.discriminatorStep: this model is conditional; pass one-hot labels [B, 10] (batch.oneHot)");
  });

  it("rejects bad configuration with the option named", () => {
    expect(() => new GAN({ nCritic: 0 })).toThrow(InvalidArgumentError);
    expect(() => new GAN({ nCritic: 0 })).toThrow("GAN 'gan': config.nCritic must be an integer >= 1, found 0");
    expect(() => new GAN({ objective: "wgan" as "hinge" })).toThrow('config.objective must be one of "non-saturating"');
    expect(() => new GAN({ labelSmoothing: 1 })).toThrow("config.labelSmoothing must be >= 0, < 1, found 1");
    expect(() => new GAN({ latentDim: 8, generator: mlpGenerator({ latentDim: 100 }) })).toThrow("GAN 'gan': the generator's inputShape must be [8], found [100]");
    expect(() => new WGAN({ labelSmoothing: 0.1 })).toThrow(`config.labelSmoothing is 0.1, but the objective "wasserstein" has no label smoothing`);
  });
});

/** Every GAN of the library, with the tiny conv networks standing in for the DCGAN backbone on the cpu backend. */
const tiny = { latentDim: 16, generator: tinyConvGenerator(16), discriminator: tinyConvDiscriminator };
const cases: [string, () => GAN, string[]][] = [
  ["MLP GAN", () => new MlpGAN(), ["dLoss", "gLoss", "realScore", "fakeScore"]],
  ["MLP GAN (published)", () => new MlpGAN(PUBLISHED_MLP_GAN), ["dLoss", "gLoss", "realScore", "fakeScore"]],
  ["DCGAN", () => new DCGAN(tiny), ["dLoss", "gLoss", "realScore", "fakeScore"]],
  ["WGAN (DCGAN-style)", () => new WGAN(tiny), ["dLoss", "gLoss", "realScore", "fakeScore"]],
  ["WGAN (MLP)", () => new WGAN({ architecture: "mlp" }), ["dLoss", "gLoss", "realScore", "fakeScore"]],
  ["WGAN-GP (DCGAN-style)", () => new WGANGP(tiny), ["dLoss", "gLoss", "realScore", "fakeScore", "gradPenalty"]],
  ["WGAN-GP (MLP)", () => new WGANGP({ architecture: "mlp" }), ["dLoss", "gLoss", "realScore", "fakeScore", "gradPenalty"]],
  ["CGAN", () => new CGAN(), ["dLoss", "gLoss", "realScore", "fakeScore"]],
  ["CGAN (embedding labels, hinge)", () => new CGAN({ labelMode: "embedding", objective: "hinge", labelSmoothing: 0 }), ["dLoss", "gLoss", "realScore", "fakeScore"]],
  ["AC-GAN", () => new ACGAN(tiny), ["dLoss", "gLoss", "realScore", "fakeScore", "dClassLoss", "gClassLoss"]],
  ["LSGAN", () => new GAN({ objective: "least-squares" }), ["dLoss", "gLoss", "realScore", "fakeScore"]],
];

describe.each(cases)("%s training step", (_name, factory, keys) => {
  it("returns finite named losses and leaks no tensors over 5 steps", async () => {
    const gan = make(factory());
    const batch = randomBatch(6, "[-1,1]");
    // the first steps create optimizer slots; after a full generator update nothing may grow
    for (let i = 0; i < gan.config.nCritic; i++) await gan.trainStep(batch);
    const before = tf.memory().numTensors;
    let losses: Record<string, number> = {};
    for (let i = 0; i < 5; i++) losses = await gan.trainStep(batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(losses).sort()).toEqual([...keys].sort());
    for (const key of keys) expect(Number.isFinite(losses[key])).toBe(true);
    batch.dispose();
  });

  it("a discriminator step changes only D, a generator step only G", async () => {
    const gan = make(factory());
    const batch = randomBatch(4, "[-1,1]");
    const dVars = trainableVariables(gan.discriminator);
    const gVars = trainableVariables(gan.generator);
    let [d0, g0] = [snapshot(dVars), snapshot(gVars)];
    await gan.discriminatorStep(batch);
    expect(changed(d0, snapshot(dVars))).toBe(true);
    expect(changed(g0, snapshot(gVars))).toBe(false);
    [d0, g0] = [snapshot(dVars), snapshot(gVars)];
    await gan.generatorStep(batch);
    expect(changed(g0, snapshot(gVars))).toBe(true);
    expect(changed(d0, snapshot(dVars))).toBe(false);
    batch.dispose();
  });
});

describe("WGAN specifics", () => {
  it("weight clipping keeps every critic weight in [-c, c]", async () => {
    const gan = make(new WGAN({ ...tiny, clipValue: 0.01 }));
    const batch = randomBatch(4, "[-1,1]");
    for (let i = 0; i < 3; i++) await gan.trainStep(batch);
    for (const v of trainableVariables(gan.discriminator)) {
      const [lo, hi] = extent(v);
      expect(lo).toBeGreaterThanOrEqual(-0.01 - 1e-9);
      expect(hi).toBeLessThanOrEqual(0.01 + 1e-9);
    }
    batch.dispose();
  });

  it("updates the generator once every nCritic steps", async () => {
    const gan = make(new WGAN({ architecture: "mlp", nCritic: 3 }));
    const batch = randomBatch(4, "[-1,1]");
    const gVars = trainableVariables(gan.generator);
    const updates: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      const before = snapshot(gVars);
      await gan.trainStep(batch);
      updates.push(changed(before, snapshot(gVars)));
    }
    expect(updates).toEqual([false, false, true, false, false, true]);
    batch.dispose();
  });

  it("preset hyper-parameters match the papers", () => {
    const wgan = make(new WGAN(tiny)).config;
    expect([wgan.objective, wgan.clipValue, wgan.nCritic, wgan.discriminatorOptimizer]).toEqual(["wasserstein", 0.01, 5, { type: "rmsprop", learningRate: 5e-5 }]);
    const gp = make(new WGANGP(tiny)).config;
    expect([gp.gradientPenalty, gp.nCritic, gp.generatorOptimizer]).toEqual([10, 5, { type: "adam", learningRate: 1e-4, beta1: 0, beta2: 0.9 }]);
    const published: GANConfig = PUBLISHED_MLP_GAN;
    expect([published.generatorOptimizer, published.batchSize]).toEqual([{ type: "adam", learningRate: 2e-4, beta1: 0.5 }, 128]);
    // the default DCGAN: the published optimizer with label smoothing, at the batch of the best FID per CPU minute
    const dcgan = make(new DCGAN(tiny)).config;
    expect([dcgan.generatorOptimizer, dcgan.labelSmoothing, dcgan.batchNorm, DEFAULT_DCGAN.batchSize]).toEqual([{ type: "adam", learningRate: 2e-4, beta1: 0.5 }, 0.1, false, 32]);
  });
});
