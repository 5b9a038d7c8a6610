import { describe, expect, it } from "vitest";
import { densityCoverage, featureMatrix, prdc, precisionRecall } from "../../src/index.js";
import { fixture, gaussianFeatures, matrix } from "./helpers.js";

describe("precisionRecall, densityCoverage", () => {
  it("match the brute-force numpy reference on the fixture", () => {
    const real = matrix(fixture.real);
    const fake = matrix(fixture.fake);
    const pr = precisionRecall(real, fake);
    const dc = densityCoverage(real, fake);
    expect(pr.precision).toBeCloseTo(fixture.prdc.precision, 12);
    expect(pr.recall).toBeCloseTo(fixture.prdc.recall, 12);
    expect(dc.density).toBeCloseTo(fixture.prdc.density, 12);
    expect(dc.coverage).toBeCloseTo(fixture.prdc.coverage, 12);
    const both = prdc(real, fake);
    expect(both.precisionRecall).toEqual(pr);
    expect(both.densityCoverage).toEqual(dc);
    expect([pr.k, dc.k, pr.nReal, pr.nFake]).toEqual([3, 5, 300, 250]);
  });

  it("of a set against itself: precision = recall = coverage = 1, density = (k + 1) / k", () => {
    const x = gaussianFeatures(400, 6, 21);
    const { precisionRecall: pr, densityCoverage: dc } = prdc(x, x);
    expect([pr.precision, pr.recall, dc.coverage]).toEqual([1, 1, 1]);
    expect(dc.density).toBeCloseTo(6 / 5, 12);
  });

  it("stay below 1 for two samples of one distribution, and are 0 for disjoint ones", () => {
    const a = gaussianFeatures(800, 6, 22);
    const b = gaussianFeatures(800, 6, 23);
    const { precisionRecall: pr, densityCoverage: dc } = prdc(a, b);
    for (const v of [pr.precision, pr.recall, dc.coverage]) {
      expect(v).toBeGreaterThan(0.6);
      expect(v).toBeLessThan(1);
    }
    expect(dc.density).toBeGreaterThan(0.7);
    expect(dc.density).toBeLessThan(1.3);
    const far = gaussianFeatures(800, 6, 24, 1, 100);
    const apart = prdc(a, far);
    expect([apart.precisionRecall.precision, apart.precisionRecall.recall, apart.densityCoverage.density, apart.densityCoverage.coverage]).toEqual([0, 0, 0, 0]);
  });

  it("flags a collapsed generator: high precision, recall near 0", () => {
    const real = gaussianFeatures(500, 4, 25);
    const one = featureMatrix(Array.from({ length: 500 }, (_, i) => [0.01 * (i % 3), 0, 0, 0]));
    const { precision, recall } = precisionRecall(real, one);
    expect(precision).toBe(1);
    expect(recall).toBeLessThan(0.05);
  });

  it("needs more than k images where k-th neighbours are taken, and names the k at fault", () => {
    const a = gaussianFeatures(3, 2, 1);
    const b = gaussianFeatures(50, 2, 2);
    expect(() => precisionRecall(a, b)).toThrow(/precisionRecall: real has 3 images; options.k = 3 needs at least 4/);
    expect(() => precisionRecall(b, a)).toThrow(/fake has 3 images; options.k = 3 needs at least 4/);
    // density and coverage take neighbours among real images only
    expect(densityCoverage(b, gaussianFeatures(2, 2, 3)).nFake).toBe(2);
    expect(() => densityCoverage(gaussianFeatures(5, 2, 3), b)).toThrow(/real has 5 images; options.k = 5 needs at least 6/);
    expect(() => prdc(b, b, { kDensityCoverage: 0 })).toThrow(/options.kDensityCoverage must be an integer >= 1, found 0/);
    expect(() => prdc(b, b, { kDensityCoverage: 2.5 })).toThrow(/options.kDensityCoverage must be an integer/);
  });
});
