import { beforeAll, describe, expect, it } from "vitest";
import { featureMatrix, loadMnist, nearestRealSimilarity, pixelFeatures, type Dataset } from "../../src/index.js";

let train: Dataset;
let test: Dataset;
beforeAll(async () => {
  train = await loadMnist({ split: "train", limit: 3000 });
  test = await loadMnist({ split: "test", limit: 1000 });
});

describe("nearestRealSimilarity", () => {
  it("copies of training images: similarity 1 and a memorisation share near 1", () => {
    const copies = train.take(200);
    const r = nearestRealSimilarity(
      { features: pixelFeatures(copies), labels: copies.labels },
      { features: pixelFeatures(test), labels: test.labels },
      { train: { features: pixelFeatures(train), labels: train.labels } },
    );
    expect(r.memorisation?.share).toBe(1);
    expect(r.memorisation?.expected).toBeCloseTo(0.05, 12);
    expect(r.mean).toBeGreaterThan(0.6);
    expect(r.mean).toBeLessThan(1);
    const self = nearestRealSimilarity({ features: pixelFeatures(copies) }, { features: pixelFeatures(copies) });
    expect(self.mean).toBeCloseTo(1, 12);
  });

  it("held-out real images: a memorisation share near 1 − quantile, per-class means", () => {
    const fresh = test.select(Array.from({ length: 500 }, (_, i) => 500 + i));
    const heldOut = test.take(500);
    const r = nearestRealSimilarity(
      { features: pixelFeatures(fresh), labels: fresh.labels },
      { features: pixelFeatures(heldOut), labels: heldOut.labels },
      { train: { features: pixelFeatures(train), labels: train.labels }, quantile: 0.8 },
    );
    expect(r.memorisation?.share).toBeGreaterThan(0.1);
    expect(r.memorisation?.share).toBeLessThan(0.3);
    expect(r.perClass).toHaveLength(10);
    expect(r.perClass.every((v) => v !== null && v > 0.5 && v <= 1)).toBe(true);
    expect(r.perSample).toHaveLength(500);
  });

  it("cosine similarity by hand, classes kept apart, zero rows score 0", () => {
    const samples = featureMatrix([[1, 0], [0, 2], [0, 0]]);
    const real = featureMatrix([[1, 1], [0, 1], [3, 0]]);
    const r = nearestRealSimilarity({ features: samples, labels: [0, 0, 1] }, { features: real, labels: [0, 1, 1] });
    // sample 0 vs real 0 only (class 0): 1/√2; sample 1 vs real 0: 1/√2; sample 2 (zero) vs class 1: 0
    expect(Array.from(r.perSample)).toEqual([Math.SQRT1_2, Math.SQRT1_2, 0].map((v) => expect.closeTo(v, 12) as unknown as number));
    expect(r.perClass[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(r.perClass[1]).toBe(0);
    // without labels on one side every real image is a candidate
    expect(Array.from(nearestRealSimilarity({ features: samples }, { features: real, labels: [0, 1, 1] }).perSample)).toEqual(
      [1, 1, 0].map((v) => expect.closeTo(v, 12) as unknown as number),
    );
    expect(() => nearestRealSimilarity({ features: samples, labels: [0] }, { features: real, labels: [0, 1, 1] })).toThrow(/nearestRealSimilarity: samples has 3 rows but 1 labels/);
  });
});
