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

describe("the discriminator step's generator pass", () => {
  // G runs outside the gradient tape in D's step (no gradient reaches G there), unless G and D
  // share a variable: then D's gradient for it also flows through G, as it always did
  it("stays on the tape when G and D share a variable: D's update of it includes the path through G", async () => {
    const shared = tfl.layers.dense({ units: 8, activation: "tanh" });
    const gIn = tfl.input({ shape: [8] });
    const gOut = tfl.layers.reshape({ targetShape: [28, 28, 1] }).apply(tfl.layers.dense({ units: 784, activation: "tanh" }).apply(shared.apply(gIn))) as tfl.SymbolicTensor;
    const dIn = tfl.input({ shape: [28, 28, 1] });
    const dOut = tfl.layers.dense({ units: 1 }).apply(shared.apply(tfl.layers.dense({ units: 8 }).apply(tfl.layers.flatten().apply(dIn)))) as tfl.SymbolicTensor;
    const gan = make(new GAN({ latentDim: 8, generator: tfl.model({ inputs: gIn, outputs: gOut }), discriminator: tfl.model({ inputs: dIn, outputs: dOut }), discriminatorOptimizer: { type: "sgd", learningRate: 1 }, seed: 2 }));
    const kernel = (shared.trainableWeights[0] as unknown as { read(): tf.Variable }).read();
    const variables = [...new Set([...trainableVariables(gan.discriminator), ...trainableVariables(gan.generator)])];
    const zs: tf.Tensor2D[] = [];
    const generate = gan.generate.bind(gan);
    gan.generate = (z, oneHot, training) => {
      zs.push(tf.keep(tf.clone(z)));
      return generate(z, oneHot, training);
    };
    const batch = randomBatch(4, "[-1,1]", 7);
    const before = snapshot(variables);
    await gan.discriminatorStep(batch);
    const update = Array.from(kernel.dataSync(), (v, i) => (before[variables.indexOf(kernel)]?.[i] ?? Number.NaN) - v); // SGD, rate 1: the gradient
    variables.forEach((v, i) => v.assign(tf.tensor(before[i] as Float32Array, v.shape)));
    // D's loss at the weights before the step, on the same z, with and without the path through G
    const gradient = (throughG: boolean): Float32Array =>
      tf.tidy(() => {
        const generated = (): tf.Tensor => generate(zs[0] as tf.Tensor2D, undefined, true);
        const constant = throughG ? undefined : generated(); // made outside the tape
        const { grads } = tf.variableGrads(() => {
          const scores = gan.discriminator.apply(tf.concat([batch.images, constant ?? generated()]), { training: true }) as tf.Tensor;
          return gan.loss.discriminator(tf.slice(scores, 0, 4), tf.slice(scores, 4, 4), {}) as tf.Scalar;
        }, [kernel]);
        return Float32Array.from((grads[kernel.name] as tf.Tensor).dataSync());
      });
    const [through, apart] = [gradient(true), gradient(false)];
    const largest = (d: number[]): number => Math.max(...d.map(Math.abs));
    expect(largest(Array.from(through, (v, i) => v - (apart[i] ?? 0)))).toBeGreaterThan(1e-3); // the path through G matters
    expect(largest(update.map((v, i) => v - (through[i] ?? Number.NaN)))).toBeLessThan(1e-5);
    tf.dispose(zs);
    batch.dispose();
  });
});
