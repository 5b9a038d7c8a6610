import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { decodePng, encodePng, imageGrid, InvalidArgumentError, readImageSet, reconstructionStrip, useBackend, writePng, type GrayImage } from "../../src/index.js";
import type { GridImage } from "../../src/image/grid.js";
import { syntheticImages } from "../helpers.js";

let dir: string;
beforeAll(async () => {
  await useBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "gen-mnist-rgb-"));
});

/** The PNG colour type byte of IHDR (after the 8-byte signature, 4 length, 4 type, 4 width, 4 height, 1 depth). */
const pngColorType = (bytes: Uint8Array): number => bytes[25] ?? -1;

/** The bytes of pixel (x, y) of a picture, one per channel. */
const pixelAt = (image: GridImage, x: number, y: number): number[] =>
  Array.from(image.pixels.subarray((y * image.width + x) * image.channels, (y * image.width + x + 1) * image.channels));

describe("imageGrid of RGB images", () => {
  it("lays [n, h, w, 3] images out with their colours, background in every channel", () => {
    // image i is uniformly (i/5, 1 - i/5, 0.2) in [0, 1]
    const values = Array.from({ length: 6 }, (_, i) => Array.from({ length: 4 * 3 }, () => [i / 5, 1 - i / 5, 0.2]).flat()).flat();
    const images = tf.tensor4d(values, [6, 4, 3, 3]);
    const grid = imageGrid(images, { rows: 2, cols: 3, padding: 1, range: "[0,1]", background: 10 });
    images.dispose();
    expect([grid.width, grid.height, grid.channels]).toEqual([13, 11, 3]);
    expect(grid.pixels.length).toBe(13 * 11 * 3);
    expect(pixelAt(grid, 0, 0)).toEqual([10, 10, 10]);
    for (let i = 0; i < 6; i++) {
      const row = Math.floor(i / 3);
      const col = i % 3;
      // the last pixel of each image: its colour, not a neighbour's or the background
      const expected = [Math.round((i / 5) * 255), Math.round((1 - i / 5) * 255), 51];
      expect(pixelAt(grid, 1 + col * 4 + 2, 1 + row * 5 + 3)).toEqual(expected);
      expect(pixelAt(grid, 1 + col * 4, 1 + row * 5)).toEqual(expected);
      expect(pixelAt(grid, 1 + col * 4 + 3, 1 + row * 5)).toEqual([10, 10, 10]); // padding right of it
    }
  });

  it("keeps each pixel's channels together (a pattern varying within the image)", () => {
    const ds = syntheticImages(4, { height: 6, width: 5, channels: 3, seed: 9, range: "[0,1]" });
    const batch = ds.batch([0, 1, 2, 3]);
    const grid = imageGrid(batch.images, { rows: 1, cols: 4, padding: 0, range: "[0,1]" });
    batch.dispose();
    expect([grid.width, grid.height, grid.channels]).toEqual([20, 6, 3]);
    for (const [i, y, x] of [[0, 0, 0], [1, 2, 3], [3, 5, 4], [2, 4, 1]] as const) {
      const start = ((i * 6 + y) * 5 + x) * 3;
      expect(pixelAt(grid, i * 5 + x, y)).toEqual(Array.from(ds.pixels.subarray(start, start + 3)));
    }
  });

  it("grey grids say channels 1, and the deprecated GrayImage name still types them", () => {
    const grey: GrayImage = imageGrid(tf.tensor4d([0, 1], [1, 1, 2, 1]), { padding: 0, range: "[0,1]" });
    expect(grey.channels).toBe(1);
    expect(Array.from(grey.pixels)).toEqual([0, 255]);
    const rank3 = imageGrid(tf.tensor3d([0, 1], [1, 1, 2]), { padding: 0, range: "[0,1]" });
    expect(rank3.channels).toBe(1);
  });

  it("rejects other channel counts with the shape in the message", () => {
    for (const shape of [[2, 4, 4, 2], [2, 4, 4, 4], [1, 2, 2, 0]]) {
      const t = tf.zeros(shape);
      expect(() => imageGrid(t)).toThrow(InvalidArgumentError);
      expect(() => imageGrid(t)).toThrow(`imageGrid: images must have shape [n, h, w, 1] (grey), [n, h, w, 3] (RGB) or [n, h, w], found [${shape.join(", ")}]: ${shape[3]} channels, expected 1 or 3`);
      t.dispose();
    }
    const flat = tf.zeros([4, 16]);
    expect(() => imageGrid(flat)).toThrow("imageGrid: images must have shape [n, h, w, 1] (grey), [n, h, w, 3] (RGB) or [n, h, w], found [4, 16]");
    flat.dispose();
  });
});

describe("PNG of RGB and grey pictures", () => {
  it("an RGB grid written then decoded gives back the same pixels and 3 channels", async () => {
    const ds = syntheticImages(6, { height: 8, width: 8, channels: 3, seed: 5 });
    const batch = ds.batch([0, 1, 2, 3, 4, 5]);
    const grid = imageGrid(batch.images, { cols: 3 });
    batch.dispose();
    expect(grid.channels).toBe(3);
    const path = join(dir, "rgb.png");
    await writePng(path, grid);
    const bytes = await readFile(path);
    expect(pngColorType(bytes)).toBe(2);
    const back = decodePng(bytes);
    expect([back.width, back.height, back.channels]).toEqual([grid.width, grid.height, 3]);
    expect(back.pixels).toEqual(grid.pixels);
  });

  it("grey pictures stay grey PNGs (colour type 0), with or without channels", () => {
    const pixels = Uint8Array.of(0, 50, 100, 150, 200, 250);
    const explicit = encodePng({ width: 3, height: 2, channels: 1, pixels });
    const legacy = encodePng({ width: 3, height: 2, pixels });
    expect(pngColorType(explicit)).toBe(0);
    expect(legacy).toEqual(explicit);
    const back = decodePng(legacy);
    expect(back.channels).toBe(1);
    expect(Array.from(back.pixels)).toEqual(Array.from(pixels));
  });

  it("decodePng converts on request: RGB averaged to grey, grey repeated in RGB", () => {
    const rgb = encodePng({ width: 2, height: 1, channels: 3, pixels: Uint8Array.of(30, 60, 90, 255, 0, 0) });
    expect(Array.from(decodePng(rgb, { channels: 1 }).pixels)).toEqual([60, 85]);
    const grey = encodePng({ width: 2, height: 1, pixels: Uint8Array.of(7, 200) });
    const asRgb = decodePng(grey, { channels: 3 });
    expect(asRgb.channels).toBe(3);
    expect(Array.from(asRgb.pixels)).toEqual([7, 7, 7, 200, 200, 200]);
  });

  it("names a bad picture", () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 2 as 1, pixels: new Uint8Array(8) })).toThrow(
      "encodePng: a picture must have 1 (grey) or 3 (RGB) channels, found 2 (a 2x2x2 picture)",
    );
    expect(() => encodePng({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(4) })).toThrow(
      "encodePng: a 2x2 picture with 3 channels needs 12 pixel bytes, found 4 bytes",
    );
    expect(() => encodePng({ width: 0, height: 2, pixels: new Uint8Array(0) })).toThrow("encodePng: width and height must be positive integers, found 0x2");
  });

  it("readImageSet still averages a folder of colour PNGs to grey", async () => {
    const folder = await mkdtemp(join(tmpdir(), "gen-mnist-rgb-pngs-"));
    await writePng(join(folder, "a.png"), { width: 2, height: 1, channels: 3, pixels: Uint8Array.of(30, 60, 90, 255, 0, 0) });
    const set = await readImageSet(folder);
    expect([set.size, set.height, set.width, set.channels ?? 1]).toEqual([1, 1, 2, 1]);
    expect(Array.from(set.pixels)).toEqual([60, 85]);
  });
});

describe("reconstructionStrip of RGB images", () => {
  it("puts RGB inputs above their reconstructions", () => {
    const inputs = tf.tensor4d(new Array(2 * 2 * 2).fill([1, 0, 0]).flat(), [2, 2, 2, 3]);
    const recon = tf.tensor4d(new Array(2 * 2 * 2).fill([0, 0, 1]).flat(), [2, 2, 2, 3]);
    const strip = reconstructionStrip(inputs, recon, { padding: 1 });
    expect([strip.width, strip.height, strip.channels]).toEqual([2 * 3 + 1, 2 * 3 + 1, 3]);
    expect(pixelAt(strip, 1, 1)).toEqual([255, 0, 0]); // top row: inputs (red)
    expect(pixelAt(strip, 4, 5)).toEqual([0, 0, 255]); // bottom row: reconstructions (blue)
    tf.dispose([inputs, recon]);
  });

  it("rejects 2-channel images, naming the shape", () => {
    const a = tf.zeros([2, 3, 3, 2]) as tf.Tensor4D;
    expect(() => reconstructionStrip(a, a)).toThrow(InvalidArgumentError);
    expect(() => reconstructionStrip(a, a)).toThrow("reconstructionStrip: inputs must have shape [n, h, w, 1] (grey), [n, h, w, 3] (RGB) or [n, h, w], found [2, 3, 3, 2]: 2 channels, expected 1 or 3");
    a.dispose();
  });
});
