// Models take their image shape from the config: a 32×32×3 colour set goes end to end (train
// through the Trainer, sample, save, load, grid PNG), and shapes an architecture cannot take say so.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConvVAE, DCGAN, decodePng, GAN, imageGrid, loadModel, loadOracle, sampleImages, MlpGAN, MlpVAE, SampleGrid, Trainer, useBackend, VAE, writePng,
  type Dataset, type GenerativeModel,
} from "../../src/index.js";
import { syntheticImages } from "../helpers.js";
import { checkModelContract } from "./contract.js";

const SHAPE = [32, 32, 3] as const;
let data: Dataset;
let dir: string;

beforeAll(async () => {
  await useBackend("gen-mnist");
  data = syntheticImages(64, { height: 32, width: 32, channels: 3, seed: 1 });
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-shape-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("32×32×3 images end to end", () => {
  const cases: [string, () => GenerativeModel][] = [
    ["DCGAN", () => new DCGAN({ imageShape: SHAPE, seed: 1 })],
    ["MlpGAN", () => new MlpGAN({ imageShape: SHAPE, seed: 1 })],
    ["ConvVAE", () => new ConvVAE({ imageShape: SHAPE, seed: 1 })],
    ["MlpVAE (conditional)", () => new MlpVAE({ imageShape: SHAPE, conditional: true, seed: 1 })],
  ];
  it.each(cases)("%s trains, samples, saves, loads and writes a colour grid", async (name, make) => {
    const model = make();
    expect(model.imageShape).toEqual(SHAPE);
    const grids = join(dir, name, "samples");
    const history = await new Trainer(model, data, { steps: 2, batchSize: 16, callbacks: [new SampleGrid({ dir: grids, size: 4, every: 1 })] }).fit();
    expect(history.steps.every((s) => Object.values(s.losses).every(Number.isFinite))).toBe(true);
    const written = (await readdir(grids)).filter((f) => f.endsWith(".png"));
    expect(written.length).toBeGreaterThan(0);
    expect(decodePng(new Uint8Array(await readFile(join(grids, written[0] ?? "")))).channels).toBe(3);
    const images = model.sample(4, { seed: 2 });
    expect(images.shape).toEqual([4, 32, 32, 3]);
    await model.save(join(dir, name, "model"));
    const loaded = await loadModel(join(dir, name, "model"));
    expect(loaded.imageShape).toEqual(SHAPE);
    const again = loaded.sample(4, { seed: 2 });
    expect(Array.from(again.dataSync())).toEqual(Array.from(images.dataSync()));
    const grid = imageGrid(images, { cols: 2, range: model.pixelRange });
    await writePng(join(dir, name, "grid.png"), grid);
    const png = decodePng(new Uint8Array(await readFile(join(dir, name, "grid.png"))));
    expect([png.width, png.height, png.channels]).toEqual([grid.width, grid.height, 3]);
    tf.dispose([images, again]);
    model.dispose();
    loaded.dispose();
  }, 60_000);

  it("a colour DCGAN keeps the model contract", async () => {
    await checkModelContract("dcgan-32x32x3", () => new DCGAN({ imageShape: SHAPE, seed: 4 }), data);
  }, 120_000);

  it("a batch or a dataset of another shape is refused with the shape expected", async () => {
    const model = new MlpGAN({ imageShape: SHAPE });
    const grey = syntheticImages(32, { height: 28, width: 28, channels: 1, name: "grey" });
    expect(() => new Trainer(model, grey)).toThrow("Trainer: the dataset grey holds images [28, 28, 1], the model 'mlp-gan' takes [32, 32, 3]; build the model with { imageShape: [28, 28, 1] }");
    const images = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    await expect(model.trainStep({ images })).rejects.toThrow("batch.images must have shape [B, 32, 32, 3] with B >= 1, found [2, 28, 28, 1]");
    const empty = tf.zeros([0, 32, 32, 3]) as tf.Tensor4D;
    await expect(model.trainStep({ images: empty })).rejects.toThrow("with B >= 1, found [0, 32, 32, 3]");
    const ints = tf.zeros([2, 32, 32, 3], "int32") as tf.Tensor4D;
    await expect(model.trainStep({ images: ints })).rejects.toThrow("batch.images must be float32 in the model's pixel range [-1,1], found int32");
    tf.dispose([empty, ints]);
    images.dispose();
    model.dispose();
  });

  it("the oracle metrics refuse colour samples with the shape they need", async () => {
    const gan = new MlpGAN({ imageShape: SHAPE });
    const samples = await sampleImages(gan, 8);
    expect([samples.height, samples.width, samples.channels]).toEqual([32, 32, 3]);
    const oracle = await loadOracle("mnist");
    await expect(oracle.embed(samples)).rejects.toThrow("holds 32x32x3 images, the oracle takes 28x28x1");
    oracle.dispose();
    gan.dispose();
  });

  it("the convolutional architectures say which shapes they take", () => {
    expect(() => new DCGAN({ imageShape: [30, 30, 1] })).toThrow("dcganGenerator: needs an image height and width divisible by 4");
    expect(() => new VAE({ architecture: "conv", imageShape: [30, 30, 3] })).toThrow("convDecoder: needs an image height and width divisible by 4");
    expect(() => new GAN({ imageShape: [32, 32] as unknown as [number, number, number] })).toThrow("config.imageShape must be [height, width, channels] of positive integers, found [32,32]");
  });

  it("the published tables are unchanged at the default shape", () => {
    const dcgan = new DCGAN();
    expect(dcgan.imageShape).toEqual([28, 28, 1]);
    expect(dcgan.parameterCounts()).toEqual({ generator: 1_654_529, discriminator: 400_385 });
    dcgan.dispose();
  });
});
