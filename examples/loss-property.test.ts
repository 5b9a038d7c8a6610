/**
 * Property tests of a loss of your own, with vitest and fast-check: the "logistic" GAN loss of
 * examples/custom-loss.ts. Instead of a few hand-picked numbers, fast-check draws hundreds of
 * batches of discriminator logits and checks what must hold for every one of them (and shrinks
 * a failing batch to a minimal one).
 *
 *   npx vitest run examples
 */
import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { InvalidArgumentError, minimaxDiscriminatorLoss, nonSaturatingGeneratorLoss, resolveGANConfig, useBackend, ganObjectiveNames } from "gen-mnist";
import { beforeAll, describe, expect, it } from "vitest";
import { logisticDiscriminatorLoss, logisticGeneratorLoss } from "./custom-loss.js";

beforeAll(async () => {
  // the plain JavaScript backend: exact enough, and nothing to set up
  await useBackend("cpu");
});

// Logits as a discriminator outputs them, [B, 1]: 32-bit floats in [-30, 30], no NaN.
const logit = fc.float({ min: -30, max: 30, noNaN: true });
const batch = fc.array(logit, { minLength: 1, maxLength: 16 });
/** Two batches of one size: the real and the fake logits of one step. */
const pair = fc.integer({ min: 1, max: 16 }).chain((n) => fc.tuple(fc.array(logit, { minLength: n, maxLength: n }), fc.array(logit, { minLength: n, maxLength: n })));
const smoothing = fc.double({ min: 0, max: 0.5, noNaN: true });

const column = (values: readonly number[]): tf.Tensor2D => tf.tensor2d([...values], [values.length, 1]);
/** Runs `f` on tensors of the values and returns its result's numbers; every tensor is disposed. */
const values = (f: () => tf.Tensor): number[] => tf.tidy(() => Array.from(f().dataSync()));
const scalar = (f: () => tf.Tensor): number => values(f)[0] ?? Number.NaN;
/** Float32 closeness: absolute near zero, relative for large losses. */
const expectClose = (a: number, b: number, tolerance = 1e-5): void => expect(Math.abs(a - b)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(a), Math.abs(b)));

describe("logistic GAN loss (examples/custom-loss.ts)", () => {
  it("is non-negative, with or without label smoothing", () => {
    fc.assert(
      fc.property(pair, smoothing, ([real, fake], labelSmoothing) => {
        expect(scalar(() => logisticDiscriminatorLoss(column(real), column(fake), { labelSmoothing }))).toBeGreaterThanOrEqual(0);
        expect(scalar(() => logisticGeneratorLoss(column(fake)))).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('reduces as reduceLoss does: "mean" is the mean of "none", "sum" its sum', () => {
    fc.assert(
      fc.property(pair, ([real, fake]) => {
        const none = values(() => logisticDiscriminatorLoss(column(real), column(fake), { reduction: "none" }));
        expect(none).toHaveLength(real.length);
        const sum = none.reduce((s, v) => s + v, 0);
        expectClose(scalar(() => logisticDiscriminatorLoss(column(real), column(fake))), sum / none.length);
        expectClose(scalar(() => logisticDiscriminatorLoss(column(real), column(fake), { reduction: "sum" })), sum);
        const gNone = values(() => logisticGeneratorLoss(column(fake), { reduction: "none" }));
        expectClose(scalar(() => logisticGeneratorLoss(column(fake))), gNone.reduce((s, v) => s + v, 0) / gNone.length);
      }),
    );
  });

  it("is symmetric: swapping real and fake and negating the logits leaves it unchanged", () => {
    fc.assert(
      fc.property(pair, ([real, fake]) => {
        const swapped = scalar(() => logisticDiscriminatorLoss(tf.neg(column(fake)), tf.neg(column(real))));
        expectClose(scalar(() => logisticDiscriminatorLoss(column(real), column(fake))), swapped);
      }),
    );
  });

  it("pushes real logits up and fake logits down (gradient signs)", () => {
    fc.assert(
      fc.property(pair, ([real, fake]) => {
        const [dReal, dFake] = tf.tidy(() => {
          const grads = tf.grads((r: tf.Tensor, f: tf.Tensor) => logisticDiscriminatorLoss(r, f))([column(real), column(fake)]);
          return grads.map((g) => Array.from(g.dataSync()));
        });
        // the discriminator lowers its loss by raising real logits and lowering fake ones
        for (const g of dReal ?? []) expect(g).toBeLessThanOrEqual(0);
        for (const g of dFake ?? []) expect(g).toBeGreaterThanOrEqual(0);
        // and the generator by raising the logits of its images
        const gFake = values(() => tf.grad((f: tf.Tensor) => logisticGeneratorLoss(f))(column(fake)));
        for (const g of gFake) expect(g).toBeLessThan(0);
      }),
    );
  });

  it("equals the library's binary cross-entropy losses it rewrites (label smoothing included)", () => {
    fc.assert(
      fc.property(pair, smoothing, ([real, fake], labelSmoothing) => {
        expectClose(
          scalar(() => logisticDiscriminatorLoss(column(real), column(fake), { labelSmoothing })),
          scalar(() => minimaxDiscriminatorLoss(column(real), column(fake), { labelSmoothing })),
        );
        expectClose(scalar(() => logisticGeneratorLoss(column(fake))), scalar(() => nonSaturatingGeneratorLoss(column(fake))));
      }),
    );
  });

  it("weights its real and fake terms separately: realWeights 0 leaves the fake term", () => {
    fc.assert(
      fc.property(pair, ([real, fake]) => {
        const onlyFake = scalar(() => logisticDiscriminatorLoss(column(real), column(fake), { realWeights: tf.zeros([real.length, 1]) }));
        expectClose(onlyFake, scalar(() => tf.mean(tf.softplus(column(fake)))));
      }),
    );
  });

  it("keeps no tensors behind", () => {
    fc.assert(
      fc.property(batch, (fake) => {
        const input = column(fake);
        const before = tf.memory().numTensors;
        const outs = [logisticDiscriminatorLoss(input, input, { labelSmoothing: 0.1 }), logisticGeneratorLoss(input)];
        // each call leaves exactly its result
        expect(tf.memory().numTensors).toBe(before + outs.length);
        tf.dispose([input, ...outs]);
      }),
    );
  });

  it("refuses a label smoothing outside [0, 1)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 1, max: 10, noNaN: true }), fc.double({ min: -10, max: -1e-9, noNaN: true }), fc.constant(Number.NaN)), (labelSmoothing) => {
        expect(() => logisticDiscriminatorLoss(tf.zeros([1, 1]), tf.zeros([1, 1]), { labelSmoothing })).toThrow(InvalidArgumentError);
      }),
    );
  });

  it('is registered as "logistic": a config names it, with label smoothing', () => {
    expect(ganObjectiveNames()).toContain("logistic");
    expect(resolveGANConfig({ objective: "logistic", labelSmoothing: 0.1 }).objective).toBe("logistic");
  });
});
