import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { IdxFormatError, InvalidArgumentError, loadIdxDataset, useBackend, writeIdx } from "../../src/index.js";

let root: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "gen-mnist-idx-channels-"));
});

/** A fresh folder under the test's temp dir. */
async function folder(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  return dir;
}

describe("loadIdxDataset with images of any shape", () => {
  it("loads a rank-4 [n, h, w, 3] image file (channels last) with its labels", async () => {
    const dir = await folder("rgb");
    const [n, h, w, c] = [5, 4, 3, 3];
    const pixels = Uint8Array.from({ length: n * h * w * c }, (_, i) => (i * 37) % 256);
    const labels = Uint8Array.of(3, 1, 4, 1, 5);
    await writeIdx(join(dir, "train-images-idx4-ubyte"), { dtype: "uint8", dims: [n, h, w, c], data: pixels });
    await writeIdx(join(dir, "train-labels-idx1-ubyte"), { dtype: "uint8", dims: [n], data: labels });
    const ds = await loadIdxDataset(dir, "tiny-rgb", { range: "[0,1]" });
    expect(ds.name).toBe("tiny-rgb/train");
    expect([ds.size, ds.height, ds.width, ds.channels]).toEqual([5, 4, 3, 3]);
    expect(ds.imageShape).toEqual([4, 3, 3]);
    expect(Array.from(ds.pixels)).toEqual(Array.from(pixels));
    expect(Array.from(ds.labels)).toEqual(Array.from(labels));
    const batch = ds.batch([2, 4]);
    expect(batch.images.shape).toEqual([2, 4, 3, 3]);
    // image 4, row 3, column 1, channel 2 (HWC, as the file stores it)
    const images = batch.images.arraySync();
    expect(images[1]?.[3]?.[1]?.[2]).toBeCloseTo((pixels[((4 * h + 3) * w + 1) * c + 2] ?? -1) / 255, 6);
    expect(Array.from(batch.labels.dataSync())).toEqual([4, 5]);
    batch.dispose();
    // limit keeps the shape
    const two = await loadIdxDataset(dir, "tiny-rgb", { limit: 2 });
    expect([two.size, ...two.imageShape]).toEqual([2, 4, 3, 3]);
    expect(Array.from(two.pixels)).toEqual(Array.from(pixels.subarray(0, 2 * h * w * c)));
  });

  it("reads gzip rank-4 files under MNIST's idx3 names, and rank-3 files of any size as grey", async () => {
    const dir = await folder("mixed");
    const rgb = Uint8Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i);
    await writeIdx(join(dir, "t10k-images-idx3-ubyte.gz"), { dtype: "uint8", dims: [2, 2, 2, 3], data: rgb }, { gzip: true });
    await writeIdx(join(dir, "t10k-labels-idx1-ubyte.gz"), { dtype: "uint8", dims: [2], data: Uint8Array.of(0, 9) }, { gzip: true });
    const test = await loadIdxDataset(dir, "m", { split: "test" });
    expect(test.imageShape).toEqual([2, 2, 3]);
    expect(Array.from(test.pixels)).toEqual(Array.from(rgb));
    const grey = Uint8Array.from({ length: 3 * 5 * 6 }, (_, i) => i);
    await writeIdx(join(dir, "train-images-idx3-ubyte"), { dtype: "uint8", dims: [3, 5, 6], data: grey });
    await writeIdx(join(dir, "train-labels-idx1-ubyte"), { dtype: "uint8", dims: [3], data: Uint8Array.of(1, 2, 3) });
    const train = await loadIdxDataset(dir, "m");
    expect(train.imageShape).toEqual([5, 6, 1]);
    const batch = train.batch([0, 1, 2]);
    expect(batch.images.shape).toEqual([3, 5, 6, 1]);
    batch.dispose();
  });

  it("names what is wrong: rank, type, empty channels, count", async () => {
    const labels = { dtype: "uint8" as const, dims: [2], data: Uint8Array.of(0, 1) };
    const rank2 = await folder("rank2");
    await writeIdx(join(rank2, "train-images-idx3-ubyte"), { dtype: "uint8", dims: [2, 9], data: new Uint8Array(18) });
    await writeIdx(join(rank2, "train-labels-idx1-ubyte"), labels);
    await expect(loadIdxDataset(rank2, "r")).rejects.toBeInstanceOf(IdxFormatError);
    await expect(loadIdxDataset(rank2, "r")).rejects.toThrow(
      "train-images-idx3-ubyte: bad IDX file: rank: expected 3 (grey images [n, height, width]) or 4 (images [n, height, width, channels]), found 2 (dims [2, 9])",
    );
    const rank5 = await folder("rank5");
    await writeIdx(join(rank5, "train-images-idx3-ubyte"), { dtype: "uint8", dims: [2, 1, 1, 1, 1], data: new Uint8Array(2) });
    await writeIdx(join(rank5, "train-labels-idx1-ubyte"), labels);
    await expect(loadIdxDataset(rank5, "r")).rejects.toThrow(/rank: expected 3 .* or 4 .*, found 5 \(dims \[2, 1, 1, 1, 1\]\)/);
    const floats = await folder("floats");
    await writeIdx(join(floats, "train-images-idx4-ubyte"), { dtype: "float32", dims: [2, 1, 1, 3], data: new Float32Array(6) });
    await writeIdx(join(floats, "train-labels-idx1-ubyte"), labels);
    await expect(loadIdxDataset(floats, "r")).rejects.toThrow("train-images-idx4-ubyte: bad IDX file: data type: expected uint8, found float32");
    const empty = await folder("no-channels");
    await writeIdx(join(empty, "train-images-idx4-ubyte"), { dtype: "uint8", dims: [2, 2, 2, 0], data: new Uint8Array(0) });
    await writeIdx(join(empty, "train-labels-idx1-ubyte"), labels);
    await expect(loadIdxDataset(empty, "r")).rejects.toThrow("bad IDX file: dimensions: expected positive height, width and channels, found dims [2, 2, 2, 0]");
    const count = await folder("count");
    await writeIdx(join(count, "train-images-idx4-ubyte"), { dtype: "uint8", dims: [3, 1, 1, 3], data: new Uint8Array(9) });
    await writeIdx(join(count, "train-labels-idx1-ubyte"), labels);
    await expect(loadIdxDataset(count, "r")).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(loadIdxDataset(count, "r")).rejects.toThrow("load r: train images hold 3 examples but labels hold 2");
    // the search names both image file kinds
    await expect(loadIdxDataset(await folder("nothing"), "r")).rejects.toThrow(/looked for train-images-idx3-ubyte, .*train-images-idx4-ubyte/);
  });
});
