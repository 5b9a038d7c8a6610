// Shapiro–Wilk against SciPy 1.17's scipy.stats.shapiro (the same AS R94 algorithm), on samples
// built from formulas (regenerate: python3 -c "from scipy import stats; print(stats.shapiro(x))"),
// plus the normal CDF/quantile it rests on.
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalCdf, normalQuantile, shapiroWilk } from "../../src/latent/shapiro-wilk.js";

const cases: [string, number[], number, number][] = [
  ["eight", [2.1, 1.9, 2.4, 2.0, 1.7, 2.2, 2.3, 1.8], 0.9748582563729324, 0.9331651921064946],
  ["three", [1, 2, 4], 0.9642857142857142, 0.6368868450289689],
  ["five", [0.5, 1.1, 0.3, 2.7, 1.9], 0.9341592054638288, 0.6249942856754083],
  ["skewed20", Array.from({ length: 20 }, (_, i) => Math.exp(i / 5)), 0.8196811384489315, 0.0017242897279238687],
  ["normalish50", Array.from({ length: 50 }, (_, i) => Math.sin(i * 1.7) * 2 + Math.cos(i * 0.3)), 0.9715474263571753, 0.2672533177353391],
  ["uniform200", Array.from({ length: 200 }, (_, i) => (i * 0.61803398875) % 1), 0.9543504698590772, 5.073362532929277e-6],
];

describe("shapiroWilk", () => {
  it.each(cases)("%s: W and p as SciPy computes them", (_, x, w, p) => {
    const r = shapiroWilk(x);
    expect(r.w).toBeCloseTo(w, 4);
    expect(Math.abs(r.p - p)).toBeLessThan(Math.max(2e-3, 0.02 * p));
    expect(r.n).toBe(x.length);
  });

  it("is invariant to order, shift and positive scale", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 3, maxLength: 60 }), fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true }), (x, shift, scale) => {
        fc.pre(Math.max(...x) - Math.min(...x) > 1e-2);
        const a = shapiroWilk(x);
        const b = shapiroWilk([...x].reverse().map((v) => v * scale + shift));
        expect(b.w).toBeCloseTo(a.w, 5);
        expect(a.w).toBeGreaterThan(0);
        expect(a.w).toBeLessThanOrEqual(1);
        expect(a.p).toBeGreaterThanOrEqual(0);
        expect(a.p).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });

  it("is exactly as invariant to a shift on a narrow sample with ties (a counterexample fast-check found)", () => {
    const x = [0.010000000000000002, 0, 0, 0, 0];
    const a = shapiroWilk(x);
    const b = shapiroWilk([...x].reverse().map((v) => v * 0.1 + 0.1648648779093258));
    expect(b.w).toBeCloseTo(a.w, 9);
  });

  it("refuses samples it cannot test", () => {
    expect(() => shapiroWilk([1, 2])).toThrow("shapiroWilk: needs 3 to 5000 values, found 2");
    expect(() => shapiroWilk([3, 3, 3])).toThrow("shapiroWilk: all values are equal");
  });
});

describe("normal CDF and quantile", () => {
  it("round-trip and match known values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 5);
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }), (p) => Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-6));
  });
});
