import { describe, expect, it } from "vitest";
import { classCoverage } from "../../src/index.js";

describe("classCoverage", () => {
  it("flags a one-digit set", () => {
    const r = classCoverage(new Array(200).fill(7));
    expect(r.counts[7]).toBe(200);
    expect(r.underrepresented).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9]);
    expect(r.coveredClasses).toBe(1);
    expect(r.entropy).toBe(0);
    expect(r.maxDeviation).toBeCloseTo(90, 10);
  });

  it("passes a balanced set, against equal shares or a reference's labels", () => {
    const balanced = Array.from({ length: 1000 }, (_, i) => i % 10);
    const r = classCoverage(balanced);
    expect(r.underrepresented).toEqual([]);
    expect(r.entropy).toBeCloseTo(Math.log2(10), 12);
    expect(r.maxEntropy).toBeCloseTo(Math.log2(10), 12);
    expect(r.maxDeviation).toBeCloseTo(0, 12);
    // a reference with twice as many 0s: the balanced set under-draws 0 by 100/11 - 10 points... but not below half
    const reference = [...balanced, ...new Array(100).fill(0)];
    const vs = classCoverage(balanced, { reference });
    expect(vs.referenceShares[0]).toBeCloseTo(200 / 1100, 12);
    expect(vs.maxDeviation).toBeCloseTo(100 * (200 / 1100 - 0.1), 10);
    expect(vs.underrepresented).toEqual([]);
    const missingHalf = classCoverage([...balanced.filter((l) => l !== 4), ...new Array(40).fill(4)], { reference: { shares: new Array(10).fill(0.1) } });
    expect(missingHalf.underrepresented).toEqual([4]);
  });

  it("names the argument on bad input", () => {
    expect(() => classCoverage([])).toThrow(/labels must be a non-empty array/);
    expect(() => classCoverage([1, 10])).toThrow(/labels\[1\] is 10, expected an integer in 0..9/);
    expect(() => classCoverage([1], { reference: { shares: [0.5, 0.5] } })).toThrow(/10 non-negative shares summing to 1/);
  });
});
