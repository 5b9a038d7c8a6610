// Every network slot takes a tfjs LayersModel (or a function building one): any layers, trained,
// saved with the model and rebuilt from the saved topology on load.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACGAN, countTrainableParams, DCGAN, GAN, imageSetFromTensor, InvalidArgumentError, loadMnist, minimaxDiscriminatorLoss, MlpGAN, mlpGenerator, networkSlot,
  nonSaturatingGeneratorLoss, reconstructionError, resolveGANConfig, saveCheckpoint, Trainer, useBackend, VAE,
  type Dataset, type NetworkContext,
} from "../../src/index.js";
import { checkModelContract } from "./contract.js";

let data: Dataset;
let dir: string;

beforeAll(async () => {
  await useBackend("gen-mnist");
  data = await loadMnist({ split: "train", limit: 64 });
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-custom-net-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Upsampling + convolution, which no NetworkSpec can express. */
function upsamplingGenerator(c: NetworkContext): tfl.LayersModel {
  const z = tfl.input({ shape: [c.latentDim] });
  let x = tfl.layers.dense({ units: 7 * 7 * 8, activation: "relu" }).apply(z) as tfl.SymbolicTensor;
  x = tfl.layers.reshape({ targetShape: [7, 7, 8] }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.upSampling2d({ size: [4, 4] }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: c.imageShape[2], kernelSize: 3, padding: "same", activation: "tanh" }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: z, outputs: x, name: "upsampling-generator" });
}

/** A residual critic block: conv → add(skip). */
function residualDiscriminator(): tfl.LayersModel {
  const image = tfl.input({ shape: [28, 28, 1] });
  const h = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }).apply(image) as tfl.SymbolicTensor;
  const r = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same" }).apply(h) as tfl.SymbolicTensor;
  const sum = tfl.layers.add().apply([h, r]) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten().apply(sum) as tfl.SymbolicTensor;
  return tfl.model({ inputs: image, outputs: tfl.layers.dense({ units: 1 }).apply(flat) as tfl.SymbolicTensor, name: "residual-critic" });
}

describe("LayersModel networks", () => {
  it("a GAN with a function-built generator and a given residual critic keeps the model contract", async () => {
    await checkModelContract("custom-nets", () => new MlpGAN({ generator: upsamplingGenerator, discriminator: residualDiscriminator(), seed: 2 }), data);
  }, 120_000);

  it("the config saves a reference, not the network, and the given model is the one trained", async () => {
    const critic = residualDiscriminator();
    const gan = new GAN({ generator: upsamplingGenerator, discriminator: critic });
    expect(gan.discriminator).toBe(critic);
    expect(gan.config.discriminator).toEqual({ type: "layers-model", file: "discriminator", name: "residual-critic", inputShapes: [[null, 28, 28, 1]], outputShapes: [[null, 1]] });
    expect(JSON.parse(JSON.stringify(gan.config))).toEqual(gan.config);
    const resolved = resolveGANConfig({ generator: upsamplingGenerator });
    expect(resolved.generator).toMatchObject({ type: "layers-model", file: "generator" });
    gan.dispose();
  });

  it("a VAE decoder without a final sigmoid layer trains on its probabilities", async () => {
    const decoder = (c: NetworkContext): tfl.LayersModel => {
      const z = tfl.input({ shape: [c.latentDim] });
      const x = tfl.layers.dense({ units: 784, activation: "sigmoid" }).apply(z) as tfl.SymbolicTensor;
      return tfl.model({ inputs: z, outputs: tfl.layers.reshape({ targetShape: [28, 28, 1] }).apply(x) as tfl.SymbolicTensor });
    };
    const vae = new VAE({ decoder, latentDim: 4 });
    expect(vae.decoderLogits).toBe(vae.decoder);
    const images = tf.fill([2, 28, 28, 1], 0.5) as tf.Tensor4D;
    // at z-independent output 0.5 everywhere, BCE per pixel is ln 2 whatever the decoder's weights
    const zero = vae.decoder.getWeights().map((w) => tf.zerosLike(w));
    vae.decoder.setWeights(zero);
    const { reconLoss } = await vae.trainStep({ images });
    expect(reconLoss).toBeCloseTo(784 * Math.LN2, 2);
    // the likelihood metrics read the same logits: BCE ln 2 per pixel, squared error 0
    const set = imageSetFromTensor(images, "[0,1]", { name: "grey" });
    const { bce, mse } = await reconstructionError(vae, set);
    expect(bce).toBeCloseTo(784 * Math.LN2, 1);
    expect(mse).toBeCloseTo(0, 4);
    tf.dispose([images, ...zero]);
    vae.dispose();
  });

  it("networkSlot gives a custom model the same slots: spec, model or function, checked and serialisable", () => {
    const context: NetworkContext = { latentDim: 100, imageShape: [28, 28, 1], numClasses: 10, conditional: false, seed: 1 };
    const expected = { context, fallback: () => mlpGenerator(), inputs: [[100]], outputs: [[28, 28, 1]] };
    const fromSpec = networkSlot("Mine", "generator", undefined, expected);
    expect(fromSpec.resolved).toMatchObject({ name: "mlp-generator", inputShape: [100] });
    expect(countTrainableParams(fromSpec.network)).toBe(579_728);
    const fromFunction = networkSlot("Mine", "generator", upsamplingGenerator, expected);
    expect(fromFunction.resolved).toMatchObject({ type: "layers-model", file: "generator", name: "upsampling-generator" });
    expect(() => networkSlot("Mine", "decoder", undefined, { ...expected, outputs: [[32, 32, 3]] })).toThrow("Mine: config.decoder ('mlp-generator') must have 1 output of shape [32, 32, 3] (batch axis left out), found [28, 28, 1]");
    fromSpec.network.dispose();
    fromFunction.network.dispose();
  });

  it("a spec network is checked once built, and a model given for resume overrides the saved objective", async () => {
    const short = { name: "short", inputShape: [100], layers: [{ type: "dense" as const, units: 10 }] };
    expect(() => new GAN({ generator: short })).toThrow("GAN 'gan': config.generator ('short') must have 1 output of shape [28, 28, 1] (batch axis left out), found [10]");
    // an unregistered objective object saves as its name; resuming passes it again
    const own = { name: "own-loss", discriminator: minimaxDiscriminatorLoss, generator: nonSaturatingGeneratorLoss, labelSmoothing: true };
    const gan = new MlpGAN({ objective: own, seed: 1 });
    await saveCheckpoint(join(dir, "own"), gan, new Trainer(gan, data, { steps: 1, batchSize: 16 }).state());
    await expect(Trainer.resume(join(dir, "own"), data)).rejects.toThrow("Trainer.resume(dir, data, { modelOverrides: { objective } })");
    const resumed = await Trainer.resume(join(dir, "own"), data, { modelOverrides: { objective: own } });
    expect((resumed.model as GAN).loss).toBe(own);
    resumed.model.dispose();
    gan.dispose();
  });

  it("a network of the wrong shape fails at construction, naming the slot", () => {
    const wrong = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [100], units: 784 })] });
    expect(() => new GAN({ generator: wrong })).toThrow(InvalidArgumentError);
    expect(() => new GAN({ generator: wrong })).toThrow("GAN 'gan': config.generator ('" + wrong.name + "') must have 1 output of shape [28, 28, 1] (batch axis left out), found [784]");
    // an AC-GAN's critic needs a class output too
    expect(() => new ACGAN({ discriminator: residualDiscriminator() })).toThrow("must have 2 outputs of shape [1] and [10]");
    const critic = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28, 1] }), tfl.layers.dense({ units: 2 })] });
    const before = tf.memory().numTensors;
    expect(() => new GAN({ generator: upsamplingGenerator, discriminator: critic })).toThrow("must have 1 output of shape [1] (batch axis left out), found [2]");
    // the generator its function built is disposed with the failed construction; the given critic is the caller's
    expect(tf.memory().numTensors).toBe(before);
    expect(critic.getWeights().length).toBeGreaterThan(0);
    critic.dispose();
    expect(() => new DCGAN({ generator: () => 3 as unknown as tfl.LayersModel })).toThrow("config.generator is a function that must return a tfjs LayersModel, it returned number");
    expect(() => new DCGAN({ generator: "dcgan" as unknown as tfl.LayersModel })).toThrow("config.generator must be a NetworkSpec, a tfjs LayersModel or a function returning one, found string");
    wrong.dispose();
  });
});
