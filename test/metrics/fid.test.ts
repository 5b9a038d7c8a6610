import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { featureMatrix, featureStatistics, frechetDistance, InvalidArgumentError, type FeatureMatrix } from "../../src/index.js";
import { fixture, gaussianFeatures, matrix } from "./helpers.js";

const trace = (m: FeatureMatrix): number => {
  const s = featureStatistics(m);
  let t = 0;
  for (let i = 0; i < s.dims; i++) t += s.covariance[i * s.dims + i] ?? 0;
  return t;
};

describe("frechetDistance", () => {
  it("is 0 between a set and itself", () => {
    const x = gaussianFeatures(500, 16, 1);
    const { value, warnings } = frechetDistance(x, x);
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThan(1e-9 * trace(x));
    expect(warnings).toEqual([]);
  });

  it("is ‖μ₁ − μ₂‖² between two Gaussians with equal covariance (a shifted copy)", () => {
    const x = gaussianFeatures(400, 12, 2, 1.7);
    const delta = Array.from({ length: 12 }, (_, j) => Math.sin(j) * 0.8);
    const shifted = { ...x, data: x.data.map((v, i) => v + (delta[i % 12] ?? 0)) };
    const expected = delta.reduce((t, v) => t + v * v, 0);
    const { value, meanTerm, covarianceTerm } = frechetDistance(x, shifted);
    expect(meanTerm).toBeCloseTo(expected, 10);
    expect(covarianceTerm).toBeLessThan(1e-9);
    expect(Math.abs(value - expected)).toBeLessThan(1e-9 * expected);
  });

  it("matches scipy.linalg.sqrtm (pytorch-fid's formula) on the committed fixture", () => {
    const { value, n1, n2, dims } = frechetDistance(matrix(fixture.real), matrix(fixture.fake));
    expect([n1, n2, dims]).toEqual([300, 250, 8]);
    expect(Math.abs(value - fixture.fid)).toBeLessThan(1e-9 * fixture.fid);
  });

  it("takes precomputed statistics and gives the same value", () => {
    const a = gaussianFeatures(300, 8, 3);
    const b = gaussianFeatures(200, 8, 4, 1.2, 0.3);
    expect(frechetDistance(featureStatistics(a), b).value).toBeCloseTo(frechetDistance(a, b).value, 12);
  });

  it("gives a finite value and a warning when N ≤ d or the set collapsed, never NaN", () => {
    const small = gaussianFeatures(10, 32, 5);
    const big = gaussianFeatures(300, 32, 6);
    const few = frechetDistance(small, big);
    expect(Number.isFinite(few.value)).toBe(true);
    expect(few.value).toBeGreaterThan(0);
    expect(few.warnings.join(" ")).toMatch(/10 images for 32 feature dimensions/);
    // a generator that draws one image: all rows equal, zero covariance
    const collapsed = featureMatrix(Array.from({ length: 100 }, () => Array.from({ length: 32 }, (_, j) => j / 10)));
    const c = frechetDistance(collapsed, big);
    expect(Number.isFinite(c.value)).toBe(true);
    expect(c.warnings.join(" ")).toMatch(/rank 0, while 32 feature dimensions vary/);
    // covariance term of a point mass against N(0, I): tr Σ₂ exactly
    expect(c.covarianceTerm).toBeCloseTo(trace(big), 8);
    // dimensions constant in both sets (a feature unit that never fires) are no reason to warn
    const withDead = (m: FeatureMatrix): FeatureMatrix => ({ rows: m.rows, cols: m.cols + 3, data: Float64Array.from({ length: m.rows * (m.cols + 3) }, (_, i) => (i % (m.cols + 3) < m.cols ? (m.data[Math.floor(i / (m.cols + 3)) * m.cols + (i % (m.cols + 3))] ?? 0) : 0)) });
    const dead = frechetDistance(withDead(gaussianFeatures(300, 8, 7)), withDead(gaussianFeatures(300, 8, 8)));
    expect(dead.warnings).toEqual([]);
    expect(dead.value).toBeCloseTo(frechetDistance(gaussianFeatures(300, 8, 7), gaussianFeatures(300, 8, 8)).value, 8);
  });

  it("properties: ≥ 0, symmetric, invariant to the order of samples", () => {
    const sets = fc.record({
      n1: fc.integer({ min: 3, max: 40 }),
      n2: fc.integer({ min: 3, max: 40 }),
      d: fc.integer({ min: 1, max: 6 }),
      seed: fc.integer({ min: 0, max: 1e6 }),
      scale: fc.double({ min: 0.01, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(sets, ({ n1, n2, d, seed, scale }) => {
        const a = gaussianFeatures(n1, d, seed, scale);
        const b = gaussianFeatures(n2, d, seed + 1, scale * 0.7, scale * 0.1);
        const ab = frechetDistance(a, b).value;
        const ba = frechetDistance(b, a).value;
        const size = scale * scale * d;
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(Math.abs(ab - ba)).toBeLessThanOrEqual(1e-6 * size);
        const reversed = { ...a, data: Float64Array.from({ length: a.data.length }, (_, i) => a.data[(n1 - 1 - Math.floor(i / d)) * d + (i % d)] ?? 0) };
        expect(Math.abs(frechetDistance(reversed, b).value - ab)).toBeLessThanOrEqual(1e-6 * size);
      }),
      { numRuns: 60 },
    );
  });

  it("names the argument on bad input", () => {
    const a = gaussianFeatures(20, 4, 1);
    expect(() => frechetDistance(gaussianFeatures(1, 4, 1), a)).toThrow(/at least 2 rows/);
    expect(() => frechetDistance(a, gaussianFeatures(20, 5, 1))).toThrow(/4 feature dimensions, the second 5/);
    const withNaN = { ...a, data: a.data.map((v, i) => (i === 7 ? Number.NaN : v)) };
    expect(() => frechetDistance(withNaN, a)).toThrow(InvalidArgumentError);
    expect(() => frechetDistance(withNaN, a)).toThrow(/NaN at row 1, column 3/);
    expect(() => featureMatrix([[1, 2], [3]])).toThrow(/row 1 has 1 values/);
  });
});
