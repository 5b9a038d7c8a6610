// Library-level guards: the NaN guard on weights and optimizer state, nothing non-finite saved,
// resume options checked, abort signals, history cut back on resume, interrupted swaps recovered,
// and bounded IDX inputs.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Checkpoint,
  Dataset,
  GAN,
  HistoryLogger,
  IdxFormatError,
  InvalidArgumentError,
  NonFiniteError,
  Trainer,
  findNonFinite,
  latestCheckpoint,
  parseIdx,
  saveCheckpoint,
  useBackend,
  type Callback,
  type History,
  type TrainContext,
} from "../../src/index.js";
import { recoverDirAtomic } from "../../src/nn/persist.js";
import { tinyGanConfig } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), "gen-mnist-guards-"));

function synthetic(n: number): Dataset {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 29 + (i >> 5)) % 256;
  return new Dataset(pixels, Uint8Array.from({ length: n }, (_, i) => i % 10));
}

/** A callback that overwrites the first generator Adam moment with Infinity after `step`. */
const poisonOptimizerAt = (step: number): Callback => ({
  onBatchEnd: async ({ step: s, model }) => {
    if (s !== step) return;
    const moment = (await model.optimizers().generator?.getWeights())?.find((w) => w.tensor instanceof tf.Variable)?.tensor as tf.Variable;
    moment.assign(tf.fill(moment.shape, Infinity));
  },
});

/**
 * Trains a tiny GAN on `examples` synthetic images, batch 32, 3 epochs, its optimizer state
 * poisoned after `poisonAt`, with a checkpoint into `dir` every epoch.
 */
async function trainPoisoned(dir: string, examples: number, poisonAt: number, nanGuardEvery?: number): Promise<{ model: GAN; history: History }> {
  const model = new GAN(tinyGanConfig);
  const history = await new Trainer(model, synthetic(examples), {
    epochs: 3,
    batchSize: 32,
    ...(nanGuardEvery === undefined ? {} : { nanGuardEvery }),
    callbacks: [poisonOptimizerAt(poisonAt), new Checkpoint({ dir, every: 1, warn: () => undefined })],
  }).fit();
  return { model, history };
}

describe("reliability: the NaN guard and saving", () => {
  it("finds non-finite optimizer state with finite losses at the next periodic check, and keeps the last good checkpoint", async () => {
    const dir = await tmp();
    const { model, history } = await trainPoisoned(dir, 192, 7, 2);
    // 6 steps an epoch: poisoned after step 7, found by the every-2-steps check after step 8 (mid-epoch 2)
    // (by then the Infinity moment has also made the generator's weights non-finite; weights are named first)
    expect(history.diverged).toMatchObject({ step: 8, epoch: 1 });
    expect(history.diverged?.where).toMatch(/^the (weights|optimizer state) of 'generator'$/);
    expect(history.stopReason).toMatch(/^training diverged: the (weights|optimizer state) of 'generator' held \d+ non-finite values \(NaN or ±Infinity\) at step 8 \(epoch 2\)$/);
    // epoch-0001 (step 6) is the last good checkpoint; last/ (step 0, the start) was not overwritten
    expect((await readdir(dir)).sort()).toEqual(["epoch-0001", "last"]);
    expect(await latestCheckpoint(dir)).toBe(join(dir, "epoch-0001"));
    expect((await findNonFinite(model))?.where).toMatch(/of 'generator'$/);
    await expect(model.save(join(dir, "model"))).rejects.toBeInstanceOf(NonFiniteError);
    await expect(saveCheckpoint(join(dir, "x"), model, new Trainer(model, synthetic(96), { batchSize: 32 }).state())).rejects.toThrow(/not saving .*x: \d+ non-finite values \(NaN or ±Infinity\) in the (weights|optimizer state) of 'generator'/);
    expect(existsSync(join(dir, "model")) || existsSync(join(dir, "x"))).toBe(false);
    model.dispose();
  });

  it("the epoch-end check finds what the periodic one has not reached yet, before the epoch's checkpoint", async () => {
    const dir = await tmp();
    const { model, history } = await trainPoisoned(dir, 96, 3);
    expect(history.diverged).toEqual({ step: 3, epoch: 0, where: "the optimizer state of 'generator'" });
    expect(await readdir(dir)).toEqual(["last"]);
    model.dispose();
  });

  it("findNonFinite is null for a healthy model and leaks no tensors", async () => {
    const model = new GAN(tinyGanConfig);
    await new Trainer(model, synthetic(64), { epochs: 1, batchSize: 32 }).fit();
    const before = tf.memory().numTensors;
    expect(await findNonFinite(model)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe("reliability: resume and interruption", () => {
  it("refuses to resume with another batch size, seed or data", async () => {
    const model = new GAN(tinyGanConfig);
    const state = new Trainer(model, synthetic(96), { epochs: 2, batchSize: 32, seed: 3 }).state();
    const at = { ...state, epoch: 1, stepInEpoch: 1, step: 4 };
    expect(() => new Trainer(model, synthetic(96), { resumeFrom: at, batchSize: 16 })).toThrow(/options\.batchSize is 16, but the run being resumed used 32; it cannot change on resume/);
    expect(() => new Trainer(model, synthetic(96), { resumeFrom: at, seed: 4 })).toThrow(InvalidArgumentError);
    expect(() => new Trainer(model, synthetic(64), { resumeFrom: at })).toThrow(/the checkpoint is at step 4 \(epoch 2, step 1 of it\), which does not fit 2 steps per epoch/);
    expect(new Trainer(model, synthetic(96), { resumeFrom: at, epochs: 5 }).options.epochs).toBe(5);
    model.dispose();
  });

  it("an abort signal stops after the current step; the Checkpoint saves that step", async () => {
    const dir = await tmp();
    const model = new GAN(tinyGanConfig);
    const abort = new AbortController();
    const stopAt5: Callback = { onBatchEnd: ({ step }: TrainContext) => void (step === 5 ? abort.abort("SIGINT") : undefined) };
    const history = await new Trainer(model, synthetic(96), { epochs: 4, batchSize: 32, signal: abort.signal, callbacks: [stopAt5, new Checkpoint({ dir })] }).fit();
    expect(history.totalSteps).toBe(5);
    expect(history.stopReason).toBe("interrupted (SIGINT) after step 5");
    expect(JSON.parse(await readFile(join(dir, "last", "trainer.json"), "utf8"))).toMatchObject({ step: 5, epoch: 1, stepInEpoch: 2 });
    model.dispose();
  });

  it("Checkpoint saves last/ by time as well as by epoch", async () => {
    const dir = await tmp();
    const model = new GAN(tinyGanConfig);
    const seen: number[] = [];
    const spy: Callback = { onBatchEnd: async () => void seen.push((JSON.parse(await readFile(join(dir, "last", "trainer.json"), "utf8")) as { step: number }).step) };
    // a tiny interval: a save after every step but an epoch's last (its end-of-epoch work has not
    // run yet), and never an epoch checkpoint (every 10 epochs); the end saves last/ at step 6
    await new Trainer(model, synthetic(96), { epochs: 2, batchSize: 32, callbacks: [new Checkpoint({ dir, everyMinutes: 1e-9 }), spy] }).fit();
    expect(seen).toEqual([1, 2, 2, 4, 5, 5]);
    expect((await readdir(dir)).sort()).toEqual(["last"]);
    expect(JSON.parse(await readFile(join(dir, "last", "trainer.json"), "utf8"))).toMatchObject({ step: 6, epoch: 2, stepInEpoch: 0 });
    model.dispose();
  });

  it("HistoryLogger cuts its files back to the step a run resumes from, dropping a half-written line", async () => {
    const dir = await tmp();
    const jsonl = join(dir, "h.jsonl");
    const csv = join(dir, "h.csv");
    await writeFile(jsonl, [1, 2, 3, 4, 5].map((s) => JSON.stringify({ step: s, epoch: 0, elapsedMs: s, loss: s })).join("\n") + '\n{"step":6,"ep');
    await writeFile(csv, "step,epoch,elapsed_ms,loss\n1,0,1,1\n2,0,2,2\n3,0,3,3\n4,0,4,4\n5,0,");
    const logger = new HistoryLogger({ jsonl, csv });
    await logger.onTrainBegin({ step: 3 } as TrainContext);
    expect((await readFile(jsonl, "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([1, 2, 3]);
    expect(await readFile(csv, "utf8")).toBe("step,epoch,elapsed_ms,loss\n1,0,1,1\n2,0,2,2\n3,0,3,3\n");
  });

  it("at one step, the state past its epoch's end wins over one saved just before it", async () => {
    const dir = await tmp();
    const model = new GAN(tinyGanConfig);
    const base = new Trainer(model, synthetic(96), { batchSize: 32 }).state();
    await saveCheckpoint(join(dir, "last"), model, { ...base, epoch: 0, stepInEpoch: 3, step: 3 });
    await saveCheckpoint(join(dir, "epoch-0001"), model, { ...base, epoch: 1, stepInEpoch: 0, step: 3 });
    expect(await latestCheckpoint(dir)).toBe(join(dir, "epoch-0001"));
    model.dispose();
  });

  it("a checkpoint swap interrupted between its two renames is recovered on the next save", async () => {
    const dir = await tmp();
    const model = new GAN(tinyGanConfig);
    const base = new Trainer(model, synthetic(96), { batchSize: 32 }).state();
    // as left by a kill after `last` was moved aside and before the new one was moved in
    await saveCheckpoint(join(dir, ".last.1.2.tmp.old"), model, { ...base, stepInEpoch: 1, step: 1 });
    await saveCheckpoint(join(dir, ".last.1.2.tmp"), model, { ...base, stepInEpoch: 2, step: 2 });
    expect(await latestCheckpoint(dir)).toBe(join(dir, ".last.1.2.tmp"));
    await recoverDirAtomic(join(dir, "last"));
    expect(await readdir(dir)).toEqual(["last"]);
    expect(JSON.parse(await readFile(join(dir, "last", "trainer.json"), "utf8"))).toMatchObject({ step: 2 });
    model.dispose();
  });
});

describe("reliability: bounded IDX input", () => {
  const header = (count: number): Buffer => {
    const h = Buffer.alloc(16);
    h.writeUInt32BE(0x00000803, 0);
    h.writeUInt32BE(count, 4);
    h.writeUInt32BE(28, 8);
    h.writeUInt32BE(28, 12);
    return h;
  };

  it("a gzip bomb is refused from its header, before it is decompressed", () => {
    // 64 MiB of zeros compress to ~64 KiB; the header claims 10^9 images
    const bomb = gzipSync(Buffer.concat([header(1e9), Buffer.alloc(1 << 26)]));
    const started = process.hrtime.bigint();
    expect(() => parseIdx(bomb, "bomb.gz")).toThrow(/bomb\.gz: bad IDX file: size: expected at most 1073741824 bytes of data \(the maxBytes limit\), found dims \[1000000000, 28, 28\]/);
    // refusing it decompressed nothing but the header's prefix
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
  });

  it("a header claiming more than the gzip file can hold, a payload longer than claimed, and maxBytes", () => {
    const small = gzipSync(Buffer.concat([header(100_000), Buffer.alloc(784)]));
    expect(() => parseIdx(small, "s.gz")).toThrow(/header: expected dims a gzip file of \d+ bytes can hold/);
    const long = gzipSync(Buffer.concat([header(10), Buffer.alloc(784 * 11)]));
    expect(() => parseIdx(long, "l.gz")).toThrow(/payload \(trailing bytes\)/);
    const exact = Buffer.concat([header(10), Buffer.alloc(784 * 10)]);
    expect(parseIdx(gzipSync(exact), "e.gz").dims).toEqual([10, 28, 28]);
    expect(() => parseIdx(exact, "e", { maxBytes: 784 * 9 })).toThrow(IdxFormatError);
    expect(() => parseIdx(exact, "e", { maxBytes: 784 * 9 })).toThrow(/the maxBytes limit/);
  });
});
