// The CLI trains on whatever image shape its --data holds: a 32×32×3 IDX folder trains, writes
// colour grids, and samples again from the run folder.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng, writeIdx } from "../../src/index.js";
import { syntheticImages } from "../helpers.js";
import { cli } from "./run-cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-cli-colour-"));
  const data = syntheticImages(64, { height: 32, width: 32, channels: 3, seed: 2 });
  await writeIdx(join(dir, "data", "train-images-idx4-ubyte"), { dtype: "uint8", dims: [64, 32, 32, 3], data: data.pixels });
  await writeIdx(join(dir, "data", "train-labels-idx1-ubyte"), { dtype: "uint8", dims: [64], data: data.labels });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("gen-mnist train on 32x32x3 data", () => {
  it("trains an MLP GAN for the data's shape and samples colour grids", async () => {
    const run = join(dir, "run");
    const train = cli("train", "mlp-gan", "--data", join(dir, "data"), "--steps", "2", "--batch-size", "16", "--out", run);
    expect(train.stderr + train.stdout).not.toMatch(/error/i);
    expect(train.code).toBe(0);
    const sample = cli("sample", run, "-n", "9", "--out", join(dir, "samples.png"));
    expect(sample.code, sample.stderr).toBe(0);
    const png = decodePng(new Uint8Array(await readFile(join(dir, "samples.png"))));
    expect(png.channels).toBe(3);
    expect(png.width).toBeGreaterThanOrEqual(3 * 32); // three 32-pixel tiles a row (9 samples)
  }, 240_000);
});
