import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  bceReconstructionLoss,
  gaussianKlDivergence,
  mseReconstructionLoss,
  reparameterize,
  useBackend,
  vaeLoss,
} from "../../src/index.js";
import { value } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const klClosedForm = (mu: number[], lv: number[]): number =>
  -0.5 * mu.reduce((s, m, j) => s + 1 + (lv[j] ?? 0) - m * m - Math.exp(lv[j] ?? 0), 0);

const latent = fc.integer({ min: 1, max: 6 }).chain((d) =>
  fc.array(
    fc.tuple(
      fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: d, maxLength: d }),
      fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: d, maxLength: d }),
    ),
    { minLength: 1, maxLength: 5 },
  ),
);

describe("gaussianKlDivergence", () => {
  it("hand-computed example: mu = [1, 0], logvar = [0, ln 2]", () => {
    const kl = gaussianKlDivergence(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.log(2)]]));
    expect(value(kl)).toBeCloseTo(0.5 * (1 + (2 - 1 - Math.log(2))), 6);
  });

  it("is exactly 0 at mu = 0, logvar = 0", () => {
    expect(value(gaussianKlDivergence(tf.zeros([3, 4]), tf.zeros([3, 4])))).toBe(0);
  });

  it("is ≥ 0 and equals the closed form, per example (property)", () => {
    fc.assert(
      fc.property(latent, (rows) => {
        const mu = rows.map(([m]) => m);
        const lv = rows.map(([, l]) => l);
        const perExample = gaussianKlDivergence(tf.tensor2d(mu), tf.tensor2d(lv), { reduction: "none" });
        const got = Array.from(perExample.dataSync());
        perExample.dispose();
        got.forEach((g, i) => {
          expect(g).toBeGreaterThanOrEqual(0);
          const want = klClosedForm(mu[i] ?? [], lv[i] ?? []);
          expect(Math.abs(g - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, want));
        });
      }),
    );
  });
});

describe("reconstruction losses", () => {
  it("BCE sums over pixels and averages over the batch (hand-computed)", () => {
    const targets = tf.tensor4d([1, 0, 1, 1], [2, 1, 2, 1]);
    const logits = tf.tensor4d([0, 0, 2, -2], [2, 1, 2, 1]);
    const sp = (x: number): number => Math.log1p(Math.exp(x));
    const ex1 = sp(-0) + sp(0); // targets 1, 0 at logits 0, 0
    const ex2 = sp(-2) + sp(2); // targets 1, 1 at logits 2, −2
    expect(value(bceReconstructionLoss(targets, logits))).toBeCloseTo((ex1 + ex2) / 2, 5);
    const perExample = bceReconstructionLoss(targets, logits, { reduction: "none" });
    expect(perExample.shape).toEqual([2]);
  });

  it("MSE sums squared errors over pixels, averages over the batch", () => {
    const a = tf.tensor2d([[0, 1], [1, 1]]);
    const b = tf.tensor2d([[0.5, 1], [0, 0]]);
    expect(value(mseReconstructionLoss(a, b))).toBeCloseTo((0.25 + 2) / 2, 6);
  });

  it("rejects mismatched shapes naming both", () => {
    expect(() => bceReconstructionLoss(tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow(
      "bceReconstructionLoss: targets and logits must have the same shape, found [2, 3] and [2, 4]",
    );
  });
});

describe("vaeLoss and reparameterize", () => {
  it("the total equals reconstruction + beta * KL (property)", () => {
    fc.assert(
      fc.property(fc.float({ min: 0, max: 1e4, noNaN: true }), fc.float({ min: 0, max: 1e3, noNaN: true }), fc.float({ min: 0, max: 10, noNaN: true }), (r, k, beta) => {
        const parts = vaeLoss(tf.scalar(r), tf.scalar(k), beta);
        const total = value(parts.loss);
        expect(value(parts.reconLoss)).toBeCloseTo(Math.fround(r), 3);
        expect(value(parts.klLoss)).toBeCloseTo(Math.fround(k), 3);
        expect(Math.abs(total - (r + beta * k))).toBeLessThanOrEqual(1e-5 * Math.max(1, r + beta * k));
      }),
    );
    expect(() => vaeLoss(tf.scalar(1), tf.scalar(1), -1)).toThrow("vaeLoss: beta must be a finite number >= 0, found -1");
  });

  it("reparameterize draws mu + sigma * eps: right moments, differentiable, seeded", () => {
    const mu = tf.fill([4000, 2], 3);
    const lv = tf.fill([4000, 2], Math.log(4));
    const z = reparameterize(mu, lv, 7);
    const { mean, variance } = tf.moments(z);
    expect(value(mean)).toBeCloseTo(3, 1);
    const v = value(variance);
    expect(v).toBeGreaterThan(3.6);
    expect(v).toBeLessThan(4.4);
    expect(Array.from(reparameterize(mu, lv, 7).dataSync())).toEqual(Array.from(z.dataSync()));
    const dMu = tf.grad((m: tf.Tensor) => tf.sum(reparameterize(m, lv, 1)))(mu);
    expect(Array.from(dMu.dataSync()).every((g) => g === 1)).toBe(true);
  });
});
