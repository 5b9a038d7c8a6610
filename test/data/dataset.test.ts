import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Dataset, InvalidArgumentError, loadMnist, useBackend } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

function synthetic(n: number): Dataset {
  const pixels = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    pixels.fill(i % 256, i * 784, (i + 1) * 784);
    labels[i] = i % 10;
  }
  return new Dataset(pixels, labels, { name: "synthetic" });
}

function epochIndices(ds: Dataset, batchSize: number, seed: number, epoch = 0): number[] {
  const seen: number[] = [];
  for (const batch of ds.batches(batchSize, { seed, epoch })) {
    seen.push(...batch.indices);
    batch.dispose();
  }
  return seen;
}

describe("Dataset.batches", () => {
  it("yields tensors of the right shapes, dtypes and values", () => {
    const ds = synthetic(10);
    const [first] = ds.batches(4, { shuffle: false });
    if (first === undefined) throw new Error("no batch");
    expect(first.images.shape).toEqual([4, 28, 28, 1]);
    expect(first.labels.shape).toEqual([4]);
    expect(first.labels.dtype).toBe("int32");
    expect(first.oneHot.shape).toEqual([4, 10]);
    expect(Array.from(first.labels.dataSync())).toEqual([0, 1, 2, 3]);
    expect(Array.from(first.oneHot.dataSync().slice(10, 20))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(first.images.dataSync()[784 * 3]).toBeCloseTo((3 / 255) * 2 - 1, 6);
    first.dispose();
  });

  it("same seed gives the same order, another seed another order", () => {
    const ds = synthetic(100);
    expect(epochIndices(ds, 16, 7)).toEqual(epochIndices(ds, 16, 7));
    expect(epochIndices(ds, 16, 7)).not.toEqual(epochIndices(ds, 16, 8));
    expect(epochIndices(ds, 16, 7, 0)).not.toEqual(epochIndices(ds, 16, 7, 1));
  });

  it("covers every example exactly once per epoch (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 17 }), fc.integer(), (n, b, seed) => {
        const ds = synthetic(n);
        const seen = epochIndices(ds, b, seed);
        expect(seen.length).toBe(n);
        expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { numRuns: 40 },
    );
  });

  it("dropRemainder drops the short last batch", () => {
    const ds = synthetic(10);
    const sizes: number[] = [];
    for (const batch of ds.batches(4, { dropRemainder: true })) {
      sizes.push(batch.size);
      batch.dispose();
    }
    expect(sizes).toEqual([4, 4]);
    expect(ds.numBatches(4, true)).toBe(2);
    expect(ds.numBatches(4)).toBe(3);
  });

  it("leaks no tensors over an epoch of real MNIST", async () => {
    const test = await loadMnist({ split: "test", limit: 2000 });
    const before = tf.memory().numTensors;
    let count = 0;
    for (const batch of test.batches(128, { seed: 3 })) {
      count += batch.size;
      batch.dispose();
    }
    expect(count).toBe(2000);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects a bad batch size, mismatched data and out-of-range labels", () => {
    const ds = synthetic(4);
    expect(() => ds.batches(0).next()).toThrow(InvalidArgumentError);
    expect(() => ds.batches(1.5).next()).toThrow("Dataset.batches: batchSize must be a positive integer, found 1.5");
    expect(() => new Dataset(new Uint8Array(783), new Uint8Array(1))).toThrow(
      "Dataset dataset: 1 labels need 784 pixel bytes (28x28 each), found 783",
    );
    expect(() => new Dataset(new Uint8Array(784), Uint8Array.from([10]))).toThrow("label 0 is 10, expected 0..9");
  });

  it("take and select copy the chosen examples", () => {
    const ds = synthetic(20);
    const picked = ds.select([5, 2]);
    expect(Array.from(picked.labels)).toEqual([5, 2]);
    expect(picked.pixels[0]).toBe(5);
    expect(ds.take(3).size).toBe(3);
    expect(ds.withRange("[0,1]").range).toBe("[0,1]");
  });
});
