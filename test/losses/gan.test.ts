import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  auxiliaryClassifierLoss,
  hingeDiscriminatorLoss,
  hingeGeneratorLoss,
  InvalidArgumentError,
  leastSquaresDiscriminatorLoss,
  leastSquaresGeneratorLoss,
  minimaxDiscriminatorLoss,
  minimaxGeneratorLoss,
  nonSaturatingGeneratorLoss,
  sigmoidCrossEntropy,
  useBackend,
  wassersteinDiscriminatorLoss,
  wassersteinGeneratorLoss,
} from "../../src/index.js";
import { value } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const values = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** −z·log σ(x) − (1 − z)·log(1 − σ(x)), the textbook form, in float64. */
const naiveBce = (z: number, x: number): number => -z * Math.log(sigmoid(x)) - (1 - z) * Math.log(1 - sigmoid(x));
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

const shapes = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });
const moderate = fc.float({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true });

describe("sigmoidCrossEntropy", () => {
  it("hand-computed examples", () => {
    expect(value(sigmoidCrossEntropy(1, tf.scalar(0)))).toBeCloseTo(Math.LN2, 6);
    expect(value(sigmoidCrossEntropy(0, tf.scalar(2)))).toBeCloseTo(2.126928, 5); // ln(1 + e^2)
    expect(value(sigmoidCrossEntropy(1, tf.scalar(2)))).toBeCloseTo(0.126928, 5); // ln(1 + e^-2)
  });

  it("equals the closed form −z log σ(x) − (1−z) log(1−σ(x)) (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), moderate), { minLength: 1, maxLength: 20 }), (pairs) => {
        const z = tf.tensor1d(pairs.map(([t]) => t));
        const x = tf.tensor1d(pairs.map(([, l]) => l));
        const got = values(sigmoidCrossEntropy(z, x));
        tf.dispose([z, x]);
        pairs.forEach(([t, l], i) => {
          const want = naiveBce(t, Math.fround(l));
          expect(Math.abs((got[i] ?? Number.NaN) - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
        });
      }),
    );
  });

  it("against a number, its gradient is σ(x) − z and its second derivative σ(x)(1 − σ(x)), as against the same target as a tensor (property)", () => {
    fc.assert(
      fc.property(fc.array(moderate, { minLength: 1, maxLength: 20 }), fc.double({ min: 0, max: 1, noNaN: true }), (logits, z) => {
        const x = tf.tensor1d(logits);
        const zf = Math.fround(z);
        const [first, second, viaTensor] = tf.tidy(() => {
          const grad = tf.grad((v: tf.Tensor) => tf.sum(sigmoidCrossEntropy(zf, v)));
          const tensorGrad = tf.grad((v: tf.Tensor) => tf.sum(sigmoidCrossEntropy(tf.fill(v.shape, zf), v)));
          return [grad(x), tf.grad((v: tf.Tensor) => tf.sum(grad(v)))(x), tensorGrad(x)];
        });
        const [g1, g2, gt] = [values(first), values(second), values(viaTensor)];
        tf.dispose([x, first, second, viaTensor]);
        logits.forEach((l, i) => {
          const s = 1 / (1 + Math.exp(-Math.fround(l)));
          expect(Math.abs((g1[i] ?? Number.NaN) - (s - zf))).toBeLessThanOrEqual(1e-6);
          expect(Math.abs((g2[i] ?? Number.NaN) - s * (1 - s))).toBeLessThanOrEqual(1e-6);
          expect(Math.abs((g1[i] ?? Number.NaN) - (gt[i] ?? Number.NaN))).toBeLessThanOrEqual(1e-6);
        });
      }),
    );
  });

  it("stays finite and exact for |logit| up to 1e4 (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(0, 1), (l, z) => {
        const got = value(sigmoidCrossEntropy(z, tf.scalar(l)));
        expect(Number.isFinite(got)).toBe(true);
        const want = z === 1 ? softplus(-Math.fround(l)) : softplus(Math.fround(l));
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
      }),
    );
  });

  it("is minimised when the prediction equals the target (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.double({ min: 0.05, max: 5, noNaN: true }), fc.boolean(), (z, delta, up) => {
        const best = Math.log(z / (1 - z));
        const other = best + (up ? delta : -delta);
        const atBest = value(sigmoidCrossEntropy(z, tf.scalar(best)));
        const atOther = value(sigmoidCrossEntropy(z, tf.scalar(other)));
        expect(atBest).toBeLessThan(atOther + 1e-6);
      }),
    );
  });
});

describe("BCE GAN losses", () => {
  it("discriminator loss: hand-computed, with and without label smoothing", () => {
    const real = tf.tensor2d([[2], [0]]);
    const fake = tf.tensor2d([[-1], [1]]);
    // mean softplus(−r) + mean softplus(f)
    const want = (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(1)) / 2;
    expect(value(minimaxDiscriminatorLoss(real, fake))).toBeCloseTo(want, 5);
    const s = 0.1;
    const smoothed = (naiveBce(1 - s, 2) + naiveBce(1 - s, 0)) / 2 + (softplus(-1) + softplus(1)) / 2;
    expect(value(minimaxDiscriminatorLoss(real, fake, { labelSmoothing: s }))).toBeCloseTo(smoothed, 5);
    expect(value(minimaxDiscriminatorLoss(real, fake, { reduction: "sum" }))).toBeCloseTo(want * 2, 5);
    expect(minimaxDiscriminatorLoss(real, fake, { reduction: "none" }).shape).toEqual([2, 1]);
  });

  it("generator losses: minimax = −softplus(f), non-saturating = softplus(−f)", () => {
    const fake = tf.tensor1d([-3, 0.5]);
    expect(value(minimaxGeneratorLoss(fake))).toBeCloseTo(-(softplus(-3) + softplus(0.5)) / 2, 5);
    expect(value(nonSaturatingGeneratorLoss(fake))).toBeCloseTo((softplus(3) + softplus(-0.5)) / 2, 5);
  });

  it("weights scale per-element losses before the mean", () => {
    const fake = tf.tensor1d([1, 2]);
    const w = tf.tensor1d([0, 2]);
    expect(value(nonSaturatingGeneratorLoss(fake, { weights: w }))).toBeCloseTo((2 * softplus(-2)) / 2, 5);
  });

  it("rejects a bad label smoothing and reduction", () => {
    const t = tf.tensor1d([0]);
    expect(() => minimaxDiscriminatorLoss(t, t, { labelSmoothing: 1 })).toThrow("minimaxDiscriminatorLoss: options.labelSmoothing must be in [0, 1), found 1");
    expect(() => nonSaturatingGeneratorLoss(t, { reduction: "avg" as "mean" })).toThrow(InvalidArgumentError);
  });
});

describe("Wasserstein, hinge, least-squares and auxiliary losses", () => {
  it("hand-computed examples", () => {
    const real = tf.tensor1d([1, 3]);
    const fake = tf.tensor1d([-2, 0]);
    expect(value(wassersteinDiscriminatorLoss(real, fake))).toBeCloseTo(-1 - 2, 6);
    expect(value(wassersteinGeneratorLoss(fake))).toBeCloseTo(1, 6);
    // relu(1 − r): [0, 0]; relu(1 + f): [0, 1]
    expect(value(hingeDiscriminatorLoss(real, fake))).toBeCloseTo(0.5, 6);
    expect(value(hingeGeneratorLoss(fake))).toBeCloseTo(1, 6);
    // ½(r−1)²: [0, 2]; ½f²: [2, 0]
    expect(value(leastSquaresDiscriminatorLoss(real, fake))).toBeCloseTo(1 + 1, 6);
    expect(value(leastSquaresGeneratorLoss(fake))).toBeCloseTo((4.5 + 0.5) / 2, 6);
  });

  it("Wasserstein critic loss is antisymmetric under swapping real and fake (property)", () => {
    fc.assert(
      fc.property(shapes, fc.integer(), (shape, seed) => {
        const a = tf.randomNormal(shape, 0, 10, "float32", seed);
        const b = tf.randomNormal(shape, 0, 10, "float32", seed + 1);
        const ab = value(wassersteinDiscriminatorLoss(a, b));
        const ba = value(wassersteinDiscriminatorLoss(b, a));
        tf.dispose([a, b]);
        expect(ab).toBeCloseTo(-ba, 4);
      }),
    );
  });

  it("auxiliary classifier loss is softmax cross-entropy", () => {
    const labels = tf.tensor2d([[0, 1, 0], [1, 0, 0]]);
    const logits = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expect(value(auxiliaryClassifierLoss(labels, logits))).toBeCloseTo((lse - 2 + Math.log(3)) / 2, 5);
    expect(() => auxiliaryClassifierLoss(labels, tf.zeros([2, 4]))).toThrow("expected oneHotLabels and classLogits of shape [B, C]");
  });

  it("auxiliary classifier loss stays finite for extreme logits (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 2 }), (l, c) => {
        const oneHot = tf.oneHot(tf.tensor1d([c], "int32"), 3);
        const got = value(auxiliaryClassifierLoss(tf.cast(oneHot, "float32"), tf.tensor2d([l])));
        oneHot.dispose();
        expect(Number.isFinite(got)).toBe(true);
        expect(got).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
