import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeFloat16, toFloat16Bits } from "../../src/_internals/float16.js";
import { useBackend } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** tfjs's own float16 weight decoder: an independent reading of the bits. */
function decode(values: number[]): number[] {
  const bits = encodeFloat16(values);
  const spec = [{ name: "w", shape: [values.length], dtype: "float32" as const, quantization: { dtype: "float16" as const } }];
  const t = tf.io.decodeWeights(bits.buffer as ArrayBuffer, spec).w as tf.Tensor;
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

describe("float16 weight encoding", () => {
  it("encodes known values exactly, rounding ties to even", () => {
    expect([1, -2, 0.5, 65504, 2 ** -24, 0].map(toFloat16Bits)).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0000]);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1e6)).toBe(0x7c00); // overflow: Inf
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1)
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it("round-trips through tfjs's decoder within half a unit in the last place", () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -60000, max: 60000, noNaN: true }), { minLength: 1, maxLength: 50 }), (values) => {
        const back = decode(values);
        values.forEach((v, i) => {
          const ulp = Math.max(2 ** -24, 2 ** (Math.floor(Math.log2(Math.abs(v) || 1)) - 10));
          expect(Math.abs((back[i] ?? Number.NaN) - v)).toBeLessThanOrEqual(ulp / 2);
        });
      }),
    );
  });
});
