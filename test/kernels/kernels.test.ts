import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GEN_MNIST_BACKEND, useBackend } from "../../src/index.js";
import { setKernelThreads, type KernelModule } from "../../src/kernels/index.js";
import { WasmKernels } from "../../src/kernels/module.js";
import { batchNormTraining, seededDropout, withoutActivationMaskGradients } from "../../src/kernels/ops.js";
import { FastBatchNormalization } from "../../src/nn/batch-norm.js";
import { FusedAdamOptimizer } from "../../src/nn/optimizer.js";
import * as tfl from "@tensorflow/tfjs-layers";
import { setMinElementsPerThread, setMinFlopsPerThread, splitRange } from "../../src/kernels/partition.js";
import { ensureComparisonGradients } from "../../src/_internals/gradients.js";

// Every gen-mnist kernel against tfjs's cpu kernels, on the same inputs.

type Op = () => tf.Tensor | tf.Tensor[];

/** The kernel module and thread count the current describe block runs gen-mnist's kernels with. */
const setting: { kernels: KernelModule; threads: number } = { kernels: "relaxed", threads: 1 };

/** Runs `op` on the cpu backend and on gen-mnist's; checks the outputs' shapes and dtypes agree and returns their values. */
async function onBoth(op: Op): Promise<[Float32Array[], Float32Array[]]> {
  const results: Float32Array[][] = [];
  const kinds: string[][] = [];
  for (const backend of ["cpu", GEN_MNIST_BACKEND] as const) {
    await useBackend(backend === "cpu" ? "cpu" : "gen-mnist", setting);
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

// Both kernel modules (relaxed SIMD and plain SIMD128; the test runner enables relaxed SIMD on
// Node 20), each once on one thread and once on three with every kernel split however small (so
// every split path runs: rows, columns, uneven image ranges, more threads than images) and
// convolutions done one image at a time (the chunking that bounds their memory on large batches).
describe.each([
  ["relaxed", 1], ["relaxed", 3], ["plain", 1], ["plain", 3],
] as const)("%s kernel module on %i kernel thread(s)", (kernels, threads) => {
  let previousMinFlops = 0;
  let previousMinElements = 0;
  let workerCallsBefore = 0;
  beforeAll(async () => {
    Object.assign(setting, { kernels, threads });
    await useBackend("gen-mnist", setting);
    expect(WasmKernels.get().variant).toBe(kernels);
    previousMinFlops = setMinFlopsPerThread(threads > 1 ? 0 : Number.POSITIVE_INFINITY);
    previousMinElements = setMinElementsPerThread(threads > 1 ? 0 : Number.POSITIVE_INFINITY);
    expect(await WasmKernels.get().startThreads()).toBe(threads);
    workerCallsBefore = WasmKernels.get().workerCalls;
    if (threads > 1) WasmKernels.get().setColsLimit(1);
  });
  afterAll(() => {
    expect(WasmKernels.get().variant).toBe(kernels);
    setKernelThreads("auto");
    setMinFlopsPerThread(previousMinFlops);
    setMinElementsPerThread(previousMinElements);
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

    it("a matrix times a vector (one output column: dot products, or scaled columns for a transposed A), every transpose (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 600 }), fc.boolean(), fc.boolean(), fc.integer(),
          async (batch, m, k, ta, tb, seed) => {
            const [want, got] = await onBoth(() => {
              const a = tf.tensor(values(batch * m * k, seed), ta ? [batch, k, m] : [batch, m, k]);
              const b = tf.tensor(values(batch * k, seed + 1), tb ? [batch, 1, k] : [batch, k, 1]);
              return [tf.matMul(a, b, ta, tb), tf.matMul(tf.abs(a), tf.abs(b), ta, tb)];
            });
            expectClose(want, got, [want[1]]);
          },
        ),
        { numRuns: 30 },
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

    it("one input channel (a first layer on grey images; a generator's last, transposed) at the DCGAN's shapes and odd ones: forward with bias and activation, both gradients", async () => {
      const cases = [
        { shape: [3, 28, 28, 1], kernel: 3, outC: 32, stride: 2, pad: "same", dilation: 1 },
        { shape: [2, 9, 7, 1], kernel: 3, outC: 13, stride: 1, pad: 1, dilation: 1 },
        { shape: [2, 11, 10, 1], kernel: 5, outC: 6, stride: 2, pad: "valid", dilation: 1 },
      ] as const;
      for (const c of cases) {
        const [want, got] = await onBoth(() => {
          const x = tf.tensor4d(values(c.shape.reduce<number>((a, b) => a * b, 1), 7), [...c.shape]);
          const w = tf.tensor4d(values(c.kernel * c.kernel * c.outC, 8), [c.kernel, c.kernel, 1, c.outC]);
          const bias = tf.tensor1d(values(c.outC, 9));
          const conv = (xx: tf.Tensor, ww: tf.Tensor): tf.Tensor4D => tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.stride, c.pad, "NHWC", c.dilation);
          const y = conv(x, w);
          const dy = tf.tensor(values(y.size, 10), y.shape);
          const fused = tf.fused.conv2d({ x, filter: w, strides: c.stride, pad: c.pad, dilations: c.dilation, bias, activation: "leakyrelu", leakyreluAlpha: 0.2 });
          const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv(xx, ww), dy)))([x, w]);
          const [ax, aw, ady] = [tf.abs(x), tf.abs(w), tf.abs(dy)];
          const absGrads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(conv(xx, ww), ady)))([ax, aw]);
          return [y, fused, ...grads, conv(ax, aw), ...absGrads];
        });
        // each output against its sum of term magnitudes (the fused output against the plain one's)
        expectClose(want.slice(0, 4), got.slice(0, 4), [want[4], want[4], want[5], want[6]]);
      }
      // dilated (forward only: tfjs has no gradient for dilated convolutions)
      const [want, got] = await onBoth(() => {
        const x = tf.tensor4d(values(2 * 9 * 7, 11), [2, 9, 7, 1]);
        const w = tf.tensor4d(values(9 * 5, 12), [3, 3, 1, 5]);
        return [tf.conv2d(x, w, 1, "same", "NHWC", 2), tf.conv2d(tf.abs(x), tf.abs(w), 1, "same", "NHWC", 2)];
      });
      expectClose(want.slice(0, 1), got.slice(0, 1), [want[1]]);
    });

    it("3x3 convolutions of stride 1 run as Winograd F(2x2, 3x3): forward with bias, input and filter gradients (property)", async () => {
      const kernels = WasmKernels.get();
      const before = kernels.winogradCalls;
      const winogradCase = fc.record({
        batch: fc.integer({ min: 1, max: 3 }),
        height: fc.integer({ min: 6, max: 11 }),
        width: fc.integer({ min: 6, max: 11 }),
        inC: fc.constantFrom(8, 12, 16, 20),
        outC: fc.constantFrom(8, 12, 16, 20),
        pad: fc.constantFrom<"same" | "valid" | 1 | 2>("same", "valid", 1, 2),
        seed: fc.integer(),
      });
      await fc.assert(
        fc.asyncProperty(winogradCase, async (c) => {
          const [want, got] = await onBoth(() => {
            const x = tf.tensor4d(values(c.batch * c.height * c.width * c.inC, c.seed), [c.batch, c.height, c.width, c.inC]);
            const w = tf.tensor4d(values(9 * c.inC * c.outC, c.seed + 1), [3, 3, c.inC, c.outC]);
            const bias = tf.tensor1d(values(c.outC, c.seed + 3));
            const conv = (xx: tf.Tensor, ww: tf.Tensor): tf.Tensor4D => tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: 1, pad: c.pad, bias });
            const y = conv(x, w);
            const dy = tf.tensor(values(y.size, c.seed + 2), y.shape);
            const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, c.pad), dy)))([x, w]);
            // the same on |x|, |w|, |dy| (no bias): each output's sum of term magnitudes, its error scale
            const [ax, aw, ady] = [tf.abs(x), tf.abs(w), tf.abs(dy)];
            const absGrads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, c.pad), ady)))([ax, aw]);
            return [y, ...grads, tf.add(tf.conv2d(ax, aw, 1, c.pad), tf.abs(bias)), ...absGrads];
          });
          expectClose(want.slice(0, 3), got.slice(0, 3), [want[3], want[4], want[5]]);
        }),
        { numRuns: 25 },
      );
      // every convolution of every case took the Winograd path on gen-mnist's backend: per case, the
      // fused forward pass, tf.conv2d under the gradient and on |x|, |w|, and the input and filter
      // gradients of both gradient passes (8), so no path fell back to im2col + GEMM unnoticed
      expect(kernels.winogradCalls - before).toBe(25 * 8);
    });

    it("Winograd and im2col + GEMM give the same convolutions to float32 rounding", async () => {
      await useBackend("gen-mnist", setting);
      const kernels = WasmKernels.get();
      const run = (): Float32Array[] => tf.tidy(() => {
        const x = tf.tensor4d(values(2 * 14 * 14 * 32, 7), [2, 14, 14, 32]);
        const w = tf.tensor4d(values(9 * 32 * 64, 8), [3, 3, 32, 64]);
        const dy = tf.tensor4d(values(2 * 14 * 14 * 64, 9), [2, 14, 14, 64]);
        const grads = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, "same"), dy)))([x, w]);
        return [tf.conv2d(x, w, 1, "same"), ...grads].map((t) => Float32Array.from(t.dataSync()));
      });
      const before = kernels.winogradCalls;
      const winograd = run();
      expect(kernels.winogradCalls - before).toBe(4); // two forward passes, the input and filter gradients
      kernels.winograd = false;
      try {
        const direct = run();
        expect(kernels.winogradCalls - before).toBe(4);
        expectClose(direct, winograd);
      } finally {
        kernels.winograd = true;
      }
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
    it("concat gives tfjs's values along any axis, for any number of parts, and its gradient splits dy back (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
          fc.nat(),
          fc.integer(),
          async (shape, widths, axisSeed, seed) => {
            const axis = axisSeed % shape.length;
            const shapes = widths.map((w) => shape.map((d, i) => (i === axis ? w : d)));
            const [want, got] = await onBoth(() => {
              const parts = shapes.map((sh, i) => tf.tensor(values(sh.reduce((a, b) => a * b, 1), seed + i), sh));
              const y = tf.concat(parts, axis);
              const w = tf.tensor(values(y.size, seed - 1), y.shape);
              const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.concat(xs, axis), w)))(parts);
              return [y, ...grads];
            });
            expect(got).toEqual(want);
          },
        ),
        { numRuns: 25 },
      );
    });

    it("add of a tensor and one of its shape, one value or one per last-axis channel (either order) runs gen-mnist's kernel and gives tfjs's values exactly; other broadcasts give tfjs's too (property)", async () => {
      const kernels = WasmKernels.get();
      const ours = vi.spyOn(kernels, "add");
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.integer(), async (shape, seed) => {
            const n = shape.reduce((a, b) => a * b, 1);
            const channels = shape[shape.length - 1] ?? 1;
            ours.mockClear();
            const [want, got] = await onBoth(() => {
              const x = tf.tensor(values(n, seed), shape);
              const same = tf.tensor(values(n, seed + 1), shape);
              const bias = tf.tensor(values(channels, seed + 2), [...shape.slice(0, -1).map(() => 1), channels]);
              const bias1d = tf.tensor1d(values(channels, seed + 3));
              const one = tf.scalar(values(1, seed + 4)[0] ?? 0);
              // a column per leading index: broadcast along other axes than the last, tfjs's kernel (unless it is x's shape)
              const column = tf.tensor(values(shape[0] ?? 1, seed + 5), [shape[0] ?? 1, ...shape.slice(1).map(() => 1)]);
              // a bias's gradient: dy summed over every axis but the last
              const [dx, db] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.add(a, b), same)))([x, bias1d]);
              return [tf.add(x, same), tf.add(x, bias), tf.add(bias1d, x), tf.add(one, x), tf.add(x, one), tf.add(x, column), dx, db];
            });
            // sums are exact (float32 addition rounds once, whichever kernel does it); the bias
            // gradient is a sum over rows, within rounding of tfjs's
            expect(got.slice(0, 6)).toEqual(want.slice(0, 6));
            expectClose(want.slice(6), got.slice(6));
            // gen-mnist's kernel ran the add under the gradient and the first five above, and
            // x + column where column has x's shape or is one value
            expect(ours.mock.calls.length).toBe(shape.slice(1).every((d) => d === 1) || shape[0] === 1 ? 7 : 6);
          }),
          { numRuns: 30 },
        );
        // IEEE edge values, in vector lanes and the scalar tail
        const special = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e38, -1.5, 2.25, -0];
        const other = [1, -0, -0, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e38, 1.5, Number.NaN, 0];
        const [want, got] = await onBoth(() => [tf.add(tf.tensor1d(special), tf.tensor1d(other)), tf.add(tf.tensor1d(special), -0)]);
        expect(got).toEqual(want);
        // an int32 sum and a mismatched shape are tfjs's: its values and its error
        ours.mockClear();
        const [wantInt, gotInt] = await onBoth(() => tf.add(tf.tensor1d([1, 2, 3], "int32"), tf.scalar(4, "int32")));
        expect(gotInt).toEqual(wantInt);
        expect(() => tf.add(tf.ones([2, 3]), tf.ones([3, 2]))).toThrow(/broadcast|shape/i);
        expect(ours).not.toHaveBeenCalled();
      } finally {
        ours.mockRestore();
      }
    });

    it("cast to a tensor's own dtype shares its memory (the engine's gradient of every tensor it saves is one); other casts convert as tfjs's cpu backend does, to bool too (x ≠ 0, where tfjs's wasm kernel wraps -2.5 to 254)", async () => {
      await useBackend("gen-mnist", setting);
      const x = tf.tensor2d([1.5, -2, 3, 4], [2, 2]);
      const same = tf.cast(x, "float32");
      expect(same.dataId).toBe(x.dataId);
      x.dispose();
      expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3, 4]); // still there: the cast holds a reference
      same.dispose();
      const [want, got] = await onBoth(() => {
        const v = tf.tensor1d([1.5, -2.5, 0, 3.7]);
        const ints = tf.tensor1d([1, 0, -2, 7], "int32");
        return [tf.cast(v, "int32"), tf.cast(v, "bool"), tf.cast(tf.tensor1d([Number.NaN, -0]), "bool"), tf.cast(ints, "float32"), tf.cast(ints, "int32"), tf.cast(ints, "bool")];
      });
      expect(got).toEqual(want);
    });

    it("tanh is within 8 ulp of Math.tanh at any magnitude, exactly ±1 where float32's tanh is, keeps NaN and the sign of zero, in vector lanes and the scalar tail alike (property)", async () => {
      await useBackend("gen-mnist", setting);
      const special = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-30, -3e-4, 4e-4, 5.827876091003418, 7.9, -7.906, 8.9, 9, 88, -1e30];
      const check = (input: Float32Array, got: Float32Array | Int32Array | Uint8Array): void => {
        input.forEach((x, i) => {
          const want = Math.tanh(x);
          const g = got[i] ?? 0;
          if (Number.isNaN(want)) expect(g).toBeNaN();
          else if (want === 0) expect(Object.is(g, want)).toBe(true);
          else if (Math.fround(want) === Math.sign(want) && Math.abs(x) >= 9) expect(g, `tanh(${x})`).toBe(Math.sign(want));
          else if (!(Math.abs(g - want) <= 5e-7 * Math.abs(want) + 1e-30)) expect.fail(`tanh(${x}) = ${g}, Math.tanh gives ${want}`);
        });
      };
      await fc.assert(
        fc.asyncProperty(fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 1, maxLength: 300 }), async (xs) => {
          const input = Float32Array.from([...xs, ...special]);
          check(input, tf.tidy(() => tf.tanh(tf.tensor1d(input)).dataSync()));
        }),
        { numRuns: 30 },
      );
      // each special value alone (the scalar tail) and in a group of four (vector lanes): the same result
      for (const x of special) {
        const alone = tf.tidy(() => tf.tanh(tf.tensor1d([x])).dataSync()[0] ?? 0);
        const lanes = tf.tidy(() => tf.tanh(tf.tensor1d([x, x, x, x, x, x, x, x])).dataSync());
        lanes.forEach((g) => expect(Object.is(g, alone) || (Number.isNaN(g) && Number.isNaN(alone)), `tanh(${x}): ${g} in a vector, ${alone} alone`).toBe(true));
      }
      // and tfjs's gradient, 1 − tanh², through it
      const [want, got] = await onBoth(() => tf.grad((v: tf.Tensor) => tf.sum(tf.tanh(v)))(tf.tensor(values(64, 3).map((v) => v * 3), [8, 8])));
      expectClose(want, got);
    });

    it("leakyRelu, relu, greater (same shape or against one value), select and both activations' gradients (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 4 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(),
          async (shape, alpha, seed) => {
            const n = shape.reduce((a, b) => a * b, 1);
            const [want, got] = await onBoth(() => {
              const x = tf.tensor(values(n, seed), shape);
              const y = tf.tensor(values(n, seed + 1), shape);
              const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, alpha), y)))(x);
              const reluDx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), y)))(x);
              const higherRank = tf.cast(tf.greater(x, tf.tensor([0.5], [1, 1, 1, 1, 1])), "float32"); // broadcasts to rank 5
              return [tf.leakyRelu(x, alpha), tf.cast(tf.greater(x, y), "float32"), tf.cast(tf.greater(x, 0.5), "float32"), tf.where(tf.greater(x, y), x, y), dx, higherRank, tf.relu(x), reluDx];
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

    it.each([
      ["leakyRelu", "GenMnistLeakyReluGrad", (t: tf.Tensor): tf.Tensor => tf.leakyRelu(t, 0.2)],
      ["relu", "GenMnistReluGrad", (t: tf.Tensor): tf.Tensor => tf.relu(t)],
    ] as const)("%s's gradient differentiates again on gen-mnist's kernel %s (a gradient penalty's second order), as tfjs's composition does", async (_name, kernel, activation) => {
      ensureComparisonGradients(); // what gradientPenalty registers, for tfjs's composition on the cpu backend
      const before = tf.memory().numTensors;
      const x = (): tf.Tensor2D => tf.tensor2d(values(6 * 5, 11), [6, 5]);
      const inputs = (): tf.Tensor[] => [tf.tensor2d(values(5 * 4, 12), [5, 4]), tf.tensor2d(values(6 * 4, 13), [6, 4]), tf.tensor1d(values(4, 14))];
      // penalty = Σ (∂/∂x Σ activation(x w + b)·r)²; b reaches it only through the activation's
      // on/off pattern, so its gradient is zero
      const penalty = (ww: tf.Tensor, rr: tf.Tensor, bb: tf.Tensor): tf.Scalar => {
        const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(activation(tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb)), rr)))(x());
        return tf.sum(tf.square(dx));
      };
      const [want, got] = await onBoth(() => {
        const [w, r, b] = inputs() as [tf.Tensor, tf.Tensor, tf.Tensor];
        return [penalty(w, r, b), ...tf.grads(penalty)([w, r, b])];
      });
      expectClose(want, got);
      expect(Array.from(got[3] ?? [])).toEqual([0, 0, 0, 0]);
      // inside withoutActivationMaskGradients (what a GAN's critic step runs its penalty in), the
      // same gradients for the variables with another path (b gets none, where it got zeros)
      const [wantCut, gotCut] = await onBoth(() => {
        const [w, r, b] = inputs() as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.grads((ww: tf.Tensor, rr: tf.Tensor) => withoutActivationMaskGradients(() => penalty(ww, rr, b)))([w, r]);
      });
      expectClose(wantCut, gotCut);
      expect(tf.memory().numTensors).toBe(before);
      // the second-order pass ran gen-mnist's kernel, not tfjs's composition, and inside the scope
      // carried no zero gradient back to the activation's input (through the ops that made it)
      await useBackend("gen-mnist", setting);
      const kernels = async (cut: boolean): Promise<string[]> => {
        const profile = await tf.profile(() => {
          const v = tf.tensor2d(values(12, 14), [3, 4]);
          const inner = (u: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(activation(t), u)))(u)));
          const g = tf.grad((u: tf.Tensor) => (cut ? withoutActivationMaskGradients(() => inner(u)) : inner(u)))(v);
          tf.dispose([v, g]);
        });
        return profile.kernels.map((k) => k.name);
      };
      const [plain, cut] = [await kernels(false), await kernels(true)];
      for (const names of [plain, cut]) {
        expect(names).toContain(kernel);
        expect(names).not.toContain("Select");
        expect(names).not.toContain("Step");
      }
      expect(plain).toContain("ZerosLike");
      expect(cut).not.toContain("ZerosLike");
    });

    it("leakyRelu and relu keep NaN and the sign of zero as tfjs does, and so do their gradients", async () => {
      const x = [Number.NaN, -0, 0, -3, 3, -2, 2, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
      const dy = [1, 1, -1, -1, -2, 2, 5, -5, 1]; // both signs at and below 0: 0 · dy keeps dy's sign
      const [want, got] = await onBoth(() => {
        const v = tf.tensor1d(x);
        const grad = (f: (t: tf.Tensor) => tf.Tensor): tf.Tensor => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor1d(dy))))(v);
        // relu fused into a GEMM: a NaN row stays NaN in the vector lanes and the scalar tail alike
        const nanRow = tf.fused.matMul({ a: tf.tensor2d([1, 2, Number.NaN, -1, 1, 0], [2, 3]), b: tf.tensor2d(values(3 * 5, 3), [3, 5]), activation: "relu" });
        return [tf.leakyRelu(v, 0.1), tf.relu(v), grad((t) => tf.leakyRelu(t, 0.1)), grad(tf.relu), nanRow];
      });
      // toEqual tells -0 from 0 and takes NaN as equal to NaN
      want.forEach((w, i) => expect([i, Array.from(got[i] ?? [])]).toEqual([i, Array.from(w)]));
      expect(Object.is(got[0]?.[1], -0)).toBe(true);
      expect(Object.is(got[1]?.[1], 0)).toBe(true); // max(0, -0) is +0
    });
  });

  describe("gen-mnist batch-norm and dropout kernels", () => {
    it("batch norm in training mode: values, batch statistics and every gradient match tfjs's moments + batchNorm (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          // two or more rows: one example per channel has zero variance, and its input gradient
          // (0 in exact arithmetic) is rounding noise whoever computes it
          fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }).filter((lead) => lead.reduce((a, b) => a * b, 1) >= 2),
          fc.integer({ min: 1, max: 70 }), fc.integer(),
          async (lead, channels, seed) => {
            const shape = [...lead, channels];
            const n = shape.reduce((a, b) => a * b, 1);
            const axes = lead.map((_, i) => i);
            const eps = 1e-3;
            const inputs = (): [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor] => [
              tf.tensor(values(n, seed).map((v, i) => v + (i % channels)), shape), // per-channel offsets
              tf.tensor1d(values(channels, seed + 1)),
              tf.tensor1d(values(channels, seed + 2)),
              tf.tensor(values(n, seed + 3), shape),
            ];
            const grads = (norm: (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor, w: tf.Tensor) =>
              tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.square(norm(x, g as tf.Tensor1D, b as tf.Tensor1D)), w)));
            const reference = (): tf.Tensor[] => {
              const [x, g, b, w] = inputs();
              const norm = (v: tf.Tensor, gg: tf.Tensor1D, bb: tf.Tensor1D): tf.Tensor => {
                const { mean, variance } = tf.moments(v, axes);
                return tf.batchNorm(v, mean, variance, bb, gg, eps);
              };
              const { mean, variance } = tf.moments(x, axes);
              return [norm(x, g, b), mean, variance, ...grads(norm, w)([x, g, b])];
            };
            const [want] = await onBoth(reference);
            const [, got] = await onBoth(() => {
              if (tf.getBackend() !== GEN_MNIST_BACKEND) return reference();
              const [x, g, b, w] = inputs();
              const { y, mean, variance } = batchNormTraining(x, g, b, eps);
              return [y, mean, variance, ...grads((v, gg, bb) => batchNormTraining(v, gg, bb, eps).y, w)([x, g, b])];
            });
            // x̂ = (x − μ) r is only known to a few ε max|x| r in float32, whoever computes it (tfjs's
            // float32 mean; the kernel's float32 x and y): on a channel with a large offset and a
            // small spread that is much more than 1e-4 of x̂. Every output's scale adds what 8 ε
            // max|x| r moves it by (× 1e4, expectClose's 1e-4 undone).
            const [y = new Float32Array(), mean = new Float32Array(), variance = new Float32Array()] = want;
            const x = values(n, seed).map((v, i) => v + (i % channels));
            const gamma = values(channels, seed + 1);
            const w = values(n, seed + 3);
            const m = n / channels;
            const r = Array.from({ length: channels }, (_, c) => 1 / Math.sqrt((variance[c] ?? 0) + eps));
            const xHatError = r.map((rc, c) => 8 * 2 ** -24 * (c + 2) * rc); // |x| ≤ 2 + c
            const rounding = (c: number): number => 1e4 * Math.abs(gamma[c] ?? 0) * (xHatError[c] ?? 0);
            const largestY = y.reduce((most, v) => Math.max(most, Math.abs(v)), 1e-3);
            const yScale = Float32Array.from(y, (_, i) => largestY + rounding(i % channels));
            // dx = γ r (dy − mean(dy) − x̂ mean(dy x̂)) cancels: its error scales with the terms of
            // its channel, |γ| r · 3 max|dy| with dy = 2 y w, not with the (possibly tiny) result;
            // x̂'s rounding δ moves dy by 2|w||γ|δ and the last term by up to √m max|dy| δ
            const [maxDy, maxW] = [new Float64Array(channels), new Float64Array(channels)];
            y.forEach((v, i) => {
              const c = i % channels;
              maxDy[c] = Math.max(maxDy[c] ?? 0, Math.abs(2 * v * (w[i] ?? 0)));
              maxW[c] = Math.max(maxW[c] ?? 0, Math.abs(w[i] ?? 0));
            });
            const terms = gamma.map((g, c) => {
              const moved = (2 * (maxW[c] ?? 0) * Math.abs(g) + Math.sqrt(m) * (maxDy[c] ?? 0)) * (xHatError[c] ?? 0);
              return Math.abs(g) * (r[c] ?? 0) * 3 * ((maxDy[c] ?? 0) + 1e4 * moved);
            });
            const dxScale = Float32Array.from(y, (_, i) => terms[i % channels] ?? 0);
            // dγ = Σ dy x̂ and dβ = Σ dy over a channel cancel too: their error scales with Σ|dy x̂| and
            // Σ|dy|. The kernels' float64 statistics and FMA sums differ from tfjs's float32
            // composition by up to ~2e-4 of that on channels with large offsets: checked at 1e-3 of it
            // (a wrong gradient is off by its own size), plus what x̂'s rounding moves them by
            const [dgScale, dbScale] = [new Float32Array(channels), new Float32Array(channels)];
            y.forEach((v, i) => {
              const c = i % channels;
              const dy = Math.abs(2 * v * (w[i] ?? 0));
              const xHat = Math.abs(((x[i] ?? 0) - (mean[c] ?? 0)) * (r[c] ?? 0));
              const dyError = 2 * Math.abs(w[i] ?? 0) * rounding(c); // × 1e4 already
              dgScale[c] = (dgScale[c] ?? 0) + 10 * dy * xHat + dy * 1e4 * (xHatError[c] ?? 0) + dyError * xHat;
              dbScale[c] = (dbScale[c] ?? 0) + 10 * dy + dyError;
            });
            expectClose(want, got, [yScale, undefined, undefined, dxScale, dgScale, dbScale]);
          },
        ),
        // two channels of three values with an offset of 50 and a small spread, found by CI
        { numRuns: 25, examples: [[[3], 51, -658502346], [[2], 51, -780565372]] },
      );
    });

    it("batch norm differentiates twice (a gradient penalty through a normalising critic) as tfjs's composition does", async () => {
      const shape = [6, 2, 2, 5];
      const n = 6 * 2 * 2 * 5;
      const penaltyGrads = (norm: (x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor): tf.Tensor[] => {
        const x = tf.tensor(values(n, 3), shape);
        const w = tf.tensor(values(n, 4), shape);
        const critic = (v: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor => tf.sum(tf.mul(tf.tanh(norm(v, g, b)), w));
        // ‖∇ₓ D(x)‖², differentiated with respect to γ: second order through batch norm (β only
        // shifts D's input, so ∇ₓ D does not depend on it)
        const beta = tf.tensor1d(values(5, 6));
        return [tf.grad((g: tf.Tensor) => tf.sum(tf.square(tf.grad((v: tf.Tensor) => critic(v, g as tf.Tensor1D, beta))(x))))(tf.tensor1d(values(5, 5)))];
      };
      const composed = (v: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D): tf.Tensor => {
        const { mean, variance } = tf.moments(v, [0, 1, 2]);
        return tf.batchNorm(v, mean, variance, b, g, 1e-3);
      };
      const [want] = await onBoth(() => penaltyGrads(composed));
      const [, got] = await onBoth(() => penaltyGrads(tf.getBackend() === GEN_MNIST_BACKEND ? (v, g, b) => batchNormTraining(v, g, b, 1e-3).y : composed));
      expectClose(want, got);
    });

    it("the batch-norm layer updates tfjs-layers' moving averages the same way and serializes as BatchNormalization", async () => {
      const run = (layer: tfl.layers.Layer): tf.Tensor[] => {
        const x = tf.tensor4d(values(4 * 3 * 3 * 8, 9), [4, 3, 3, 8]);
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        return [y, ...layer.getWeights()];
      };
      const [want, got] = await onBoth(() =>
        tf.getBackend() === GEN_MNIST_BACKEND
          ? run(new FastBatchNormalization({ momentum: 0.9, epsilon: 1e-5, name: "bn" }))
          : run(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: "bn" })),
      );
      expect(want).toHaveLength(5); // output, gamma, beta, moving mean, moving variance
      expectClose(want, got);
      expect(new FastBatchNormalization({}).getClassName()).toBe("BatchNormalization");
    });

    it("dropout keeps x / (1 − rate) where a hash of (seed, index) passes, the same mask on any thread count (property)", async () => {
      await useBackend("gen-mnist", setting);
      // the kernel's mask, written out in JavaScript: element i is kept when mix(key + φ·i) ≥ rate·2³²
      const mix = (z: number): number => {
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
        return (z ^ (z >>> 16)) >>> 0;
      };
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.integer({ min: 0, max: 0x7fffffff }), (n, rate, seed) => {
          const x = values(n, seed).map((v) => v + 3); // never 0
          const got = tf.tidy(() => seededDropout(tf.tensor1d(x), rate, seed).dataSync());
          const key = mix((seed ^ 0x9e3779b9) >>> 0);
          const threshold = Math.min(2 ** 32 - 1, Math.round(rate * 2 ** 32));
          for (let i = 0; i < n; i++) {
            const kept = mix((key + Math.imul(0x9e3779b9, i)) >>> 0) >= threshold;
            const want = kept ? Math.fround((x[i] ?? 0) * Math.fround(1 / (1 - rate))) : 0;
            if (Math.abs((got[i] ?? Number.NaN) - want) > 1e-6 * Math.abs(want)) expect.fail(`element ${i}: ${got[i]}, expected ${want}`);
          }
        }),
        { numRuns: 30 },
      );
      // about (1 − rate) of a large tensor is kept
      const kept = tf.tidy(() => tf.sum(tf.notEqual(seededDropout(tf.ones([200_000]), 0.25, 11), 0)).dataSync()[0] ?? 0);
      expect(kept / 200_000).toBeCloseTo(0.75, 2);
    });

    it("the fused Adam update leaves the weights and moments tfjs's Adam leaves, step after step (property)", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 0.95, noNaN: true }), fc.integer(), async (n, beta1, seed) => {
          const train = (): tf.Tensor[] => {
            const optimizer = tf.getBackend() === GEN_MNIST_BACKEND ? new FusedAdamOptimizer(1e-2, beta1, 0.9, 1e-8) : tf.train.adam(1e-2, beta1, 0.9, 1e-8);
            const w = tf.variable(tf.tensor1d(values(n, seed)));
            const b = tf.variable(tf.tensor2d(values(6, seed + 1), [2, 3]));
            for (let step = 0; step < 4; step++) {
              optimizer.minimize(() => tf.add(tf.sum(tf.square(tf.sub(w, 0.3))), tf.sum(tf.mul(b, tf.abs(b)))) as tf.Scalar, false, [w, b]);
            }
            const state = tf.tidy(() => {
              const weights = (optimizer as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] });
              return [...weights.accumulatedFirstMoment, ...weights.accumulatedSecondMoment].map((e) => tf.clone(e.variable));
            });
            const out = [tf.clone(w), tf.clone(b), ...state];
            optimizer.dispose();
            w.dispose();
            b.dispose();
            return out;
          };
          const [want, got] = await onBoth(train);
          expectClose(want, got);
        }),
        { numRuns: 15 },
      );
      expect(new FusedAdamOptimizer(1e-3, 0.9, 0.999).getClassName()).toBe("Adam");
    });

    it("dropout's gradient is its mask, to any order", async () => {
      await useBackend("gen-mnist", setting);
      const rate = 0.4;
      const scale = Math.fround(1 / (1 - rate));
      const [y, dx, d2x] = tf.tidy(() => {
        const x = tf.tensor1d(values(300, 3).map((v) => v + 3));
        const f = (v: tf.Tensor): tf.Tensor => tf.sum(tf.square(seededDropout(v, rate, 5)));
        const g = (v: tf.Tensor): tf.Tensor => tf.grad(f)(v);
        return [seededDropout(x, rate, 5).dataSync(), g(x).dataSync(), tf.grad((v: tf.Tensor) => tf.sum(g(v)))(x).dataSync()];
      });
      for (let i = 0; i < y.length; i++) {
        const kept = (y[i] ?? 0) !== 0;
        // f = Σ (m s x)², f' = 2 m² s² x = 2 m s y, f'' = 2 m s²
        expect(dx[i]).toBeCloseTo(kept ? 2 * scale * (y[i] ?? 0) : 0, 3);
        expect(d2x[i]).toBeCloseTo(kept ? 2 * scale * scale : 0, 4);
      }
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

  describe("the benchmark's peak multiply-add yardstick", () => {
    it("runs its 12 chains acc = c + a · acc for every round, split between the threads (closed form)", () => {
      const rounds = 5000;
      const a = Math.fround(0.999);
      const c = Math.fround(1e-3);
      // each thread's range [s, e) runs e − s rounds of chains started at 0..11; the result sums them all
      let want = 0;
      for (const [s, e] of splitRange(rounds, threads, 1)) {
        const decay = a ** (e - s);
        for (let r = 0; r < 12; r++) want += c / (1 - a) + (r - c / (1 - a)) * decay;
      }
      const got = WasmKernels.get().peakMultiplyAdd(rounds);
      expect(Math.abs(got - want)).toBeLessThan(1e-3 * Math.abs(want));
    });
  });

  it(threads > 1 ? "worker threads computed part of every result above" : "no worker thread was used", () => {
    const used = WasmKernels.get().workerCalls - workerCallsBefore;
    if (threads > 1) expect(used).toBeGreaterThan(0);
    else expect(used).toBe(0);
  });
});
