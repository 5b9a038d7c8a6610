import type * as tf from "@tensorflow/tfjs-core";
import { PNG } from "pngjs";
import { InvalidArgumentError } from "../errors.js";
import type { PixelRange } from "../data/dataset.js";
import { writeFileAtomic } from "../_internals/fs.js";
import { rangeBounds, toByte } from "../_internals/pixels.js";

/**
 * An 8-bit picture, grey or RGB, row-major with the channels of a pixel side by side
 * (`r, g, b, r, g, b, …` for colour), 0 = black.
 */
export interface GridImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Channels per pixel: 1 (grey) or 3 (RGB). */
  readonly channels: 1 | 3;
  /** `width * height * channels` bytes. */
  readonly pixels: Uint8Array;
}

/**
 * The picture type of earlier versions, when every picture was grey.
 * @deprecated Use {@link GridImage}, which also holds RGB pictures (`channels: 3`).
 */
export type GrayImage = GridImage;

/** Options of {@link decodePng}. */
export interface DecodePngOptions {
  /**
   * Channels of the result: 1 averages a colour file's red, green and blue to grey; 3 repeats a
   * grey file's level in red, green and blue.
   * @defaultValue the file's own: 1 for a grey PNG (colour types 0 and 4), 3 for a colour one (2, 3 and 6)
   */
  readonly channels?: 1 | 3;
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
 * The channels of `[n, h, w]` (1) or `[n, h, w, c]` images; throws an {@link InvalidArgumentError}
 * naming the shape unless they are 1 or 3.
 * @internal
 */
export function imageChannels(shape: readonly number[], caller: string, what = "images"): 1 | 3 {
  const channels = shape.length === 3 ? 1 : shape.length === 4 ? shape[3] : undefined;
  if (channels !== 1 && channels !== 3) {
    throw new InvalidArgumentError(
      `${caller}: ${what} must have shape [n, h, w, 1] (grey), [n, h, w, 3] (RGB) or [n, h, w], found [${shape.join(", ")}]` +
        (channels === undefined ? "" : `: ${channels} channels, expected 1 or 3`),
    );
  }
  return channels;
}

/**
 * Lays out a batch of images `[n, h, w, 1]` (grey), `[n, h, w, 3]` (RGB) or `[n, h, w]` (grey) as
 * one picture, row by row. Values are clipped to the range and scaled to 0..255. The tensor is
 * not disposed.
 *
 * @returns the grid, `rows * (h + padding) + padding` pixels high, with the images' channels.
 * @throws {@link InvalidArgumentError} when the tensor is not a batch of 1- or 3-channel images
 *   or the grid has fewer cells than images.
 *
 * @example
 * ```ts
 * const grid = imageGrid(model.sample(64), { cols: 8 });
 * await writePng("samples.png", grid); // grey or RGB, as the samples are
 * ```
 */
export function imageGrid(images: tf.Tensor, options: ImageGridOptions = {}): GridImage {
  const shape = images.shape;
  const channels = imageChannels(shape, "imageGrid");
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
  const rowBytes = w * channels;
  const pixels = new Uint8Array(width * height * channels).fill(background);
  for (let i = 0; i < n; i++) {
    const top = padding + Math.floor(i / cols) * (h + padding);
    const left = padding + (i % cols) * (w + padding);
    for (let y = 0; y < h; y++) {
      const from = (i * h + y) * rowBytes;
      const to = ((top + y) * width + left) * channels;
      for (let x = 0; x < rowBytes; x++) pixels[to + x] = toByte(values[from + x] ?? lo, lo, hi);
    }
  }
  return { width, height, channels, pixels };
}

/**
 * Checks a picture before it is encoded: positive integer size, 1 or 3 channels (left out: 1),
 * `width * height * channels` bytes.
 */
function checkPicture(image: Omit<GridImage, "channels"> & { readonly channels?: number | undefined }, caller: string): 1 | 3 {
  const { width, height, channels = 1, pixels } = image;
  if (channels !== 1 && channels !== 3) {
    throw new InvalidArgumentError(`${caller}: a picture must have 1 (grey) or 3 (RGB) channels, found ${channels} (a ${width}x${height}x${channels} picture)`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidArgumentError(`${caller}: width and height must be positive integers, found ${width}x${height}`);
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height * channels) {
    const found = pixels instanceof Uint8Array ? `${pixels.length} bytes` : "no Uint8Array";
    throw new InvalidArgumentError(
      `${caller}: a ${width}x${height} picture with ${channels} channel${channels === 1 ? "" : "s"} needs ${width * height * channels} pixel bytes, found ${found}`,
    );
  }
  return channels;
}

/**
 * Encodes a picture as PNG bytes (with pngjs): grey (PNG colour type 0) for 1 channel, RGB
 * (colour type 2) for 3. `channels` may be left out for a grey picture.
 *
 * @throws {@link InvalidArgumentError} when the channels are not 1 or 3 or the bytes do not
 *   match the size.
 */
export function encodePng(image: Omit<GridImage, "channels"> & {
  /** 1 (grey) or 3 (RGB). @defaultValue 1 */
  readonly channels?: 1 | 3 | undefined;
}): Uint8Array {
  const channels = checkPicture(image, "encodePng");
  const colorType = channels === 1 ? 0 : 2;
  const png = new PNG({ width: image.width, height: image.height, colorType, inputColorType: colorType, inputHasAlpha: false });
  png.data = Buffer.from(image.pixels);
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false });
}

/**
 * Decodes PNG bytes into a picture with the file's channels: 1 for a grey PNG, 3 for a colour
 * one (palette files included); alpha is dropped. `options.channels` converts instead.
 */
export function decodePng(bytes: Uint8Array, options: DecodePngOptions = {}): GridImage {
  const png = PNG.sync.read(Buffer.from(bytes));
  const channels = options.channels ?? (png.color ? 3 : 1);
  if (channels !== 1 && channels !== 3) {
    throw new InvalidArgumentError(`decodePng: options.channels must be 1 or 3, found ${String(channels)}`);
  }
  const count = png.width * png.height;
  const pixels = new Uint8Array(count * channels);
  for (let i = 0; i < count; i++) {
    const r = png.data[i * 4] ?? 0;
    const g = png.data[i * 4 + 1] ?? 0;
    const b = png.data[i * 4 + 2] ?? 0;
    if (channels === 1) {
      pixels[i] = Math.round((r + g + b) / 3);
    } else {
      pixels[i * 3] = r;
      pixels[i * 3 + 1] = g;
      pixels[i * 3 + 2] = b;
    }
  }
  return { width: png.width, height: png.height, channels, pixels };
}

/**
 * Writes a picture (grey or RGB, see {@link encodePng}) as a PNG file atomically (temp file, then
 * rename).
 */
export async function writePng(path: string, image: Omit<GridImage, "channels"> & {
  /** 1 (grey) or 3 (RGB). @defaultValue 1 */
  readonly channels?: 1 | 3 | undefined;
}): Promise<void> {
  await writeFileAtomic(path, encodePng(image));
}
