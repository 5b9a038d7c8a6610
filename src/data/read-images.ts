import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import { GenMnistError } from "../errors.js";
import { decodePng } from "../image/grid.js";
import { DataNotFoundError } from "./mnist.js";
import { readIdx } from "./idx.js";
import { imageSet, type ImageSet } from "./image-set.js";

/**
 * Reads images written by any framework, to evaluate them: an IDX file of `[n, h, w]` (or
 * `[n, h, w, 1]`) uint8 pixels (raw or gzip; float32/float64 files with values in [0, 1] are
 * quantised to bytes), or a folder of PNG files (read in name order; colour is averaged to grey).
 * Black background, as MNIST.
 *
 * @throws {@link DataNotFoundError} when the path does not exist or a folder holds no PNG;
 *   {@link IdxFormatError} on a corrupt IDX file; {@link InvalidArgumentError} on images of
 *   mixed sizes, an IDX file of another shape or type, or float values outside [0, 1].
 *
 * @example
 * ```ts
 * const samples = await readImageSet("pytorch-samples-idx3-ubyte.gz");
 * const report = await evaluate(samples);
 * ```
 */
export async function readImageSet(path: string): Promise<ImageSet> {
  if (!existsSync(path)) throw new DataNotFoundError(`readImageSet: ${path} does not exist`);
  return statSync(path).isDirectory() ? readPngFolder(path) : readIdxImages(path);
}

async function readIdxImages(path: string): Promise<ImageSet> {
  const idx = await readIdx(path);
  const dims = idx.dims;
  const shapeOk = (dims.length === 3 || (dims.length === 4 && dims[3] === 1)) && dims.every((d) => d > 0);
  if (!shapeOk) {
    throw new InvalidArgumentError(`readImageSet: ${path} holds an array of shape [${dims.join(", ")}]; expected grey images [n, h, w] or [n, h, w, 1]`);
  }
  const [, height = 0, width = 0] = dims;
  const name = basename(path);
  if (idx.dtype === "uint8") return imageSet(idx.data as Uint8Array, { height, width, name });
  if (idx.dtype !== "float32" && idx.dtype !== "float64") {
    throw new InvalidArgumentError(`readImageSet: ${path} holds ${idx.dtype} values; expected uint8 pixels (0..255) or float pixels in [0, 1]`);
  }
  const pixels = new Uint8Array(idx.data.length);
  for (let i = 0; i < idx.data.length; i++) {
    const v = idx.data[i] ?? Number.NaN;
    if (!(v >= 0 && v <= 1)) {
      throw new InvalidArgumentError(`readImageSet: ${path} value ${i} is ${v}; float pixels must be in [0, 1] (black background, as MNIST)`);
    }
    pixels[i] = Math.round(v * 255);
  }
  return imageSet(pixels, { height, width, name });
}

async function readPngFolder(dir: string): Promise<ImageSet> {
  const names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith(".png")).sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  if (names.length === 0) throw new DataNotFoundError(`readImageSet: ${dir} holds no .png files`);
  // one file at a time: a folder of 10,000 PNGs must not open 10,000 files at once
  const images: { name: string; image: ReturnType<typeof decodePng> }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let image: ReturnType<typeof decodePng>;
    try {
      image = decodePng(await readFile(path), { channels: 1 });
    } catch (err) {
      // pngjs throws plain Errors (and RangeErrors for absurd sizes): name the file
      throw new GenMnistError(`readImageSet: ${path} is not a readable PNG (${err instanceof Error ? err.message : String(err)})`);
    }
    images.push({ name, image });
  }
  const first = images[0]?.image;
  const height = first?.height ?? 0;
  const width = first?.width ?? 0;
  const pixels = new Uint8Array(images.length * height * width);
  images.forEach(({ name, image }, i) => {
    if (image.height !== height || image.width !== width) {
      throw new InvalidArgumentError(`readImageSet: ${join(dir, name)} is ${image.width}x${image.height}, the first PNG is ${width}x${height}; every image must have one size`);
    }
    pixels.set(image.pixels, i * height * width);
  });
  return imageSet(pixels, { height, width, name: basename(dir) });
}
