import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { clipWeights, gradientPenalty, useBackend } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const linearCritic = (w: tf.Tensor, b: number) => (x: tf.Tensor): tf.Tensor =>
  tf.add(tf.sum(tf.mul(x, w), [1, 2, 3]), b);

describe("gradientPenalty", () => {
  it("equals λ(‖w‖ − 1)² for any linear critic (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.float({ min: 0, max: 20, noNaN: true }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        (weights, lambda, batch, seed) => {
          const w = tf.tensor4d(weights, [1, 2, 2, 1]);
          const real = tf.randomNormal([batch, 2, 2, 1], 0, 1, "float32", seed);
          const fake = tf.randomNormal([batch, 2, 2, 1], 0, 1, "float32", seed + 1);
          const gp = gradientPenalty(linearCritic(w, 0.5), real, fake, { lambda, seed });
          const got = gp.dataSync()[0] ?? Number.NaN;
          tf.dispose([w, real, fake, gp]);
          const norm = Math.hypot(...weights.map(Math.fround));
          const want = lambda * (norm - 1) ** 2;
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, want));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("is 0 for a linear critic with unit-norm weights", () => {
    const w = tf.tensor4d([0.6, 0, 0, 0.8], [1, 2, 2, 1]);
    const gp = gradientPenalty(linearCritic(w, 0), tf.ones([3, 2, 2, 1]), tf.zeros([3, 2, 2, 1]));
    expect(gp.dataSync()[0]).toBeCloseTo(0, 6);
  });

  it("uses per-example norms: a quadratic critic gets λ·mean((2‖x̂‖ − 1)²)", () => {
    // D(x) = Σ x², ∇ = 2x̂. With ε fixed, x̂ = ε·real + (1 − ε)·fake.
    const real = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 3], [2, 2, 2, 1]);
    const fake = tf.zeros([2, 2, 2, 1]);
    const epsilon = tf.tensor1d([0.5, 1]);
    const gp = gradientPenalty((x) => tf.sum(tf.square(x), [1, 2, 3]), real, fake, { lambda: 2, epsilon });
    // example 1: x̂ = [0.5, 0, 0, 0] → ‖∇‖ = 1 → 0; example 2: x̂ = [0, 0, 0, 3] → ‖∇‖ = 6 → 25
    expect(gp.dataSync()[0]).toBeCloseTo((2 * (0 + 25)) / 2, 4);
  });

  it("is differentiable with respect to the critic's weights (second order)", () => {
    const w = tf.variable(tf.tensor4d([2, 0, 0, 0], [1, 2, 2, 1]));
    const real = tf.ones([2, 2, 2, 1]);
    const fake = tf.zeros([2, 2, 2, 1]);
    const { grads } = tf.variableGrads(() => gradientPenalty(linearCritic(w, 0), real, fake, { lambda: 1 }), [w]);
    // d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖ = [2, 0, 0, 0]
    expect(Array.from(grads[w.name]?.dataSync() ?? [])).toEqual([2, 0, 0, 0].map((v) => expect.closeTo(v, 4)));
  });
});

describe("clipWeights", () => {
  it("clips every variable into [-c, c] in place and leaves inner values", () => {
    const a = tf.variable(tf.tensor1d([-1, -0.005, 0.003, 2]));
    clipWeights([a], 0.01);
    expect(Array.from(a.dataSync())).toEqual([-0.01, -0.005, 0.003, 0.01].map((v) => expect.closeTo(v, 7)));
    expect(() => clipWeights([a], 0)).toThrow("clipWeights: clipValue must be positive, found 0");
  });
});
