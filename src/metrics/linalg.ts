import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { WasmKernels } from "../kernels/module.js";
import type { FeatureMatrix } from "./matrix.js";

/**
 * Dense float64 linear algebra for the metrics, independent of tfjs's backends: products through
 * gen-mnist's own WebAssembly float64 GEMM (`dgemm_nt` in kernels/kernels.c, on every kernel
 * thread), symmetric eigendecompositions through ml-matrix.
 * @internal
 * @packageDocumentation
 */

/** Rows of a product block: bounds the memory of an `[rows, n]` block to ~64 MB for n = 10,000. */
const BLOCK_ROWS = 800;

/**
 * Calls `fn` with the dot products of rows `[start, start + rows)` of `a` with every row of `b`,
 * block after block (`rows × b.rows` values, row-major). The block is a view of the kernels'
 * memory: read it inside `fn`, it is overwritten by the next block.
 * @internal
 */
export function forEachDotBlock(a: FeatureMatrix, b: FeatureMatrix, fn: (start: number, rows: number, block: Float64Array) => void, blockRows = BLOCK_ROWS): void {
  const kernels = WasmKernels.get();
  for (let start = 0; start < a.rows; start += blockRows) {
    const rows = Math.min(blockRows, a.rows - start);
    const block = kernels.dotProducts64(a.data.subarray(start * a.cols, (start + rows) * a.cols), b.data, rows, b.rows, a.cols);
    fn(start, rows, block);
  }
}

/** `A · Bᵀ` as a new array `[a.rows, b.rows]` (for small products). @internal */
export function dotProducts(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  return Float64Array.from(WasmKernels.get().dotProducts64(a.data, b.data, a.rows, b.rows, a.cols));
}

/** Column means and the covariance matrix (divided by N − 1) of the rows of `m`. @internal */
export function meanAndCovariance(m: FeatureMatrix): { mean: Float64Array; covariance: Float64Array } {
  const { rows: n, cols: d, data } = m;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) + (data[i * d + j] ?? 0);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) / n;
  // centred and transposed: d rows of n values, so the covariance is one A·Aᵀ product
  const centredT = new Float64Array(d * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) centredT[j * n + i] = (data[i * d + j] ?? 0) - (mean[j] ?? 0);
  const scatter = WasmKernels.get().dotProducts64(centredT, centredT, d, d, n);
  const covariance = new Float64Array(d * d);
  const denominator = Math.max(1, n - 1);
  // symmetrise exactly (the two triangles are computed by the same sums, but be explicit)
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) covariance[i * d + j] = ((scatter[i * d + j] ?? 0) + (scatter[j * d + i] ?? 0)) / (2 * denominator);
  }
  return { mean, covariance };
}

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major d × d) of a symmetric matrix. @internal */
export function symmetricEigen(matrix: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const rows = Array.from({ length: d }, (_, i) => Array.from(matrix.subarray(i * d, (i + 1) * d)));
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const vectors = new Float64Array(d * d);
  const v = evd.eigenvectorMatrix;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) vectors[i * d + j] = v.get(i, j);
  return { values: Float64Array.from(evd.realEigenvalues), vectors };
}
