import { existsSync } from "node:fs";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CheckpointError,
  FASHION_MNIST_DEBIAN_DIR,
  imageSetBatch,
  InvalidArgumentError,
  loadFashionMnist,
  loadMnist,
  loadOracle,
  Oracle,
  saveOracle,
  shippedOracleDir,
  takeImages,
  useBackend,
  type Dataset,
} from "../../src/index.js";

let test: Dataset;
beforeAll(async () => {
  await useBackend("gen-mnist");
  test = await loadMnist({ split: "test" });
});

const maxAbsDiff = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? Number.NaN))), 0);

describe("shipped oracles", () => {
  it("MNIST: at least 99.3 % on the full test split, as recorded in oracle.json", async () => {
    const oracle = await loadOracle("mnist");
    const accuracy = await oracle.accuracy(test);
    expect(test.size).toBe(10000);
    expect(accuracy).toBeGreaterThanOrEqual(0.993);
    expect(oracle.info.testAccuracy).toBe(accuracy);
    expect(oracle.info.testSet).toEqual({ name: "mnist/test", size: 10000 });
    expect([oracle.featureDim, oracle.numClasses, ...oracle.imageShape]).toEqual([128, 10, 28, 28, 1]);
    oracle.dispose();
  });

  it.skipIf(!existsSync(FASHION_MNIST_DEBIAN_DIR))(
    `Fashion-MNIST: at least 91 % on the full test split (skipped when ${FASHION_MNIST_DEBIAN_DIR} is absent: apt-get install dataset-fashion-mnist)`,
    async () => {
      const oracle = await loadOracle("fashion-mnist");
      const fashion = await loadFashionMnist({ split: "test" });
      const accuracy = await oracle.accuracy(fashion);
      expect(fashion.size).toBe(10000);
      expect(accuracy).toBeGreaterThanOrEqual(0.91);
      expect(oracle.info.testAccuracy).toBe(accuracy);
      expect(oracle.info.classNames[9]).toBe("Ankle boot");
      oracle.dispose();
    },
  );

  it("the weights are small enough to ship (float16, under 2 MB each)", async () => {
    const { statSync } = await import("node:fs");
    for (const name of ["mnist", "fashion-mnist"] as const) {
      expect(statSync(join(shippedOracleDir(name), "weights.bin")).size).toBeLessThan(2 * 2 ** 20);
    }
  });
});

describe("Oracle", () => {
  it("features [n, 128] and logits [n, 10]: the same in any batch size and from a tensor", async () => {
    const oracle = await loadOracle("mnist");
    const few = takeImages(test, 37);
    const a = await oracle.embed(few, { batchSize: 500 });
    const b = await oracle.embed(few, { batchSize: 8 });
    expect([a.features.rows, a.features.cols, a.logits.rows, a.logits.cols]).toEqual([37, 128, 37, 10]);
    expect(maxAbsDiff(a.features.data, b.features.data)).toBeLessThan(1e-4);
    const tensor = imageSetBatch(few, 0, 37);
    const c = await oracle.embed(tensor, { batchSize: 10 });
    tensor.dispose();
    expect(maxAbsDiff(a.logits.data, c.logits.data)).toBeLessThan(1e-4);
    const p = await oracle.probabilities(few);
    for (let i = 0; i < 37; i++) expect(p.data.subarray(i * 10, i * 10 + 10).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const predicted = await oracle.predict(few);
    expect(Array.from(predicted).filter((l, i) => l === few.labels?.[i]).length).toBeGreaterThanOrEqual(36);
    oracle.dispose();
  });

  it("does not leak tensors", async () => {
    const oracle = await loadOracle("mnist");
    await oracle.embed(takeImages(test, 20));
    const before = tf.memory().numTensors;
    await oracle.embed(takeImages(test, 50), { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    oracle.dispose();
  });

  it("wraps a user's own classifier: feature layer by name or index, softmax output read as probabilities", async () => {
    const input = tfl.input({ shape: [28, 28, 1] });
    const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
    const hidden = tfl.layers.dense({ units: 6, activation: "relu", name: "hidden" }).apply(flat) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 3, activation: "softmax" }).apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const byName = new Oracle(model, { featureLayer: "hidden" });
    const byIndex = new Oracle(model, { featureLayer: -2 });
    expect(byName.featureLayer).toBe("hidden");
    expect(byIndex.featureLayer).toBe("hidden");
    expect(byName.outputKind).toBe("probabilities");
    const few = takeImages(test, 5);
    const { logits } = await byName.embed(few);
    const probs = tf.tidy(() => (model.predict(imageSetBatch(few, 0, 5)) as tf.Tensor).dataSync());
    logits.data.forEach((v, i) => expect(Math.exp(v)).toBeCloseTo(probs[i] ?? Number.NaN, 6));
    expect(() => new Oracle(model, { featureLayer: "nope" })).toThrow(/has no layer named "nope"/);
    expect(() => new Oracle(model, { featureLayer: 99 })).toThrow(/featureLayer 99 is not a layer index/);
  });

  it("saves and loads: float32 exactly, float16 closely; a corrupt weights file is refused", async () => {
    const oracle = await loadOracle("mnist");
    const dir = await mkdtemp(join(tmpdir(), "gen-mnist-oracle-"));
    const few = takeImages(test, 20);
    const want = await oracle.embed(few);
    await saveOracle(oracle, join(dir, "f32"), { precision: "float32", info: { name: "copy" } });
    const f32 = await loadOracle(join(dir, "f32"));
    expect(f32.info.name).toBe("copy");
    expect(maxAbsDiff((await f32.embed(few)).features.data, want.features.data)).toBe(0);
    await saveOracle(f32, join(dir, "f16"));
    const f16 = await loadOracle(join(dir, "f16"));
    // the shipped weights are float16 already: storing them again as float16 loses nothing
    expect(maxAbsDiff((await f16.embed(few)).features.data, want.features.data)).toBe(0);
    await cp(join(dir, "f16"), join(dir, "bad"), { recursive: true });
    await writeFile(join(dir, "bad", "weights.bin"), new Uint8Array(10));
    await expect(loadOracle(join(dir, "bad"))).rejects.toThrow(CheckpointError);
    await expect(loadOracle(join(dir, "bad"))).rejects.toThrow(/weights.bin: SHA-256 does not match/);
    tf.dispose([]);
    [oracle, f32, f16].forEach((o) => o.dispose());
  });

  it("names what is wrong with bad input", async () => {
    const oracle = await loadOracle("mnist");
    await expect(loadOracle("imagenet")).rejects.toThrow(InvalidArgumentError);
    await expect(loadOracle("imagenet")).rejects.toThrow(/neither a shipped oracle \("mnist", "fashion-mnist"\) nor an existing folder/);
    const big = { pixels: new Uint8Array(2 * 32 * 32), size: 2, height: 32, width: 32, name: "big" };
    await expect(oracle.embed(big)).rejects.toThrow(/big holds 32x32x1 images, the oracle takes 28x28x1/);
    const ints = tf.zeros([2, 28, 28, 1], "int32") as tf.Tensor4D;
    await expect(oracle.embed(ints)).rejects.toThrow(/must be float32 in \[0, 1\], found dtype int32/);
    const nan = tf.fill([3, 28, 28, 1], Number.NaN) as tf.Tensor4D;
    await expect(oracle.embed(nan)).rejects.toThrow(/hold NaN pixels/);
    tf.dispose([ints, nan]);
    oracle.dispose();
  });
});
