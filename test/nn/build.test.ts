import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { buildNetwork, CGAN, countTrainableParams, DCGAN, NetworkShapeError, useBackend, withoutFinalActivation, type NetworkSpec } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const weightsOf = (model: { getWeights(): tf.Tensor[] }): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()));

describe("seeded starting weights", () => {
  const spec: NetworkSpec = {
    name: "seeded",
    inputShape: [6, 6, 1],
    layers: [
      { type: "conv2d", filters: 3, kernelSize: 3 },
      { type: "conv2dTranspose", filters: 2, kernelSize: 3, strides: 2 },
      { type: "flatten" },
      { type: "dense", units: 4 },
    ],
    outputShape: [4],
  };

  it("one seed gives the same weights every time; another seed, other weights", () => {
    const [a, b, c] = [buildNetwork(spec, { seed: 5 }), buildNetwork(spec, { seed: 5 }), buildNetwork(spec, { seed: 6 })];
    expect(weightsOf(a)).toEqual(weightsOf(b));
    const kernels = (m: typeof a): number[][] => weightsOf(m).filter((_, i) => i % 2 === 0); // biases start at 0
    kernels(a).forEach((w, i) => expect(w).not.toEqual(kernels(c)[i]));
    // each layer draws its own values: no two kernels of one network start alike
    const firsts = kernels(a).map((w) => w[0]);
    expect(new Set(firsts).size).toBe(firsts.length);
  });

  it("seeded kernels keep tfjs's Glorot-uniform scale", () => {
    const w = buildNetwork({ name: "g", inputShape: [300], layers: [{ type: "dense", units: 200 }], outputShape: [200] }, { seed: 1 }).getWeights()[0];
    const values = Array.from(w?.dataSync() ?? []);
    const limit = Math.sqrt(6 / (300 + 200));
    expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.95 * limit);
  });

  it("models built with one config seed start alike, conditional networks included", () => {
    const [a, b, c] = [new DCGAN({ seed: 3 }), new DCGAN({ seed: 3 }), new DCGAN({ seed: 4 })];
    const [d, e] = [new CGAN({ seed: 2 }), new CGAN({ seed: 2 })];
    expect(weightsOf(a.generator)).toEqual(weightsOf(b.generator));
    expect(weightsOf(a.discriminator)).toEqual(weightsOf(b.discriminator));
    expect(weightsOf(a.discriminator)).not.toEqual(weightsOf(c.discriminator));
    expect(weightsOf(d.discriminator)).toEqual(weightsOf(e.discriminator));
    for (const model of [a, b, c, d, e]) model.dispose();
  });
});

describe("buildNetwork", () => {
  it("builds a sequential spec and checks the output shape", () => {
    const model = buildNetwork({
      name: "net",
      inputShape: [4],
      layers: [{ type: "dense", units: 6 }, { type: "activation", activation: "relu" }, { type: "dense", units: 2 }],
      outputShape: [2],
    });
    expect(countTrainableParams(model)).toBe(4 * 6 + 6 + 6 * 2 + 2);
    const out = model.predict(tf.zeros([3, 4])) as tf.Tensor;
    expect(out.shape).toEqual([3, 2]);
  });

  it("builds max pooling (stride = pool size by default) and checks it gets images", () => {
    const model = buildNetwork({
      name: "pool",
      inputShape: [28, 28, 1],
      layers: [{ type: "conv2d", filters: 2, kernelSize: 3 }, { type: "maxPool2d", poolSize: 2 }, { type: "maxPool2d", poolSize: 3, strides: 2 }],
      outputShape: [6, 6, 2],
    });
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i), [1, 4, 4, 1]);
    const pool = buildNetwork({ name: "p", inputShape: [4, 4, 1], layers: [{ type: "maxPool2d", poolSize: 2 }], outputShape: [2, 2, 1] });
    expect(Array.from((pool.predict(x) as tf.Tensor).dataSync())).toEqual([5, 7, 13, 15]);
    expect(model.outputs[0]?.shape).toEqual([null, 6, 6, 2]);
    expect(() => buildNetwork({ name: "flat", inputShape: [10], layers: [{ type: "maxPool2d", poolSize: 2 }] })).toThrow(
      /flat: layer 0 \(maxPool2d\(2, s2\)\) cannot take input of shape \[B, 10\]: a pooling layer needs an image input/,
    );
  });

  it("names the layer and shapes when a layer cannot take its input", () => {
    const build = (): unknown =>
      buildNetwork({ name: "bad", inputShape: [10], layers: [{ type: "dense", units: 12 }, { type: "reshape", targetShape: [5, 5, 1] }] });
    expect(build).toThrow(NetworkShapeError);
    expect(build).toThrow(/^bad: layer 1 \(reshape\[5, 5, 1\]\) cannot take input of shape \[B, 12\]/);
  });

  it("reports a wrong output shape", () => {
    const build = (): unknown =>
      buildNetwork({
        name: "gen",
        inputShape: [8],
        layers: [{ type: "dense", units: 49 }, { type: "reshape", targetShape: [7, 7, 1] }, { type: "conv2dTranspose", filters: 1, kernelSize: 3, strides: 2 }],
        outputShape: [28, 28, 1],
      });
    expect(build).toThrow("gen: output shape should be [B, 28, 28, 1], but the layers produce [B, 14, 14, 1]");
  });

  it("adds a label input: concatenated to flat inputs, as a plane to images", () => {
    const flat = buildNetwork({ name: "f", inputShape: [5], layers: [{ type: "dense", units: 3 }], condition: { numClasses: 10 } });
    expect(flat.inputs.length).toBe(2);
    expect(countTrainableParams(flat)).toBe((5 + 10) * 3 + 3);
    const emb = buildNetwork({ name: "e", inputShape: [5], layers: [{ type: "dense", units: 3 }], condition: { numClasses: 10, mode: "embedding", embeddingDim: 4 } });
    expect(countTrainableParams(emb)).toBe(10 * 4 + (5 + 4) * 3 + 3);
    const image = buildNetwork({
      name: "i",
      inputShape: [28, 28, 1],
      layers: [{ type: "conv2d", filters: 2, kernelSize: 3 }, { type: "flatten" }, { type: "dense", units: 1 }],
      condition: { numClasses: 10 },
    });
    // label plane: dense 10 → 784; conv sees 2 channels
    expect(countTrainableParams(image)).toBe(10 * 784 + 784 + (3 * 3 * 2 * 2 + 2) + (28 * 28 * 2 + 1));
    const out = image.predict([tf.zeros([2, 28, 28, 1]), tf.zeros([2, 10])]) as tf.Tensor;
    expect(out.shape).toEqual([2, 1]);
  });

  it("builds heads and strips a final activation for logits", () => {
    const model = buildNetwork({
      name: "h",
      inputShape: [3],
      layers: [{ type: "dense", units: 4 }],
      heads: [
        { name: "a", layers: [{ type: "dense", units: 1 }], outputShape: [1] },
        { name: "b", layers: [{ type: "dense", units: 5 }], outputShape: [5] },
      ],
    });
    const outs = model.predict(tf.zeros([2, 3])) as tf.Tensor[];
    expect(outs.map((o) => o.shape)).toEqual([[2, 1], [2, 5]]);
    const sig = buildNetwork({ name: "s", inputShape: [2], layers: [{ type: "dense", units: 2 }, { type: "activation", activation: "sigmoid" }] });
    const logits = withoutFinalActivation(sig);
    const x = tf.tensor2d([[1, -2]]);
    const p = sig.predict(x) as tf.Tensor;
    const l = logits.predict(x) as tf.Tensor;
    expect(Array.from(p.dataSync())).toEqual(Array.from(tf.sigmoid(l).dataSync()).map((v) => expect.closeTo(v, 6)));
  });
});
