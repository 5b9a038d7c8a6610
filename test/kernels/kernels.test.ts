import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GEN_MNIST_BACKEND, setKernelThreads, useBackend } from "../../src/index.js";
import { WasmKernels } from "../../src/kernels/module.js";
import { setMinFlopsPerThread } from "../../src/kernels/partition.js";

// Every gen-mnist kernel against tfjs's cpu kernels, on the same inputs.

type Op = () => tf.Tensor | tf.Tensor[];

/** Runs `op` on the cpu backend and on gen-mnist's; checks the outputs' shapes and dtypes agree and returns their values. */
async function onBoth(op: Op): Promise<[Float32Array[], Float32Array[]]> {
  const results: Float32Array[][] = [];
  const kinds: string[][] = [];
  for (const backend of ["cpu", GEN_MNIST_BACKEND] as const) {
    await useBackend(backend === "cpu" ? "cpu" : "gen-mnist");
    const out = tf.tidy(op);
    const list = Array.isArray(out) ? out : [out];
    results.push(list.map((t) => Float32Array.from(t.dataSync())));
    kinds.push(list.map((t) => `${t.dtype}[${t.shape.join(",")}]`));
    tf.dispose(list);
  }
  expect(kinds[1]).toEqual(kinds[0]);
  return [results[0] ?? [], results[1] ?? []];
}

/**
 * Every output within 1e-4 relative error. The error is relative to the output's largest value,
 * or, where `scales` gives one, to each element's own scale: a sum of products with cancellation
 * (a dot product near 0) is only as exact as the sum of its terms' magnitudes, whatever adds it up.
 */
function expectClose(want: Float32Array[], got: Float32Array[], scales: (Float32Array | undefined)[] = []): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i] ?? new Float32Array();
    expect(g.length).toBe(w.length);
    const largest = w.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-3);
    for (let j = 0; j < w.length; j++) {
      const scale = Math.max(scales[i]?.[j] ?? largest, 1e-3);
      const diff = Math.abs((g[j] ?? Number.NaN) - (w[j] ?? 0));
      if (!(diff <= 1e-4 * scale)) expect.fail(`output ${i}[${j}]: ${g[j]} vs ${w[j]} (relative error ${diff / scale})`);
    }
  });
}

/** kernels.c's default im2col limit per thread, in floats. */
const DEFAULT_COLS_LIMIT = 1 << 20;

const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);

// Once on one thread, once on three with every kernel split however small (so every split path
// runs: rows, columns, uneven image ranges, more threads than images) and convolutions done one
// image at a time (the chunking that bounds their memory on large batches).
describe.each([1, 3])("on %i kernel thread(s)", (threads) => {
  let previousMinFlops = 0;
  let workerCallsBefore = 0;
  beforeAll(async () => {
    setKernelThreads(threads);
    previousMinFlops = setMinFlopsPerThread(threads > 1 ? 0 : Number.POSITIVE_INFINITY);
    expect(await WasmKernels.get().startThreads()).toBe(threads);
    workerCallsBefore = WasmKernels.get().workerCalls;
    if (threads > 1) WasmKernels.get().setColsLimit(1);
  });
  afterAll(() => {
    setKernelThreads("auto");
    setMinFlopsPerThread(previousMinFlops);
    WasmKernels.get().setColsLimit(DEFAULT_COLS_LIMIT);
  });

  describe("gen-mnist GEMM kernels match tfjs cpu", () => {
    it("matMul over shapes, batches and every transpose (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 300 }),
          fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(),
          async (batch, m, n, k, ta, tb, broadcastB, seed) => {
            const aShape = ta ? [batch, k, m] : [batch, m, k];
            const bBatch = broadcastB ? 1 : batch;
            const bShape = tb ? [bBatch, n, k] : [bBatch, k, n];
            const [want, got] = await onBoth(() => {
              const a = tf.tensor(values(batch * m * k, seed), aShape);
              const b = tf.tensor(values(bBatch * k * n, seed + 1), bShape);
              // and sum |a||b| of each entry: the scale its rounding error is relative to
              return [tf.matMul(a, b, ta, tb), tf.matMul(tf.abs(a), tf.abs(b), ta, tb)];
            });
            expectClose(want, got, [want[1]]);
          },
        ),
        // a dot product of 256 terms that cancels to 0.007: correct to 2e-4 of itself only
        { numRuns: 40, examples: [[1, 1, 3, 256, false, false, false, 0]] },
      );
    });

    it("fused matMul with bias (per column or scalar) and each activation, split by rows and by columns", async () => {
      for (const [m, k, n] of [[6, 5, 4], [3, 7, 37]] as const) {
        for (const scalarBias of [false, true]) {
          for (const activation of ["linear", "relu", "relu6", "elu", "leakyrelu", "sigmoid", "prelu"] as const) {
            const [want, got] = await onBoth(() =>
              tf.fused.matMul({
                a: tf.tensor2d(values(m * k, 1), [m, k]),
                b: tf.tensor2d(values(k * n, 2), [k, n]),
                bias: scalarBias ? tf.scalar(0.7) : tf.tensor1d(values(n, 3)),
                activation,
                leakyreluAlpha: 0.3,
                ...(activation === "prelu" ? { preluActivationWeights: tf.tensor1d(values(n, 4)) } : {}),
              }),
            );
            expectClose(want, got);
          }
        }
      }
    });
  });

  const convCase = fc.record({
    batch: fc.integer({ min: 1, max: 5 }),
    height: fc.integer({ min: 3, max: 10 }),
    width: fc.integer({ min: 3, max: 10 }),
    inC: fc.integer({ min: 1, max: 5 }),
    outC: fc.integer({ min: 1, max: 6 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    pad: fc.constantFrom<"same" | "valid" | 1>("same", "valid", 1),
    seed: fc.integer(),
  });

  describe("gen-mnist convolution kernels match tfjs cpu", () => {
    it("conv2d forward, dilated too (property)", async () => {
      await fc.assert(
        fc.asyncProperty(convCase, fc.integer({ min: 1, max: 2 }), async (c, dilation) => {
          const d = c.stride === 1 ? dilation : 1; // tfjs allows dilation only with stride 1
          // a dilated filter wider than a "valid" input has no output; tfjs returns garbage shapes there
          fc.pre(c.pad !== "valid" || (c.kernel - 1) * d + 1 <= Math.min(c.height, c.width));
          const [want, got] = await onBoth(() => {
            const x = tf.tensor4d(values(c.batch * c.height * c.width * c.inC, c.seed), [c.batch, c.height, c.width, c.inC]);
            const w = tf.tensor4d(values(c.kernel * c.kernel * c.inC * c.outC, c.seed + 1), [c.kernel, c.kernel, c.inC, c.outC]);
            // and the same on |x|, |w|: each output's sum of term magnitudes, its error scale
            return [tf.conv2d(x, w, c.stride, c.pad, "NHWC", d), tf.conv2d(tf.abs(x), tf.abs(w), c.stride, c.pad, "NHWC", d)];
          });
          expectClose(want, got, [want[1]]);
        }),
        { numRuns: 40 },
      );
    });

    it("conv2d backprop input and filter, via gradients and conv2dTranspose (property)", async () => {
      await fc.assert(
        fc.asyncProperty(convCase, async (c) => {
          const [want, got] = await onBoth(() => {
            const x = tf.tensor4d(values(c.batch * c.height * c.width * c.inC, c.seed), [c.batch, c.height, c.width, c.inC]);
            const w = tf.tensor4d(values(c.kernel * c.kernel * c.inC * c.outC, c.seed + 1), [c.kernel, c.kernel, c.inC, c.outC]);
            const y = tf.conv2d(x, w, c.stride, c.pad);
            const dy = tf.tensor(values(y.size, c.seed + 2), y.shape);
            const { grads } = { grads: tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad), dy)))([x, w]) };
            const transposed = tf.conv2dTranspose(dy as tf.Tensor4D, w, [c.batch, c.height, c.width, c.inC], c.stride, c.pad);
            // the same on |x|, |w|, |dy|: each output's sum of term magnitudes, its error scale
            const [ax, aw, ady] = [tf.abs(x), tf.abs(w), tf.abs(dy)];
            const absGrads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad), ady)))([ax, aw]);
            return [...grads, transposed, ...absGrads];
          });
          expectClose(want.slice(0, 3), got.slice(0, 3), [want[3], want[4], want[3]]);
        }),
        { numRuns: 40 },
      );
    });

    it("fused conv2d with bias and each activation", async () => {
      for (const activation of ["linear", "relu", "relu6", "elu", "leakyrelu", "sigmoid", "prelu"] as const) {
        const [want, got] = await onBoth(() =>
          tf.fused.conv2d({
            x: tf.tensor4d(values(3 * 6 * 6 * 3, 4), [3, 6, 6, 3]),
            filter: tf.tensor4d(values(3 * 3 * 3 * 5, 5), [3, 3, 3, 5]),
            strides: 2,
            pad: "same",
            bias: tf.tensor1d([0.1, -0.2, 0.3, 0, 1.5]),
            activation,
            leakyreluAlpha: 0.2,
            ...(activation === "prelu" ? { preluActivationWeights: tf.tensor1d(values(5, 6)) } : {}),
          }),
        );
        expectClose(want, got);
      }
    });
  });

  describe("gen-mnist elementwise kernels match tfjs cpu", () => {
    it("leakyRelu, greater (same shape or against one value), select and leakyRelu's gradient (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(),
          async (shape, alpha, seed) => {
            const n = shape.reduce((a, b) => a * b, 1);
            const [want, got] = await onBoth(() => {
              const x = tf.tensor(values(n, seed), shape);
              const y = tf.tensor(values(n, seed + 1), shape);
              const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, alpha), y)))(x);
              const higherRank = tf.cast(tf.greater(x, tf.tensor([0.5], [1, 1, 1, 1, 1])), "float32"); // broadcasts to rank 5
              return [tf.leakyRelu(x, alpha), tf.cast(tf.greater(x, y), "float32"), tf.cast(tf.greater(x, 0.5), "float32"), tf.where(tf.greater(x, y), x, y), dx, higherRank];
            });
            expectClose(want, got);
          },
        ),
        { numRuns: 40 },
      );
    });

    it("sum over every axis but the last (a bias gradient), keepDims or not, and other sums (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }), fc.integer({ min: 1, max: 70 }), fc.boolean(), fc.integer(),
          async (lead, cols, keepDims, seed) => {
            const shape = [...lead, cols];
            const rank = shape.length;
            const [want, got] = await onBoth(() => {
              // positive values: a sum with cancellation is ill-conditioned, whichever kernel adds it up
              const x = tf.tensor(values(shape.reduce((a, b) => a * b, 1), seed).map(Math.abs), shape);
              const allButLast = Array.from({ length: rank - 1 }, (_, i) => i);
              return [
                tf.sum(x, allButLast, keepDims),
                tf.sum(x, allButLast.map((a) => a - rank).reverse(), keepDims), // negative axes, any order
                tf.sum(x, [0], keepDims), // not ours: tfjs's kernel
                tf.sum(x),
              ];
            });
            expectClose(want, got);
          },
        ),
        { numRuns: 40 },
      );
    });

    it("leakyRelu keeps NaN and the sign of zero", async () => {
      const [want, got] = await onBoth(() => tf.leakyRelu(tf.tensor1d([Number.NaN, -0, 0, -3, 3]), 0.1));
      expect(Array.from(got[0] ?? [])).toEqual(Array.from(want[0] ?? []));
      expect(Object.is(got[0]?.[1], -0)).toBe(true);
    });
  });

  describe("gen-mnist float64 dot products (the metrics' GEMM)", () => {
    it("dotProducts64 equals a plain float64 loop to rounding (property)", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 600 }), fc.integer(), (m, n, k, seed) => {
          const a = Float64Array.from(values(m * k, seed));
          const b = Float64Array.from(values(n * k, seed + 1));
          const got = WasmKernels.get().dotProducts64(a, b, m, n, k);
          expect(got.length).toBe(m * n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let want = 0;
              let magnitude = 0;
              for (let p = 0; p < k; p++) {
                want += (a[i * k + p] ?? 0) * (b[j * k + p] ?? 0);
                magnitude += Math.abs((a[i * k + p] ?? 0) * (b[j * k + p] ?? 0));
              }
              const diff = Math.abs((got[i * n + j] ?? Number.NaN) - want);
              if (!(diff <= 1e-13 * Math.max(magnitude, 1e-300))) expect.fail(`C[${i}][${j}] = ${got[i * n + j]}, expected ${want}`);
            }
          }
        }),
        { numRuns: 40 },
      );
    });
  });

  it(threads > 1 ? "worker threads computed part of every result above" : "no worker thread was used", () => {
    const used = WasmKernels.get().workerCalls - workerCallsBefore;
    if (threads > 1) expect(used).toBeGreaterThan(0);
    else expect(used).toBe(0);
  });
});
