import { InvalidArgumentError } from "../errors.js";

/**
 * A row-major matrix of float64 values: one row per image, e.g. an oracle's 128 features of each
 * of 10,000 images. Every metric takes its features in this form, so any feature extractor
 * (gen-mnist's oracles, your own classifier, Inception features computed elsewhere) plugs in.
 */
export interface FeatureMatrix {
  /** Number of rows (images). */
  readonly rows: number;
  /** Number of columns (feature dimensions). */
  readonly cols: number;
  /** `rows * cols` values, row after row. */
  readonly data: Float64Array;
}

/**
 * Makes a {@link FeatureMatrix} from rows of numbers or from a flat array with its shape.
 *
 * @throws {@link InvalidArgumentError} when rows differ in length or the shape does not fit.
 *
 * @example
 * ```ts
 * const a = featureMatrix([[0, 1], [2, 3]]);
 * const b = featureMatrix(new Float32Array(6), 3, 2);
 * ```
 */
export function featureMatrix(values: readonly (readonly number[])[]): FeatureMatrix;
export function featureMatrix(values: ArrayLike<number>, rows: number, cols: number): FeatureMatrix;
export function featureMatrix(values: ArrayLike<number> | readonly (readonly number[])[], rows?: number, cols?: number): FeatureMatrix {
  if (rows === undefined || cols === undefined) {
    const list = values as readonly (readonly number[])[];
    const width = list[0]?.length ?? 0;
    const data = new Float64Array(list.length * width);
    list.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new InvalidArgumentError(`featureMatrix: row ${i} has ${Array.isArray(row) ? row.length : "no"} values, row 0 has ${width}`);
      }
      data.set(row, i * width);
    });
    return { rows: list.length, cols: width, data };
  }
  const flat = values as ArrayLike<number>;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || flat.length !== rows * cols) {
    throw new InvalidArgumentError(`featureMatrix: ${flat.length} values cannot be a ${rows}x${cols} matrix`);
  }
  return { rows, cols, data: Float64Array.from(flat) };
}

/**
 * Checks that `m` is a well-formed feature matrix of at least `minRows` rows with finite values.
 * @internal
 */
export function checkFeatures(owner: string, what: string, m: FeatureMatrix, minRows: number): void {
  if (m === null || typeof m !== "object" || !(m.data instanceof Float64Array) || !Number.isInteger(m.rows) || !Number.isInteger(m.cols)) {
    throw new InvalidArgumentError(`${owner}: ${what} must be a FeatureMatrix { rows, cols, data: Float64Array } (see featureMatrix())`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new InvalidArgumentError(`${owner}: ${what} has ${m.data.length} values, expected rows * cols = ${m.rows * m.cols}`);
  }
  if (m.rows < minRows) {
    throw new InvalidArgumentError(`${owner}: ${what} needs at least ${minRows} rows (images), found ${m.rows}`);
  }
  if (m.cols < 1) throw new InvalidArgumentError(`${owner}: ${what} has no columns`);
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new InvalidArgumentError(`${owner}: ${what} holds ${m.data[i]} at row ${Math.floor(i / m.cols)}, column ${i % m.cols}; expected finite values`);
    }
  }
}

/** Throws unless both matrices have the same number of columns. @internal */
export function checkSameCols(owner: string, a: FeatureMatrix, aName: string, b: FeatureMatrix, bName: string): void {
  if (a.cols !== b.cols) {
    throw new InvalidArgumentError(`${owner}: ${aName} has ${a.cols} feature dimensions, ${bName} has ${b.cols}; both must come from the same feature extractor`);
  }
}

/** The rows at `indices`, in that order. @internal */
export function selectRows(m: FeatureMatrix, indices: ArrayLike<number>): FeatureMatrix {
  const data = new Float64Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] ?? 0;
    data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { rows: indices.length, cols: m.cols, data };
}

/** Squared Euclidean norm of every row. @internal */
export function rowSquaredNorms(m: FeatureMatrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let j = i * m.cols, e = j + m.cols; j < e; j++) s += (m.data[j] ?? 0) ** 2;
    out[i] = s;
  }
  return out;
}
