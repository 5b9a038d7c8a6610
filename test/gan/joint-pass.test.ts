import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ACGAN, CGAN, GAN, MODEL_NAMES, MlpGAN, WGANGP, createModel, mlpDiscriminator, trainableVariables, useBackend, type NetworkSpec } from "../../src/index.js";
import { perExample } from "../../src/nn/per-example.js";
import { randomBatch, snapshot, tinyConvDiscriminator, tinyConvGenerator } from "../helpers.js";

// The discriminator step runs D once on [real; fake] when D computes each example on its own:
// the same losses and updates as two passes, which batch normalization still gets.

beforeAll(async () => {
  await useBackend("cpu");
});

const models: GAN[] = [];
afterEach(() => {
  for (const m of models.splice(0)) m.dispose();
});
const make = <T extends GAN>(m: T): T => {
  models.push(m);
  return m;
};

/** The tiny convolutional critic without dropout (so that one pass and two draw no masks). */
const tinyCritic: NetworkSpec = { ...tinyConvDiscriminator, layers: tinyConvDiscriminator.layers.filter((l) => l.type !== "dropout") };

describe("one discriminator pass over the real and the generated batch", () => {
  it("is taken for every built-in GAN preset (their discriminators have no batch statistics)", () => {
    for (const name of MODEL_NAMES) {
      const model = createModel(name, { seed: 1 });
      try {
        if (model instanceof GAN) expect([name, model.jointDiscriminatorPass]).toEqual([name, true]);
      } finally {
        model.dispose();
      }
    }
  });

  it("is not taken for a discriminator with batch normalization or a layer of unknown class", () => {
    const withBatchNorm: NetworkSpec = { ...tinyCritic, layers: [tinyCritic.layers[0]!, { type: "batchNorm" }, ...tinyCritic.layers.slice(1)] };
    const gan = make(new GAN({ architecture: "dcgan", latentDim: 16, generator: tinyConvGenerator(16), discriminator: withBatchNorm }));
    expect(gan.jointDiscriminatorPass).toBe(false);
    expect(perExample(gan.generator)).toBe(false); // the tiny generator normalizes

    class Unknown extends tfl.layers.Layer {
      static readonly className = "GenMnistTestUnknown";
      override computeOutputShape(shape: tfl.Shape): tfl.Shape {
        return shape;
      }
    }
    const wrapped = (layer?: tfl.layers.Layer): tfl.LayersModel => {
      const input = tfl.input({ shape: [4] });
      const nested = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor });
      const outer = tfl.input({ shape: [4] });
      const inner = nested.apply(outer) as tfl.SymbolicTensor;
      return tfl.model({ inputs: outer, outputs: layer === undefined ? inner : (layer.apply(inner) as tfl.SymbolicTensor) });
    };
    const [plain, odd] = [wrapped(), wrapped(new Unknown({}))];
    expect(perExample(plain)).toBe(true); // nested models are looked into
    expect(perExample(odd)).toBe(false);
    // known classes used across the batch: a softmax over axis 0, dropout with one mask for the
    // whole batch (tfjs cannot build a layer normalization over axis 0)
    const across = [
      [tfl.layers.softmax({}), true], [tfl.layers.softmax({ axis: 0 }), false], [tfl.layers.layerNormalization({}), true],
      [tfl.layers.dropout({ rate: 0.5 }), true], [tfl.layers.dropout({ rate: 0.5, noiseShape: [1, 2] }), false],
    ] as const;
    const models = across.map(([layer]) => wrapped(layer));
    expect(models.map(perExample)).toEqual(across.map(([, want]) => want));
    for (const m of [plain, odd, ...models]) m.dispose();
  });

  // without dropout, one pass and two must give the same losses and the same discriminator (SGD:
  // its update is the gradient, where Adam's would magnify rounding in a near-zero one to ±lr)
  const sgd = { type: "sgd", learningRate: 0.1 } as const;
  it.each([
    ["MLP GAN", () => new MlpGAN({ discriminator: mlpDiscriminator({ dropout: 0 }), discriminatorOptimizer: sgd, seed: 3 })],
    ["conditional GAN (labels concatenated too)", () => new CGAN({ discriminator: mlpDiscriminator({ dropout: 0 }), discriminatorOptimizer: sgd, seed: 3 })],
    ["AC-GAN (class logits split too)", () => new ACGAN({ latentDim: 16, generator: tinyConvGenerator(16), discriminator: tinyCritic, discriminatorOptimizer: sgd, seed: 3 })],
    ["WGAN-GP (the penalty's interpolates run apart)", () => new WGANGP({ latentDim: 16, generator: tinyConvGenerator(16), discriminator: tinyCritic, discriminatorOptimizer: sgd, seed: 3 })],
  ] as const)("%s: the same losses and discriminator update as two passes", async (_name, factory) => {
    const [joint, apart] = [make(factory()), make(factory())];
    apart.jointDiscriminatorPass = false;
    expect(joint.jointDiscriminatorPass).toBe(true);
    const batch = randomBatch(8, "[-1,1]", 5);
    try {
      for (let step = 0; step < 2; step++) {
        const before = tf.memory().numTensors;
        const [a, b] = [await joint.discriminatorStep(batch), await apart.discriminatorStep(batch)];
        if (step > 0) expect(tf.memory().numTensors).toBe(before); // the first step makes the optimizers' state
        expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
        for (const key of Object.keys(b)) expect(a[key]).toBeCloseTo(b[key] ?? Number.NaN, 5);
        const [wa, wb] = [snapshot(trainableVariables(joint.discriminator)), snapshot(trainableVariables(apart.discriminator))];
        wb.forEach((w, i) => w.forEach((v, j) => expect(Math.abs((wa[i]?.[j] ?? Number.NaN) - v)).toBeLessThan(1e-6)));
      }
    } finally {
      batch.dispose();
    }
  });
});
