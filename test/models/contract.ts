// The contract every registered model keeps, whoever wrote it: build → train a few steps through
// the Trainer (checkpointed mid-epoch) → resume from the checkpoint equals the uninterrupted run,
// bit for bit → save → load gives the same config and the same samples for a seed → no tensor
// growth across steps.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";
import { loadModel, saveCheckpoint, Trainer, type Callback, type Dataset, type GenerativeModel } from "../../src/index.js";

const weightsOf = (model: GenerativeModel): Float32Array[] =>
  Object.values(model.networks()).flatMap((net) => net.getWeights().map((w) => Float32Array.from(w.dataSync())));

/**
 * Runs the contract on `make()` (called once: a second copy comes from the checkpoint) over 6
 * steps of batch `batchSize` on `data` (give it 4 batches, so the run crosses an epoch).
 */
export async function checkModelContract(label: string, make: () => GenerativeModel, data: Dataset, batchSize = 16): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `gen-mnist-contract-${label.replace(/\W+/g, "-")}-`));
  try {
    const tensors: number[] = [];
    const probe: Callback = {
      onBatchEnd: async ({ step, model, resumeState }) => {
        if (step === 3) await saveCheckpoint(join(dir, "ckpt"), model, resumeState);
        tensors.push(tf.memory().numTensors);
      },
    };
    // uninterrupted: 6 steps (an epoch and a half), checkpointed mid-epoch at step 3
    const straight = make();
    await new Trainer(straight, data, { steps: 6, batchSize, seed: 5, callbacks: [probe] }).fit();
    // no tensor growth: after the first steps the count changes at most once (the first update of
    // a second optimizer, e.g. a WGAN's generator after nCritic critic steps makes its state) and
    // not between the last two steps
    const later = tensors.slice(1);
    expect(new Set(later).size <= 2 && tensors[5] === tensors[4] && later.every((n, i) => i === 0 || n >= (later[i - 1] ?? 0)), `${label}: tensors per step ${tensors.join(", ")}`).toBe(true);
    // resumed from step 3 to 6 through the registry: the same weights, bit for bit
    const resumed = await Trainer.resume(join(dir, "ckpt"), data);
    expect(resumed.model.kind).toBe(straight.kind);
    expect(resumed.state()).toMatchObject({ step: 3, epoch: 0, stepInEpoch: 3 });
    const history = await resumed.fit();
    expect(history.steps.map((s) => s.step)).toEqual([4, 5, 6]);
    const [a, b] = [weightsOf(straight), weightsOf(resumed.model)];
    expect(b.length).toBe(a.length);
    a.forEach((w, i) => expect(Buffer.compare(Buffer.from(w.buffer), Buffer.from((b[i] as Float32Array).buffer)), `${label}: weight ${i}`).toBe(0));
    // saved and loaded: the same configuration and the same samples for a seed
    await resumed.model.save(join(dir, "model"));
    const loaded = await loadModel(join(dir, "model"));
    expect(loaded.kind).toBe(straight.kind);
    expect(loaded.config).toEqual(resumed.model.config);
    const [x, y] = [resumed.model.sample(4, { seed: 9 }), loaded.sample(4, { seed: 9 })];
    expect(x.shape).toEqual([4, ...straight.imageShape]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(x.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([x, y]);
    for (const m of [straight, resumed.model, loaded]) m.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
