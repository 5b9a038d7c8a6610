import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { decodePng, imageGrid, useBackend, writePng } from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

describe("imageGrid and PNG", () => {
  it("lays images out row by row and decodes back to the same pixels", async () => {
    // image i is uniformly i/5 in [0,1]
    const values = Array.from({ length: 6 }, (_, i) => new Array(4 * 3).fill(i / 5)).flat();
    const images = tf.tensor4d(values, [6, 4, 3, 1]);
    const grid = imageGrid(images, { rows: 2, cols: 3, padding: 1, range: "[0,1]", background: 10 });
    images.dispose();
    expect(grid.width).toBe(3 * (3 + 1) + 1);
    expect(grid.height).toBe(2 * (4 + 1) + 1);
    const dir = await mkdtemp(join(tmpdir(), "gen-mnist-png-"));
    await writePng(join(dir, "g.png"), grid);
    const back = decodePng(await readFile(join(dir, "g.png")));
    expect(back.width).toBe(13);
    expect(back.height).toBe(11);
    expect(back.pixels).toEqual(grid.pixels);
    expect(back.pixels[0]).toBe(10); // padding
    const at = (row: number, col: number): number => back.pixels[(1 + row * 5 + 1) * 13 + 1 + col * 4 + 1] ?? -1;
    expect([at(0, 0), at(0, 1), at(0, 2), at(1, 0), at(1, 1), at(1, 2)]).toEqual(
      [0, 1, 2, 3, 4, 5].map((i) => Math.round((i / 5) * 255)),
    );
  });

  it("maps [-1,1] to 0..255 and clips", () => {
    const grid = imageGrid(tf.tensor4d([-1, 0, 1, 3], [1, 2, 2, 1]), { padding: 0 });
    expect(Array.from(grid.pixels)).toEqual([0, 128, 255, 255]);
  });

  it("rejects a wrong shape and a grid too small", () => {
    expect(() => imageGrid(tf.zeros([2, 4, 4, 2]))).toThrow("imageGrid: images must have shape [n, h, w, 1] (grey), [n, h, w, 3] (RGB) or [n, h, w], found [2, 4, 4, 2]: 2 channels, expected 1 or 3");
    expect(() => imageGrid(tf.zeros([5, 4, 4, 1]), { rows: 2, cols: 2 })).toThrow("a 2x2 grid cannot hold 5 images");
  });
});
