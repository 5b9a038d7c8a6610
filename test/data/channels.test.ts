import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { Dataset, InvalidArgumentError, imageSet, imageSetBatch, imageSetFromTensor, sampleImageSet, takeImages, useBackend } from "../../src/index.js";
import { syntheticImages, syntheticSquare } from "../helpers.js";

beforeAll(async () => {
  await useBackend("cpu");
});

/** `n` images of 32x32x3 whose bytes encode (image, y, x, channel) so that any layout mix-up shows. */
function rgbDataset(n: number, options: { range?: "[-1,1]" | "[0,1]" } = {}): Dataset {
  const pixels = new Uint8Array(n * 32 * 32 * 3);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) pixels[((i * 32 + y) * 32 + x) * 3 + c] = (i * 7 + y * 3 + x * 5 + c * 50) % 256;
      }
    }
  }
  return new Dataset(pixels, Uint8Array.from({ length: n }, (_, i) => i % 10), { height: 32, width: 32, channels: 3, name: "rgb", ...options });
}

/** The byte of image `i` at (y, x, c) in row-major HWC order. */
const byteAt = (ds: Dataset, i: number, y: number, x: number, c: number): number =>
  ds.pixels[((i * ds.height + y) * ds.width + x) * ds.channels + c] ?? -1;

describe("Dataset with channels", () => {
  it("is grey by default: channels 1, imageShape [28, 28, 1]", () => {
    const ds = new Dataset(new Uint8Array(2 * 784), new Uint8Array(2));
    expect(ds.channels).toBe(1);
    expect(ds.imageShape).toEqual([28, 28, 1]);
    const batch = ds.batch([0, 1]);
    expect(batch.images.shape).toEqual([2, 28, 28, 1]);
    batch.dispose();
  });

  it("gives [B, 32, 32, 3] batches of 32x32 RGB images, in HWC order", () => {
    const ds = rgbDataset(10, { range: "[0,1]" });
    expect(ds.channels).toBe(3);
    expect(ds.imageShape).toEqual([32, 32, 3]);
    const shapes: number[][] = [];
    for (const batch of ds.batches(4, { shuffle: false })) {
      shapes.push(batch.images.shape, batch.labels.shape, batch.oneHot.shape);
      batch.dispose();
    }
    expect(shapes).toEqual([[4, 32, 32, 3], [4], [4, 10], [4, 32, 32, 3], [4], [4, 10], [2, 32, 32, 3], [2], [2, 10]]);
    const batch = ds.batch([7, 2]);
    const images = batch.images.arraySync();
    // batch position 0 holds example 7, position 1 example 2; each (y, x, c) is the same byte, scaled
    for (const [pos, index] of [[0, 7], [1, 2]] as const) {
      for (const [y, x, c] of [[0, 0, 0], [0, 0, 2], [5, 9, 1], [31, 30, 2], [17, 0, 0]] as const) {
        expect(images[pos]?.[y]?.[x]?.[c]).toBeCloseTo(byteAt(ds, index, y, x, c) / 255, 6);
      }
    }
    expect(Array.from(batch.labels.dataSync())).toEqual([7, 2]);
    batch.dispose();
  });

  it("scales to [-1, 1] per channel", () => {
    const pixels = new Uint8Array(2 * 2 * 3);
    pixels.set([0, 255, 51, 255, 0, 102, 0, 0, 0, 255, 255, 255]);
    const ds = new Dataset(pixels, Uint8Array.of(3), { height: 2, width: 2, channels: 3 });
    const batch = ds.batch([0]);
    expect(Array.from(batch.images.dataSync()).map((v) => Math.round(v * 1000) / 1000)).toEqual([-1, 1, -0.6, 1, -1, -0.2, -1, -1, -1, 1, 1, 1]);
    batch.dispose();
  });

  it("take, select, withRange and batches keep the channels and whole images", () => {
    const ds = rgbDataset(6);
    const picked = ds.select([4, 1]);
    expect([picked.height, picked.width, picked.channels]).toEqual([32, 32, 3]);
    expect(picked.pixels.length).toBe(2 * 32 * 32 * 3);
    expect(Array.from(picked.pixels.subarray(0, 3072))).toEqual(Array.from(ds.pixels.subarray(4 * 3072, 5 * 3072)));
    expect(Array.from(picked.pixels.subarray(3072))).toEqual(Array.from(ds.pixels.subarray(3072, 2 * 3072)));
    const few = ds.take(3);
    expect(few.imageShape).toEqual([32, 32, 3]);
    expect(few.pixels.length).toBe(3 * 3072);
    expect(Array.from(few.pixels)).toEqual(Array.from(ds.pixels.subarray(0, 3 * 3072)));
    const scaled = ds.withRange("[0,1]");
    expect([scaled.range, scaled.channels, scaled.name]).toEqual(["[0,1]", 3, "rgb"]);
    const [shuffled] = ds.batches(6, { seed: 4 });
    if (shuffled === undefined) throw new Error("no batch");
    expect(shuffled.images.shape).toEqual([6, 32, 32, 3]);
    const first = shuffled.indices[0] ?? -1;
    expect(shuffled.images.dataSync()[3071]).toBeCloseTo((byteAt(ds, first, 31, 31, 2) * 2) / 255 - 1, 6);
    shuffled.dispose();
  });

  it("names what is wrong with the shape", () => {
    expect(() => new Dataset(new Uint8Array(7840), new Uint8Array(10), { height: 32, width: 32, channels: 3, name: "x" })).toThrow(
      "Dataset x: 10 labels need 30720 pixel bytes (32x32x3 each), found 7840",
    );
    // grey messages keep their form
    expect(() => new Dataset(new Uint8Array(783), new Uint8Array(1))).toThrow("Dataset dataset: 1 labels need 784 pixel bytes (28x28 each), found 783");
    for (const channels of [0, -3, 2.5, Number.NaN]) {
      const attempt = (): Dataset => new Dataset(new Uint8Array(0), new Uint8Array(0), { channels, name: "x" });
      expect(attempt).toThrow(InvalidArgumentError);
      expect(attempt).toThrow(`Dataset x: options.channels must be a positive integer, found ${channels}`);
    }
    expect(() => new Dataset(new Uint8Array(0), new Uint8Array(0), { height: 0 })).toThrow("Dataset dataset: options.height must be a positive integer, found 0");
    expect(() => new Dataset(new Uint8Array(0), new Uint8Array(0), { width: 1.5 })).toThrow("Dataset dataset: options.width must be a positive integer, found 1.5");
  });

  it("leaks no tensors over an RGB epoch", () => {
    const ds = rgbDataset(9);
    const before = tf.memory().numTensors;
    for (const batch of ds.batches(4)) batch.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("syntheticImages (test helper)", () => {
  it("is deterministic given the seed and differs between seeds", () => {
    const a = syntheticImages(20, { seed: 3 });
    const b = syntheticImages(20, { seed: 3 });
    const c = syntheticImages(20, { seed: 4 });
    expect(a.imageShape).toEqual([32, 32, 3]);
    expect(Array.from(a.pixels)).toEqual(Array.from(b.pixels));
    expect(Array.from(a.pixels)).not.toEqual(Array.from(c.pixels));
    expect(a.labelCounts()).toEqual(new Array(10).fill(2));
  });

  it("draws each class's square in its own place and colour", () => {
    const ds = syntheticImages(10, { seed: 1, noise: 0 });
    const centres = new Set<string>();
    const colours = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const label = ds.labels[i] ?? -1;
      const [top, left, side] = syntheticSquare(label, 10, 32, 32);
      const y = top + Math.floor(side / 2);
      const x = left + Math.floor(side / 2);
      centres.add(`${y},${x}`);
      const colour = [0, 1, 2].map((c) => byteAt(ds, i, y, x, c));
      colours.add(colour.join());
      expect(Math.max(...colour)).toBeGreaterThan(200); // a bright square on a dark background
      // outside the square: background
      const outside = top === 0 ? top + side : 0;
      expect([0, 1, 2].map((c) => byteAt(ds, i, outside, x, c))).toEqual([16, 16, 16]);
    }
    expect(centres.size).toBe(10);
    expect(colours.size).toBe(10);
  });

  it("makes grey and other shapes too, whose batches have that shape", () => {
    const grey = syntheticImages(5, { height: 28, width: 28, channels: 1, numClasses: 5, seed: 2, range: "[0,1]" });
    expect(grey.imageShape).toEqual([28, 28, 1]);
    const batch = grey.batch([0, 1, 2]);
    expect(batch.images.shape).toEqual([3, 28, 28, 1]);
    expect(batch.oneHot.shape).toEqual([3, 5]);
    batch.dispose();
    const odd = syntheticImages(3, { height: 8, width: 12, channels: 4 });
    expect(odd.imageShape).toEqual([8, 12, 4]);
    expect(odd.pixels.length).toBe(3 * 8 * 12 * 4);
  });
});

describe("image sets with channels", () => {
  it("imageSet, takeImages, sampleImageSet and imageSetBatch keep whole RGB images", () => {
    const pixels = Uint8Array.from({ length: 5 * 2 * 2 * 3 }, (_, i) => i);
    const set = imageSet(pixels, { height: 2, width: 2, channels: 3, name: "rgb" });
    expect([set.size, set.channels]).toEqual([5, 3]);
    const two = takeImages(set, 2);
    expect([two.size, two.channels, two.pixels.length]).toEqual([2, 3, 24]);
    const sampled = sampleImageSet(set, 3, 1);
    expect([sampled.size, sampled.channels, sampled.pixels.length]).toEqual([3, 3, 36]);
    // every sampled image is one whole original image (its first byte is a multiple of 12)
    for (let i = 0; i < 3; i++) {
      const start = sampled.pixels[i * 12] ?? -1;
      expect(start % 12).toBe(0);
      expect(Array.from(sampled.pixels.subarray(i * 12, (i + 1) * 12))).toEqual(Array.from(pixels.subarray(start, start + 12)));
    }
    const batch = imageSetBatch(set, 1, 3);
    expect(batch.shape).toEqual([2, 2, 2, 3]);
    expect(batch.dataSync()[0]).toBeCloseTo(12 / 255, 6);
    batch.dispose();
    expect(() => imageSet(new Uint8Array(13), { height: 2, width: 2, channels: 3, name: "odd" })).toThrow(
      "imageSet odd: 13 bytes are not whole 2x2x3 images (expected a multiple of 12)",
    );
    expect(() => imageSet(new Uint8Array(12), { channels: 0, name: "z" })).toThrow("imageSet z: options.channels must be a positive integer, found 0");
  });

  it("imageSetFromTensor keeps the tensor's channels; a Dataset is an ImageSet", () => {
    const t = tf.tensor4d([0, 0.5, 1, 1, 0.5, 0], [1, 1, 2, 3]);
    const set = imageSetFromTensor(t, "[0,1]");
    t.dispose();
    expect([set.size, set.height, set.width, set.channels]).toEqual([1, 1, 2, 3]);
    expect(Array.from(set.pixels)).toEqual([0, 128, 255, 255, 128, 0]);
    const ds = syntheticImages(4, { height: 4, width: 4, channels: 3 });
    expect(takeImages(ds, 2).pixels.length).toBe(2 * 48);
  });
});
