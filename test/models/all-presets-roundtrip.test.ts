// Every preset survives train → checkpoint → resume (bit-identical to an uninterrupted run) →
// save → load → sample (the same images): the checkpoint format, the seeded dropout and the
// saved optimizer state hold for all of them, not only a few.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, loadMnist, loadModel, MODEL_NAMES, saveCheckpoint, Trainer, useBackend, type Callback, type Dataset, type GenerativeModel } from "../../src/index.js";

let data: Dataset;

beforeAll(async () => {
  await useBackend("gen-mnist");
  data = await loadMnist({ split: "train", limit: 64 }); // 4 steps of 16 an epoch
});

const weightsOf = (model: GenerativeModel): Float32Array[] =>
  Object.values(model.networks()).flatMap((net) => net.getWeights().map((w) => Float32Array.from(w.dataSync())));

describe("every preset: checkpoint, resume, save, load, sample", () => {
  it.each(MODEL_NAMES.map((name) => [name]))("%s", async (name) => {
    const dir = await mkdtemp(join(tmpdir(), `gen-mnist-roundtrip-${name}-`));
    const checkpointAt3: Callback = {
      onBatchEnd: async ({ step, model, resumeState }) => {
        if (step === 3) await saveCheckpoint(join(dir, "ckpt"), model, resumeState);
      },
    };
    // uninterrupted: 6 steps (an epoch and a half), checkpointed mid-epoch at step 3
    const straight = createModel(name, { seed: 3 });
    await new Trainer(straight, data, { steps: 6, batchSize: 16, seed: 5, callbacks: [checkpointAt3] }).fit();
    // resumed from step 3 to 6: the same weights, bit for bit
    const resumed = await Trainer.resume(join(dir, "ckpt"), data);
    expect(resumed.state()).toMatchObject({ step: 3, epoch: 0, stepInEpoch: 3 });
    const history = await resumed.fit();
    expect(history.steps.map((s) => s.step)).toEqual([4, 5, 6]);
    const [a, b] = [weightsOf(straight), weightsOf(resumed.model)];
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => expect(Buffer.compare(Buffer.from(w.buffer), Buffer.from((b[i] as Float32Array).buffer)), `${name}: weight ${i}`).toBe(0));
    // saved and loaded: the same configuration and the same samples
    await resumed.model.save(join(dir, "model"));
    const loaded = await loadModel(join(dir, "model"));
    expect(loaded.config).toEqual(resumed.model.config);
    const [x, y] = [resumed.model.sample(4, { seed: 9 }), loaded.sample(4, { seed: 9 })];
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(x.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([x, y]);
    for (const m of [straight, resumed.model, loaded]) m.dispose();
  }, 120_000);
});
