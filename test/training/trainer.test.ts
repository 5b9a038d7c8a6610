import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Dataset,
  EarlyStopping,
  GAN,
  InvalidArgumentError,
  LearningRateScheduler,
  Trainer,
  VAE,
  getLearningRate,
  useBackend,
  type BatchEndContext,
  type Callback,
  type GenerativeModel,
  type ModelState,
  type StepLosses,
} from "../../src/index.js";
import { tinyGanConfig, tinyVaeConfig } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

function synthetic(n: number): Dataset {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  return new Dataset(pixels, Uint8Array.from({ length: n }, (_, i) => i % 10));
}

/** A test double that returns scripted losses, to test the loop's control flow exactly. */
class ScriptedModel implements GenerativeModel {
  readonly kind = "scripted";
  readonly name = "scripted";
  readonly latentDim = 1;
  readonly imageShape = [28, 28, 1] as const;
  readonly pixelRange = "[0,1]" as const;
  readonly conditional = false;
  readonly config = { batchSize: 4 };
  calls = 0;
  constructor(private readonly script: (step: number) => StepLosses) {}
  async trainStep(): Promise<StepLosses> {
    this.calls += 1;
    return this.script(this.calls);
  }
  sample(n: number): tf.Tensor4D {
    return tf.zeros([n, 28, 28, 1]);
  }
  parameterCounts(): Record<string, number> {
    return {};
  }
  networks(): Record<string, tfl.LayersModel> {
    return {};
  }
  optimizers(): Record<string, tf.Optimizer> {
    return {};
  }
  getState(): ModelState {
    return { rng: [], steps: this.calls };
  }
  setState(): void {}
  async save(): Promise<void> {}
  dispose(): void {}
}

describe("Trainer", () => {
  it("calls every hook in order with the right step, epoch and losses", async () => {
    const events: string[] = [];
    const recorder: Callback = {
      onTrainBegin: (c) => void events.push(`trainBegin step=${c.step} total=${c.totalSteps} perEpoch=${c.stepsPerEpoch}`),
      onEpochBegin: (c) => void events.push(`epochBegin ${c.epoch}`),
      onBatchEnd: (c: BatchEndContext) => void events.push(`batch ${c.epoch}/${c.stepInEpoch} step=${c.step} loss=${c.losses.loss} size=${c.batchSize}`),
      onEpochEnd: (c) => void events.push(`epochEnd ${c.epoch} mean=${c.losses.loss}`),
      onTrainEnd: (c) => void events.push(`trainEnd step=${c.step} stop=${c.history.stopReason}`),
    };
    const model = new ScriptedModel((s) => ({ loss: s }));
    const history = await new Trainer(model, synthetic(10), { epochs: 2, batchSize: 4, callbacks: [recorder] }).fit();
    expect(events).toEqual([
      "trainBegin step=0 total=4 perEpoch=2",
      "epochBegin 0",
      "batch 0/1 step=1 loss=1 size=4",
      "batch 0/2 step=2 loss=2 size=4",
      "epochEnd 0 mean=1.5",
      "epochBegin 1",
      "batch 1/1 step=3 loss=3 size=4",
      "batch 1/2 step=4 loss=4 size=4",
      "epochEnd 1 mean=3.5",
      "trainEnd step=4 stop=null",
    ]);
    expect(history.epochs.map((e) => e.losses.loss)).toEqual([1.5, 3.5]);
    expect(history.totalSteps).toBe(4);
  });

  it("a step budget stops mid-epoch; epochs default to what the budget needs", async () => {
    const model = new ScriptedModel(() => ({ loss: 1 }));
    const trainer = new Trainer(model, synthetic(40), { steps: 13, batchSize: 4 });
    expect(trainer.options.epochs).toBe(2);
    const history = await trainer.fit();
    expect(history.steps.length).toBe(13);
    expect(history.epochs.length).toBe(1);
    expect(trainer.state()).toMatchObject({ epoch: 1, stepInEpoch: 3, step: 13 });
  });

  it("the NaN guard stops at the step that produced it and says so", async () => {
    const model = new ScriptedModel((s) => ({ dLoss: s === 7 ? Number.NaN : 1, gLoss: 1 }));
    const history = await new Trainer(model, synthetic(40), { epochs: 3, batchSize: 4 }).fit();
    expect(history.steps.length).toBe(7);
    expect(history.stopReason).toBe("training diverged: loss 'dLoss' became NaN at step 7 (epoch 1)");
    expect(history.diverged).toEqual({ step: 7, epoch: 0, where: "loss 'dLoss'" });
    const inf = new ScriptedModel((s) => ({ loss: s === 12 ? Infinity : 1 }));
    expect((await new Trainer(inf, synthetic(40), { epochs: 3, batchSize: 4 }).fit()).stopReason).toContain("became Infinity at step 12 (epoch 2)");
  });

  it("early stopping stops after `patience` epochs without improvement", async () => {
    // epoch means: 5, 4, 4.5, 4.2, 3 → best 4 at epoch 2, no improvement in epochs 3 and 4
    const perEpoch = [5, 4, 4.5, 4.2, 3];
    const model = new ScriptedModel((s) => ({ loss: perEpoch[Math.floor((s - 1) / 2)] ?? 0 }));
    const history = await new Trainer(model, synthetic(8), { epochs: 5, batchSize: 4, callbacks: [new EarlyStopping({ monitor: "loss", patience: 2 })] }).fit();
    expect(history.epochs.length).toBe(4);
    expect(history.stopReason).toBe("early stopping: 'loss' has not improved on 4.0000 for 2 epoch(s) (epoch 4)");
    expect(() => new EarlyStopping({ monitor: "loss", minDelta: -1 })).toThrow(InvalidArgumentError);
  });

  it("stopTraining() from a callback ends the run after that step", async () => {
    const model = new ScriptedModel(() => ({ loss: 1 }));
    const stopper: Callback = { onBatchEnd: (c) => (c.step === 3 ? c.stopTraining("enough") : undefined) };
    const history = await new Trainer(model, synthetic(40), { epochs: 2, batchSize: 4, callbacks: [stopper] }).fit();
    expect(history.steps.length).toBe(3);
    expect(history.stopReason).toBe("enough");
  });

  it("rejects a dataset smaller than one batch", () => {
    expect(() => new Trainer(new ScriptedModel(() => ({})), synthetic(3), { batchSize: 4 })).toThrow(
      "Trainer: the dataset dataset has 3 examples, fewer than one batch of 4",
    );
  });

  it("trains real models, rescales data to their range and leaks no tensors", async () => {
    const data = synthetic(64);
    for (const model of [new VAE(tinyVaeConfig), new GAN(tinyGanConfig)]) {
      const trainer = new Trainer(model, data, { epochs: 1, batchSize: 16 });
      expect(trainer.data.range).toBe(model.pixelRange);
      await trainer.fit(); // creates the optimizer slots
      const before = tf.memory().numTensors;
      const history = await new Trainer(model, data, { epochs: 2, batchSize: 16 }).fit();
      expect(tf.memory().numTensors).toBe(before);
      expect(history.steps.length).toBe(8);
      model.dispose();
    }
  });

  it("the learning-rate schedule sets every optimizer's rate each epoch", async () => {
    const model = new GAN(tinyGanConfig);
    const seen: number[] = [];
    const spy: Callback = { onEpochBegin: ({ model: m }) => void seen.push(getLearningRate(m.optimizers().generator as tf.Optimizer)) };
    const schedule = new LearningRateScheduler((epoch, lr0) => lr0 * 0.5 ** epoch);
    await new Trainer(model, synthetic(32), { epochs: 3, batchSize: 16, callbacks: [schedule, spy] }).fit();
    expect(seen).toEqual([2e-4, 1e-4, 5e-5].map((v) => expect.closeTo(v, 12)));
    model.dispose();
  });
});
