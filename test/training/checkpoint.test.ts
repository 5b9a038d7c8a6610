import { spawn } from "node:child_process";
import { mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  Checkpoint,
  CheckpointError,
  Dataset,
  DCGAN,
  GAN,
  Trainer,
  VAE,
  latestCheckpoint,
  loadModel,
  saveCheckpoint,
  useBackend,
  type Callback,
  type GenerativeModel,
} from "../../src/index.js";
import { tinyConvDiscriminator, tinyConvGenerator, tinyGanConfig, tinyVaeConfig } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

const tmp = (): Promise<string> => mkdtemp(join(tmpdir(), "gen-mnist-ckpt-"));

function synthetic(n: number): Dataset {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 53 + (i >> 7)) % 256;
  return new Dataset(pixels, Uint8Array.from({ length: n }, (_, i) => i % 10));
}

const weightsOf = (model: GenerativeModel): number[][] =>
  Object.values(model.networks()).flatMap((net) => net.getWeights().map((w) => Array.from(w.dataSync())));

function maxDifference(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  a.forEach((x, i) => x.forEach((v, j) => (max = Math.max(max, Math.abs(v - (b[i]?.[j] ?? Number.NaN))))));
  return max;
}

describe("save and load", () => {
  it("GAN.load restores weights, config and random state: same samples, same next step", async () => {
    const dir = await tmp();
    const gan = new GAN(tinyGanConfig);
    await new Trainer(gan, synthetic(64), { epochs: 1, batchSize: 16 }).fit();
    await gan.save(join(dir, "m"));
    const again = await GAN.load(join(dir, "m"));
    expect(again.config).toEqual(gan.config);
    expect(Array.from(again.sample(4, { seed: 5 }).dataSync())).toEqual(Array.from(gan.sample(4, { seed: 5 }).dataSync()));
    const batch = synthetic(16).withRange("[-1,1]").batch(Array.from({ length: 16 }, (_, i) => i));
    expect(await again.trainStep(batch)).toEqual(await gan.trainStep(batch));
    batch.dispose();
  });

  it("preset classes load as themselves and loadModel picks the family", async () => {
    const dir = await tmp();
    const dcgan = new DCGAN({ latentDim: 16, generator: tinyConvGenerator(16), discriminator: tinyConvDiscriminator });
    await dcgan.save(join(dir, "dcgan"));
    const loaded = await DCGAN.load(join(dir, "dcgan"));
    expect(loaded).toBeInstanceOf(DCGAN);
    const vae = new VAE(tinyVaeConfig);
    await vae.save(join(dir, "vae"));
    expect(await loadModel(join(dir, "vae"))).toBeInstanceOf(VAE);
    await expect(GAN.load(join(dir, "vae"))).rejects.toThrow("holds a model of kind 'vae', expected 'gan'");
    await expect(loadModel(join(dir, "nothing"))).rejects.toBeInstanceOf(CheckpointError);
    await writeFile(join(dir, "vae", "gen-mnist.json"), "{ not json");
    await expect(loadModel(join(dir, "vae"))).rejects.toThrow(/gen-mnist\.json: not valid JSON/);
  });

  it("the saved networks are standard tfjs layers-model files", async () => {
    const dir = await tmp();
    const vae = new VAE(tinyVaeConfig);
    await vae.save(dir);
    const json = JSON.parse(await (await import("node:fs/promises")).readFile(join(dir, "decoder.json"), "utf8")) as Record<string, unknown>;
    expect(json.format).toBe("layers-model");
    expect(json.modelTopology).toBeDefined();
    expect((json.weightsManifest as { paths: string[] }[])[0]?.paths).toEqual(["decoder.weights.bin"]);
  });
});

describe.each([
  ["VAE", () => new VAE(tinyVaeConfig)],
  ["GAN", () => new GAN(tinyGanConfig)],
] as const)("resume (%s)", (_name, factory) => {
  it("a run resumed from a mid-epoch checkpoint ends with the same weights as an uninterrupted one", async () => {
    const dir = await tmp();
    const data = synthetic(128); // 4 steps of 32 per epoch
    const original = factory();
    await original.save(join(dir, "init"));
    const twin = await loadModel(join(dir, "init"));

    await new Trainer(original, data, { epochs: 3, seed: 9 }).fit();

    const stopAt6: Callback = {
      onBatchEnd: async (c) => {
        if (c.step !== 6) return;
        await saveCheckpoint(join(dir, "ckpt"), c.model, c.resumeState);
        c.stopTraining("simulated interruption");
      },
    };
    const first = await new Trainer(twin, data, { epochs: 3, seed: 9, callbacks: [stopAt6] }).fit();
    expect(first.totalSteps).toBe(6);
    const resumed = await Trainer.resume(join(dir, "ckpt"), data);
    expect(resumed.state()).toMatchObject({ epoch: 1, stepInEpoch: 2, step: 6 });
    const rest = await resumed.fit();
    expect(rest.steps.map((s) => s.step)).toEqual([7, 8, 9, 10, 11, 12]);
    // bit-identical: seeded dropout masks and the saved Adam powers leave nothing to chance
    expect(maxDifference(weightsOf(resumed.model), weightsOf(original))).toBe(0);
    // and the runs did train
    expect(maxDifference(weightsOf(resumed.model), weightsOf(await loadModel(join(dir, "init"))))).toBeGreaterThan(1e-4);
  });
});

describe("Checkpoint callback", () => {
  it("saves every N epochs keeping the last K, best by the monitored loss, and last", async () => {
    const dir = await tmp();
    const vae = new VAE(tinyVaeConfig);
    await new Trainer(vae, synthetic(64), { epochs: 7, batchSize: 32, callbacks: [new Checkpoint({ dir, every: 2, keep: 2 })] }).fit();
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(["best", "epoch-0004", "epoch-0006", "last"]);
    expect(await latestCheckpoint(dir)).toBe(join(dir, "last"));
    const resumed = await Trainer.resume(join(dir, "epoch-0006"), synthetic(64));
    expect(resumed.state()).toMatchObject({ epoch: 6, stepInEpoch: 0, step: 12 });
  });
});

describe("crash safety", () => {
  it("killing the process while a checkpoint is written leaves the previous one readable", async () => {
    const dir = await tmp();
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "../fixtures/checkpoint-writer.ts"), dir], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let saves = 0;
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (chunk: Buffer) => {
          saves += chunk.toString().split("\n").filter((l) => l.startsWith("saved")).length;
          // kill at a varying moment after a few complete saves, most likely mid-write
          if (saves >= 3 + round) resolve();
        });
      });
      await new Promise((r) => setTimeout(r, 7 + round * 13));
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
      // `last`, or (killed between the two renames of a swap) the complete folder the swap left
      const found = await latestCheckpoint(dir);
      expect(found === join(dir, "last") || /\/\.last\.\d+\.\d+\.tmp(\.old)?$/.test(found ?? "")).toBe(true);
      const model = await loadModel(found ?? "");
      expect(model.parameterCounts().generator).toBeGreaterThan(0);
      model.dispose();
    }
    // the next save clears what the killed writers left behind
    await saveCheckpoint(join(dir, "last"), new GAN(tinyGanConfig), { epoch: 0, stepInEpoch: 0, step: 0, options: { epochs: 1, steps: null, batchSize: 32, seed: 0, dropRemainder: true } });
    expect(await readdir(dir)).toEqual(["last"]);
  }, 120_000);
});

it("leaves no tensor behind when saving", async () => {
  const dir = await tmp();
  const gan = new GAN(tinyGanConfig);
  const before = tf.memory().numTensors;
  await gan.save(dir);
  expect(tf.memory().numTensors).toBe(before);
});
