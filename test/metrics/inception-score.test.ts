import { describe, expect, it } from "vitest";
import { featureMatrix, inceptionScore } from "../../src/index.js";
import { fixture, matrix } from "./helpers.js";

const confident = (labels: number[], margin = 60) => featureMatrix(labels.map((l) => Array.from({ length: 10 }, (_, c) => (c === l ? margin : 0))));

describe("inceptionScore", () => {
  it("is 1 when every image is one confident class", () => {
    const { mean, std, n, classes } = inceptionScore(confident(new Array(500).fill(3)));
    expect(mean).toBeCloseTo(1, 10);
    expect(std).toBeCloseTo(0, 10);
    expect([n, classes]).toEqual([500, 10]);
  });

  it("is 10 for ten balanced, confident classes", () => {
    const { mean, std } = inceptionScore(confident(Array.from({ length: 1000 }, (_, i) => i % 10)));
    expect(mean).toBeCloseTo(10, 8);
    expect(std).toBeCloseTo(0, 8);
  });

  it("does not underflow on very confident logits (log-softmax in float64)", () => {
    const { mean } = inceptionScore(confident(Array.from({ length: 1000 }, (_, i) => i % 10), 5000));
    expect(mean).toBeCloseTo(10, 8);
  });

  it("matches numpy on the fixture, from logits and from probabilities", () => {
    const r = inceptionScore(matrix(fixture.logits));
    expect(r.mean).toBeCloseTo(fixture.inceptionScore.mean, 10);
    expect(r.std).toBeCloseTo(fixture.inceptionScore.std, 10);
    const probs = featureMatrix(fixture.logits.map((row) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    }));
    expect(inceptionScore(probs, { input: "probabilities" }).mean).toBeCloseTo(fixture.inceptionScore.mean, 9);
  });

  it("names the argument on bad input", () => {
    expect(() => inceptionScore(confident([1, 2, 3]))).toThrow(/needs at least 10 rows/);
    expect(() => inceptionScore(featureMatrix([[0.5, 0.6], [1, 0]]), { input: "probabilities", splits: 1 })).toThrow(/row 0 is not a probability distribution/);
    expect(() => inceptionScore(confident([1, 2]), { splits: 0 })).toThrow(/options.splits/);
  });
});
