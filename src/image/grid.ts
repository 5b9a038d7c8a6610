import type * as tf from "@tensorflow/tfjs-core";
import { PNG } from "pngjs";
import { InvalidArgumentError } from "../errors.js";
import type { PixelRange } from "../data/dataset.js";
import { writeFileAtomic } from "../_internals/fs.js";
import { rangeBounds, toByte } from "../_internals/pixels.js";

/** An 8-bit grey-scale picture, row-major, 0 = black. */
export interface GrayImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** `width * height` bytes. */
  readonly pixels: Uint8Array;
}

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Rows of the grid. @defaultValue `ceil(n / cols)` */
  readonly rows?: number;
  /** Columns of the grid. @defaultValue `ceil(sqrt(n))` */
  readonly cols?: number;
  /**
   * Pixels of background between and around images.
   * @defaultValue 2
   */
  readonly padding?: number;
  /**
   * Value range of the input: `"[-1,1]"` (tanh output) or `"[0,1]"` (sigmoid output).
   * @defaultValue `"[-1,1]"` when any value is negative, else `"[0,1]"`
   */
  readonly range?: PixelRange;
  /**
   * Grey level (0..255) of the padding.
   * @defaultValue 64
   */
  readonly background?: number;
}

/**
 * Lays out a batch of grey-scale images `[n, h, w, 1]` (or `[n, h, w]`) as one picture, row by
 * row. Values are clipped to the range and scaled to 0..255. The tensor is not disposed.
 *
 * @returns the grid, `rows * (h + padding) + padding` pixels high.
 * @throws {@link InvalidArgumentError} when the tensor is not a batch of single-channel images or
 *   the grid has fewer cells than images.
 *
 * @example
 * ```ts
 * const grid = imageGrid(model.sample(64), { cols: 8 });
 * await writePng("samples.png", grid);
 * ```
 */
export function imageGrid(images: tf.Tensor, options: ImageGridOptions = {}): GrayImage {
  const shape = images.shape;
  if (!(shape.length === 4 && shape[3] === 1) && shape.length !== 3) {
    throw new InvalidArgumentError(
      `imageGrid: images must have shape [n, h, w, 1] or [n, h, w], found [${shape.join(", ")}]`,
    );
  }
  const [n = 0, h = 0, w = 0] = shape;
  const { padding = 2, background = 64 } = options;
  const cols = options.cols ?? Math.max(1, Math.ceil(Math.sqrt(n)));
  const rows = options.rows ?? Math.max(1, Math.ceil(n / cols));
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0 || rows * cols < n) {
    throw new InvalidArgumentError(
      `imageGrid: a ${rows}x${cols} grid cannot hold ${n} images; expected positive integers with rows * cols >= n`,
    );
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new InvalidArgumentError(`imageGrid: options.padding must be a non-negative integer, found ${padding}`);
  }
  const values = images.dataSync();
  let range = options.range;
  if (range === undefined) range = values.some((v) => v < 0) ? "[-1,1]" : "[0,1]";
  const [lo, hi] = rangeBounds(range);
  const width = cols * (w + padding) + padding;
  const height = rows * (h + padding) + padding;
  const pixels = new Uint8Array(width * height).fill(background);
  for (let i = 0; i < n; i++) {
    const top = padding + Math.floor(i / cols) * (h + padding);
    const left = padding + (i % cols) * (w + padding);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = values[(i * h + y) * w + x] ?? lo;
        pixels[(top + y) * width + left + x] = toByte(v, lo, hi);
      }
    }
  }
  return { width, height, pixels };
}

/** Encodes a grey-scale picture as PNG bytes (with pngjs). */
export function encodePng(image: GrayImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(image.pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** Decodes PNG bytes into a grey-scale picture (colour is averaged). */
export function decodePng(bytes: Uint8Array): GrayImage {
  const png = PNG.sync.read(Buffer.from(bytes));
  const pixels = new Uint8Array(png.width * png.height);
  for (let i = 0; i < pixels.length; i++) {
    const r = png.data[i * 4] ?? 0;
    const g = png.data[i * 4 + 1] ?? 0;
    const b = png.data[i * 4 + 2] ?? 0;
    pixels[i] = Math.round((r + g + b) / 3);
  }
  return { width: png.width, height: png.height, pixels };
}

/** Writes a picture as a PNG file atomically (temp file, then rename). */
export async function writePng(path: string, image: GrayImage): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}
