import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import { DCGAN, useBackend } from "../../src/index.js";
import { WasmKernels } from "../../src/kernels/module.js";

// gen-mnist's kernels leave their results in their own memory, claimed for the result's tensor:
// the next gen-mnist kernel reads them there, and they are copied into tfjs's memory only when
// something else reads them (a tfjs kernel, dataSync, another backend).

const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233));

/** The tensor's bytes in tfjs's memory, read past gen-mnist's bookkeeping. */
function tfjsMemory(t: tf.Tensor): Float32Array {
  const backend = tf.backend() as unknown as { typedArrayFromHeap(info: tf.TensorInfo): Float32Array };
  return Float32Array.from(backend.typedArrayFromHeap({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }));
}

/** A convolution's result, then a tfjs kernel (Multiply) on it, and on a reshaped alias, on the current backend. */
function chain(): { y: tf.Tensor; doubled: tf.Tensor; aliasTripled: tf.Tensor } {
  const x = tf.tensor4d(values(2 * 6 * 6 * 4, 1), [2, 6, 6, 4]);
  const w = tf.tensor4d(values(9 * 4 * 8, 2), [3, 3, 4, 8]);
  const y = tf.conv2d(x, w, 1, "same");
  tf.dispose([x, w]);
  const doubled = tf.mul(y, 2);
  const alias = tf.reshape(y, [2, 36, 8]);
  const aliasTripled = tf.mul(alias, 3);
  alias.dispose();
  return { y, doubled, aliasTripled };
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>): void => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs((got[i] ?? Number.NaN) - (want[i] ?? 0))).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i] ?? 0)));
};

describe("results kept in gen-mnist's kernel memory", () => {
  afterEach(() => {
    WasmKernels.get().claimLimit = 512 * 2 ** 20;
  });

  it("include a concatenation (the joint discriminator pass's real and generated batches): the next GEMM reads it in place", async () => {
    await useBackend("gen-mnist");
    const real = tf.tensor2d(values(4 * 784, 1), [4, 784]);
    const fake = tf.tidy(() => tf.tanh(tf.tensor2d(values(4 * 784, 2), [4, 784])));
    const w = tf.tensor2d(values(784 * 3, 3), [784, 3]);
    const claimedBefore = WasmKernels.get().claimedBytes;
    const both = tf.concat([real, fake], 0);
    expect(WasmKernels.get().claimedBytes - claimedBefore).toBeGreaterThanOrEqual(8 * 784 * 4);
    const scores = tf.matMul(both, w);
    const want = [...real.dataSync(), ...fake.dataSync()];
    // neither the product nor anything else needed the concatenation in tfjs's memory: still unwritten
    expect(Array.from(tfjsMemory(both))).not.toEqual(want);
    expect(Array.from(both.dataSync())).toEqual(want);
    const separate = tf.concat([tf.matMul(real, w), tf.matMul(fake, w)], 0);
    close(scores.dataSync(), separate.dataSync());
    tf.dispose([real, fake, w, both, scores, separate]);
  });

  it("are written to tfjs's memory only when read there: tfjs kernels, aliases and dataSync see the kernel's values", async () => {
    await useBackend("cpu");
    const want = chain();
    const [wantY, wantDoubled, wantTripled] = [want.y.dataSync(), want.doubled.dataSync(), want.aliasTripled.dataSync()];
    tf.dispose(Object.values(want));

    await useBackend("gen-mnist");
    const x = tf.tensor4d(values(2 * 6 * 6 * 4, 1), [2, 6, 6, 4]);
    const w = tf.tensor4d(values(9 * 4 * 8, 2), [3, 3, 4, 8]);
    const claimedBefore = WasmKernels.get().claimedBytes;
    const y = tf.conv2d(x, w, 1, "same");
    expect(WasmKernels.get().claimedBytes).toBeGreaterThan(claimedBefore);
    // gen-mnist's LeakyRelu reads the result where it is: tfjs's copy is still unwritten
    const activated = tf.leakyRelu(y, 0.2);
    expect(Array.from(tfjsMemory(y))).not.toEqual(Array.from(wantY));
    close(activated.dataSync(), Array.from(wantY, (v) => (v > 0 ? v : 0.2 * v)));
    // a tfjs kernel (Multiply) on it and on a reshaped alias of it
    const doubled = tf.mul(y, 2);
    close(doubled.dataSync(), wantDoubled);
    const alias = tf.reshape(y, [2, 36, 8]);
    const aliasTripled = tf.mul(alias, 3);
    close(aliasTripled.dataSync(), wantTripled);
    // now written: tfjs's memory holds the values, and dataSync agrees
    close(tfjsMemory(y), wantY);
    close(y.dataSync(), wantY);
    tf.dispose([x, w, y, alias, activated, doubled, aliasTripled]);
    expect(WasmKernels.get().claimedBytes).toBe(claimedBefore);
  });

  it("are freed with the last tensor that shares them, and copied out past the limit", async () => {
    await useBackend("gen-mnist");
    const kernels = WasmKernels.get();
    const x = tf.tensor2d(values(64, 3), [8, 8]);
    const before = kernels.claimedBytes;
    const y = tf.matMul(x, x);
    const alias = tf.reshape(y, [64]);
    const kept = kernels.claimedBytes;
    expect(kept).toBeGreaterThanOrEqual(before + 64 * 4);
    y.dispose();
    expect(kernels.claimedBytes).toBe(kept); // the alias still holds it
    const want = Array.from(alias.dataSync());
    alias.dispose();
    expect(kernels.claimedBytes).toBe(before);
    // with no room for results, they are copied out as before, with the same values
    kernels.claimLimit = 0;
    const copied = tf.matMul(x, x);
    expect(kernels.claimedBytes).toBe(before);
    expect(Array.from(copied.dataSync())).toEqual(want);
    tf.dispose([x, copied]);
  });

  it("move to another backend with their values", async () => {
    await useBackend("gen-mnist");
    const x = tf.tensor2d(values(12, 4), [3, 4]);
    const y = tf.matMul(x, x, false, true);
    const before = WasmKernels.get().claimedBytes;
    await useBackend("cpu");
    const want = tf.matMul(x, x, false, true);
    close(y.dataSync(), want.dataSync());
    tf.dispose([x, y, want]);
    await useBackend("gen-mnist");
    expect(WasmKernels.get().claimedBytes).toBeLessThan(before);
  });

  it("do not accumulate over training steps", async () => {
    await useBackend("gen-mnist");
    const model = new DCGAN({ seed: 3, batchSize: 4 });
    const images = tf.randomUniform([4, 28, 28, 1], -1, 1, "float32", 5) as tf.Tensor4D;
    await model.trainStep({ images });
    const [tensors, claimed] = [tf.memory().numTensors, WasmKernels.get().claimedBytes];
    expect(claimed).toBeGreaterThan(0); // the weights and optimizer state the steps wrote
    for (let i = 0; i < 3; i++) await model.trainStep({ images });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(WasmKernels.get().claimedBytes).toBe(claimed);
    model.dispose();
    images.dispose();
  });
});
