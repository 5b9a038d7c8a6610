import { describe, expect, it } from "vitest";
import { kernelInceptionDistance } from "../../src/index.js";
import { fixture, gaussianFeatures, matrix } from "./helpers.js";

describe("kernelInceptionDistance", () => {
  it("matches numpy's unbiased MMD² on the fixture (one subset of all images)", () => {
    const { mean, std, subsetSize, subsets, dims } = kernelInceptionDistance(matrix(fixture.kidX), matrix(fixture.kidY), { subsets: 1, subsetSize: 200 });
    expect([subsets, subsetSize, dims]).toEqual([1, 200, 8]);
    expect(Math.abs(mean - fixture.kidFull)).toBeLessThan(1e-10 * Math.abs(fixture.kidFull));
    expect(std).toBe(0);
  });

  it("is about 0 for two samples of one distribution, clearly positive for another, and may be negative", () => {
    const a = gaussianFeatures(1500, 16, 11);
    const b = gaussianFeatures(1500, 16, 12);
    const c = gaussianFeatures(1500, 16, 13, 1, 0.3);
    const same = kernelInceptionDistance(a, b, { subsets: 40, subsetSize: 500, seed: 1 });
    const other = kernelInceptionDistance(a, c, { subsets: 40, subsetSize: 500, seed: 1 });
    expect(Math.abs(same.mean)).toBeLessThan(0.05 * other.mean);
    expect(Math.abs(same.mean)).toBeLessThan(3 * same.std);
    expect(other.mean).toBeGreaterThan(5 * other.std);
    // single unbiased estimates of a zero quantity fall on both sides of 0
    const many = Array.from({ length: 8 }, (_, s) => kernelInceptionDistance(a, b, { subsets: 1, subsetSize: 200, seed: s }).mean);
    expect(many.some((v) => v < 0)).toBe(true);
  });

  it("clamps the subset size to the smaller set, with a warning, and repeats for a seed", () => {
    const a = gaussianFeatures(80, 4, 1);
    const b = gaussianFeatures(120, 4, 2);
    const r = kernelInceptionDistance(a, b, { subsets: 5, seed: 3 });
    expect(r.subsetSize).toBe(80);
    expect(r.warnings[0]).toMatch(/clamped to 80/);
    expect(kernelInceptionDistance(a, b, { subsets: 5, seed: 3 }).mean).toBe(r.mean);
    expect(kernelInceptionDistance(a, b, { subsets: 5, seed: 4 }).mean).not.toBe(r.mean);
  });

  it("names the argument on bad input", () => {
    const a = gaussianFeatures(10, 4, 1);
    expect(() => kernelInceptionDistance(a, gaussianFeatures(1, 4, 2))).toThrow(/the second set needs at least 2 rows/);
    expect(() => kernelInceptionDistance(a, a, { subsets: 0 })).toThrow(/options.subsets must be an integer >= 1/);
    expect(() => kernelInceptionDistance(a, gaussianFeatures(10, 3, 2))).toThrow(/4 feature dimensions, the second set has 3/);
  });
});
