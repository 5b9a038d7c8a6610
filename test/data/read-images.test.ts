import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CGAN,
  DataNotFoundError,
  imageSetFromTensor,
  InvalidArgumentError,
  readImageSet,
  sampleImageSet,
  sampleImages,
  useBackend,
  MlpGAN,
  writeIdx,
  writePng,
} from "../../src/index.js";

let dir: string;
beforeAll(async () => {
  await useBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-read-images-"));
});

describe("readImageSet", () => {
  it("reads uint8 IDX files ([n, h, w] and [n, h, w, 1]) and float files in [0, 1]", async () => {
    const bytes = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i * 4);
    await writeIdx(join(dir, "a-idx3-ubyte"), { dtype: "uint8", dims: [3, 4, 5], data: bytes });
    await writeIdx(join(dir, "b-idx4-ubyte.gz"), { dtype: "uint8", dims: [3, 4, 5, 1], data: bytes }, { gzip: true });
    await writeIdx(join(dir, "c.idx"), { dtype: "float32", dims: [3, 4, 5], data: Float32Array.from(bytes, (b) => b / 255) });
    for (const file of ["a-idx3-ubyte", "b-idx4-ubyte.gz", "c.idx"]) {
      const set = await readImageSet(join(dir, file));
      expect([set.size, set.height, set.width]).toEqual([3, 4, 5]);
      expect(Array.from(set.pixels)).toEqual(Array.from(bytes));
    }
  });

  it("reads a folder of PNGs in name order (2 before 10)", async () => {
    const pngs = join(dir, "pngs");
    await mkdir(pngs);
    for (const i of [10, 2, 1]) await writePng(join(pngs, `s${i}.png`), { width: 3, height: 2, pixels: new Uint8Array(6).fill(i) });
    const set = await readImageSet(pngs);
    expect([set.size, set.height, set.width]).toEqual([3, 2, 3]);
    expect([set.pixels[0], set.pixels[6], set.pixels[12]]).toEqual([1, 2, 10]);
  });

  it("names what is wrong", async () => {
    await expect(readImageSet(join(dir, "missing.idx"))).rejects.toThrow(DataNotFoundError);
    await writeIdx(join(dir, "int16.idx"), { dtype: "int16", dims: [2, 4, 4], data: new Int16Array(32) });
    await expect(readImageSet(join(dir, "int16.idx"))).rejects.toThrow(/holds int16 values; expected uint8 pixels \(0..255\) or float pixels in \[0, 1\]/);
    await writeIdx(join(dir, "rgb.idx"), { dtype: "uint8", dims: [2, 4, 4, 3], data: new Uint8Array(96) });
    await expect(readImageSet(join(dir, "rgb.idx"))).rejects.toThrow(/shape \[2, 4, 4, 3\]; expected grey images \[n, h, w\] or \[n, h, w, 1\]/);
    await writeIdx(join(dir, "big.idx"), { dtype: "float32", dims: [1, 2, 2], data: Float32Array.of(0, 0.5, 255, 1) });
    await expect(readImageSet(join(dir, "big.idx"))).rejects.toThrow(InvalidArgumentError);
    await expect(readImageSet(join(dir, "big.idx"))).rejects.toThrow(/value 2 is 255; float pixels must be in \[0, 1\]/);
    const mixed = join(dir, "mixed");
    await mkdir(mixed);
    await writePng(join(mixed, "a.png"), { width: 2, height: 2, pixels: new Uint8Array(4) });
    await writePng(join(mixed, "b.png"), { width: 3, height: 2, pixels: new Uint8Array(6) });
    await expect(readImageSet(mixed)).rejects.toThrow(/b.png is 3x2, the first PNG is 2x2/);
    await expect(readImageSet(join(dir, "pngs", ".."))).rejects.toThrow(/holds no .png files/);
  });
});

describe("sampleImageSet", () => {
  it("draws n images without replacement, seeded, in their original order, labels kept", () => {
    const pixels = Uint8Array.from({ length: 50 * 4 }, (_, i) => Math.floor(i / 4));
    const set = { pixels, size: 50, height: 2, width: 2, labels: Uint8Array.from({ length: 50 }, (_, i) => i % 10), name: "s" };
    const a = sampleImageSet(set, 20, 1);
    const firsts = Array.from({ length: 20 }, (_, i) => a.pixels[i * 4] ?? -1);
    expect(new Set(firsts).size).toBe(20);
    expect(firsts).toEqual([...firsts].sort((x, y) => x - y));
    expect(firsts).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(a.labels ?? [])).toEqual(firsts.map((f) => f % 10));
    expect(Array.from(sampleImageSet(set, 20, 1).pixels)).toEqual(Array.from(a.pixels));
    expect(Array.from(sampleImageSet(set, 20, 2).pixels)).not.toEqual(Array.from(a.pixels));
    expect(sampleImageSet(set, 60, 1)).toBe(set);
  });
});

describe("sampleImages, imageSetFromTensor", () => {
  it("quantises like a PNG: clip, scale, round", () => {
    const t = tf.tensor4d([-2, -1, 0, 0.5, 1, 3], [1, 2, 3, 1]);
    expect(Array.from(imageSetFromTensor(t, "[-1,1]").pixels)).toEqual([0, 0, 128, 191, 255, 255]);
    expect(Array.from(imageSetFromTensor(t, "[0,1]").pixels)).toEqual([0, 0, 0, 128, 255, 255]);
    t.dispose();
  });

  it("gives the same images whatever the batch size, balanced labels for conditional models, and no leaks", async () => {
    const gan = new MlpGAN({ seed: 1 });
    const before = tf.memory().numTensors;
    const a = await sampleImages(gan, 7, { seed: 3, batchSize: 7 });
    const b = await sampleImages(gan, 7, { seed: 3, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(b.pixels)).toEqual(Array.from(a.pixels));
    expect([a.size, a.height, a.width, a.labels]).toEqual([7, 28, 28, undefined]);
    const cgan = new CGAN({ seed: 1 });
    expect(Array.from((await sampleImages(cgan, 12)).labels ?? [])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    await expect(sampleImages(cgan, 2, { labels: [1] })).rejects.toThrow(/options.labels must hold 2 labels, found 1/);
    gan.dispose();
    cgan.dispose();
  });
});
