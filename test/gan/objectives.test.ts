// Pluggable GAN objectives: loss-function pairs, a registry of names, public reductions,
// separate real/fake weights, and label smoothing only where the objective implements it.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DCGAN, GAN, ganObjectiveNames, hingeDiscriminatorLoss, InvalidArgumentError, minimaxDiscriminatorLoss, reduceLoss, registerGanObjective,
  sigmoidCrossEntropy, useBackend, wassersteinCriticLoss, wassersteinDiscriminatorLoss, type GanLoss,
} from "../../src/index.js";
import { randomBatch } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const calls: string[] = [];
const softplus: GanLoss = {
  name: "softplus-test",
  discriminator: (real, fake, options) => {
    calls.push(`d:${JSON.stringify(options)}`);
    return tf.add(reduceLoss("d", tf.softplus(tf.neg(real)), options), reduceLoss("d", tf.softplus(fake), options));
  },
  generator: (fake, options) => {
    calls.push("g");
    return reduceLoss("g", tf.softplus(tf.neg(fake)), options);
  },
};

describe("custom objectives", () => {
  it("a { discriminator, generator } pair trains a GAN, and equals the built-in it restates", async () => {
    // softplus(−r) + softplus(f) is BCE: with the same seed the steps equal the non-saturating GAN's
    const batch = randomBatch(8, "[-1,1]");
    const [custom, builtIn] = [new GAN({ objective: softplus, seed: 1 }), new GAN({ objective: "non-saturating", seed: 1 })];
    calls.length = 0;
    const [a, b] = [await custom.trainStep(batch), await builtIn.trainStep(batch)];
    expect(calls).toContain("d:{}");
    expect(calls).toContain("g");
    expect(a.dLoss).toBeCloseTo(b.dLoss ?? NaN, 5);
    expect(a.gLoss).toBeCloseTo(b.gLoss ?? NaN, 5);
    expect(custom.config.objective).toBe("softplus-test");
    batch.dispose();
    custom.dispose();
    builtIn.dispose();
  });

  it("registered names resolve; built-ins cannot be replaced; unknown names list the choices", () => {
    registerGanObjective("softplus-test", softplus);
    expect(ganObjectiveNames()).toContain("softplus-test");
    const gan = new GAN({ objective: "softplus-test" });
    expect(gan.loss.name).toBe("softplus-test");
    gan.dispose();
    expect(() => registerGanObjective("hinge", softplus)).toThrow("'hinge' is registered already (a built-in objective)");
    // the same object again (a module evaluated twice) is no change
    expect(() => registerGanObjective("softplus-test", softplus)).not.toThrow();
    // a loss named like another objective would be saved as, and reload as, that one
    expect(() => new GAN({ objective: { ...softplus, name: "hinge" } })).toThrow('config.objective is named "hinge", the name of another registered objective');
    expect(() => registerGanObjective("softplus-test", { ...softplus })).toThrow("pass { replace: true } to replace it");
    expect(() => new GAN({ objective: "nope" })).toThrow('config.objective must be one of "non-saturating", "minimax", "wasserstein", "hinge", "least-squares", "softplus-test"');
    expect(() => new GAN({ objective: { name: "x" } as unknown as GanLoss })).toThrow("an objective needs discriminator(real, fake, options) and generator(fake, options) functions");
  });

  it("an objective registered as a class instance keeps its methods", async () => {
    class Hinge implements GanLoss {
      readonly name = "class-hinge";
      discriminator(real: tf.Tensor, fake: tf.Tensor): tf.Tensor {
        return hingeDiscriminatorLoss(real, fake);
      }
      generator(fake: tf.Tensor): tf.Tensor {
        return tf.neg(tf.mean(fake));
      }
    }
    registerGanObjective("class-hinge", new Hinge());
    const [a, b] = [new GAN({ objective: "class-hinge", seed: 1 }), new GAN({ objective: "hinge", seed: 1 })];
    const batch = randomBatch(8, "[-1,1]");
    const [x, y] = [await a.trainStep(batch), await b.trainStep(batch)];
    expect(x.dLoss).toBeCloseTo(y.dLoss ?? NaN, 5);
    batch.dispose();
    a.dispose();
    b.dispose();
  });

  it("a preset's label smoothing gives way to an objective without it; an explicit one is refused", () => {
    const dcgan = new DCGAN({ objective: "hinge" });
    expect(dcgan.config.labelSmoothing).toBe(0);
    dcgan.dispose();
    expect(() => new DCGAN({ objective: "hinge", labelSmoothing: 0.1 })).toThrow(`the objective "hinge" has no label smoothing`);
    const plain = new DCGAN();
    expect(plain.config.labelSmoothing).toBe(0.1);
    plain.dispose();
  });

  it("a loss that does not reduce to a scalar is named in the error", async () => {
    const unreduced: GanLoss = { name: "unreduced", discriminator: (r, f) => tf.sub(f, r), generator: (f) => tf.neg(f) };
    const gan = new GAN({ objective: unreduced });
    const batch = randomBatch(4, "[-1,1]");
    await expect(gan.trainStep(batch)).rejects.toThrow(`gan: the discriminator loss of objective "unreduced" must return a scalar (reduce it, e.g. with reduceLoss), found shape [4, 1]`);
    batch.dispose();
    gan.dispose();
  });

  it("label smoothing with an objective that cannot use it is an error, not ignored", () => {
    for (const objective of ["wasserstein", "hinge", "least-squares"] as const) {
      expect(() => new GAN({ objective, labelSmoothing: 0.1 })).toThrow(InvalidArgumentError);
    }
    expect(() => new GAN({ objective: softplus, labelSmoothing: 0.1 })).toThrow(`the objective "softplus-test" has no label smoothing`);
    const smoothing = new DCGAN({ objective: { ...softplus, labelSmoothing: true }, labelSmoothing: 0.2 });
    expect(smoothing.config.labelSmoothing).toBe(0.2);
    smoothing.dispose();
  });
});

describe("relativistic objectives", () => {
  it("a generator loss with generatorUsesReal gets the real batch's outputs (RaSGAN)", async () => {
    const seen: number[][] = [];
    const relativistic: GanLoss = {
      name: "rasgan-test",
      generatorUsesReal: true,
      // D: real above the mean fake, fake below the mean real; G: the other way round
      discriminator: (r, f, o) => tf.add(reduceLoss("d", sigmoidCrossEntropy(1, tf.sub(r, tf.mean(f))), o), reduceLoss("d", sigmoidCrossEntropy(0, tf.sub(f, tf.mean(r))), o)),
      generator: (f, o) => {
        const r = o.realOutputs;
        if (r === undefined) throw new Error("no realOutputs");
        seen.push(r.shape);
        return tf.add(reduceLoss("g", sigmoidCrossEntropy(0, tf.sub(r, tf.mean(f))), o), reduceLoss("g", sigmoidCrossEntropy(1, tf.sub(f, tf.mean(r))), o));
      },
    };
    const gan = new GAN({ objective: relativistic, seed: 1 });
    const batch = randomBatch(8, "[-1,1]");
    const losses = await gan.trainStep(batch);
    expect(Number.isFinite(losses.gLoss)).toBe(true);
    // the critic step's estimate and the generator step both saw D(real) [8, 1]
    expect(seen).toEqual([[8, 1], [8, 1]]);
    batch.dispose();
    gan.dispose();
  });
});

describe("real and fake weights", () => {
  const real = () => tf.tensor2d([[2], [-1]]);
  const fake = () => tf.tensor2d([[0.5], [3]]);
  it("weigh each term on its own (closed forms)", () => {
    const rw = tf.tensor2d([[1], [0]]);
    const fw = tf.tensor2d([[0], [2]]);
    // wasserstein: mean(fw·f) − mean(rw·r) = (0 + 6)/2 − (2 + 0)/2 = 2
    expect(wassersteinDiscriminatorLoss(real(), fake(), { realWeights: rw, fakeWeights: fw }).dataSync()[0]).toBeCloseTo(2, 6);
    // hinge: mean(rw·relu(1 − r)) + mean(fw·relu(1 + f)) = (0 + 0)/2 + (0 + 8)/2 = 4
    expect(hingeDiscriminatorLoss(real(), fake(), { realWeights: rw, fakeWeights: fw }).dataSync()[0]).toBeCloseTo(4, 6);
    // BCE: only the first real and the second fake count
    const want = (sigmoidCrossEntropy(1, tf.scalar(2)).dataSync()[0] ?? NaN) / 2 + (2 * (sigmoidCrossEntropy(0, tf.scalar(3)).dataSync()[0] ?? NaN)) / 2;
    expect(minimaxDiscriminatorLoss(real(), fake(), { realWeights: rw, fakeWeights: fw }).dataSync()[0]).toBeCloseTo(want, 5);
    // `weights` still weighs both when the sides are not given
    const both = tf.tensor2d([[1], [0]]);
    expect(wassersteinDiscriminatorLoss(real(), fake(), { weights: both }).dataSync()[0]).toBeCloseTo(0.25 - 1, 6);
    expect(wassersteinCriticLoss).toBe(wassersteinDiscriminatorLoss);
  });

  it("reduceLoss is public and names the caller on a bad reduction", () => {
    const x = tf.tensor1d([1, 2, 3]);
    expect(reduceLoss("mine", x, { reduction: "sum" }).dataSync()[0]).toBe(6);
    expect(Array.from(reduceLoss("mine", x, { reduction: "none", weights: tf.tensor1d([0, 1, 2]) }).dataSync())).toEqual([0, 2, 6]);
    expect(() => reduceLoss("mine", x, { reduction: "max" as "sum" })).toThrow('mine: options.reduction must be "mean", "sum" or "none", found "max"');
  });
});
