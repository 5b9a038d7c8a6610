import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { useBackend } from "../../src/index.js";
import { WasmKernels } from "../../src/kernels/module.js";

// Run in a file of its own: the kernels' memory only grows, so other tests would hide its size.
describe("gen-mnist kernel memory", () => {
  it("does not grow with the batch: convolutions of many images run in chunks", async () => {
    await useBackend("gen-mnist");
    const batch = 512;
    const x = tf.randomNormal([batch, 14, 14, 32], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 32, 64], 0, 1, "float32", 2) as tf.Tensor4D;
    const dy = tf.randomNormal([batch, 14, 14, 64], 0, 1, "float32", 3) as tf.Tensor4D;
    const dx = tf.conv2dTranspose(dy, w, x.shape, 1, "same");
    const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: "same", dataFormat: "NHWC", filterShape: w.shape }) as tf.Tensor;
    await Promise.all([dx.data(), dw.data()]);
    // unchunked, the im2col buffers alone would be batch * 14 * 14 * 288 floats = 115 MiB
    const inputsAndOutputs = 4 * (x.size + dy.size + dx.size + w.size + dw.size);
    const colsLimit = 2 ** 20 * 4; // per thread
    expect(WasmKernels.get().memoryBytes).toBeLessThan(inputsAndOutputs + 2 * colsLimit + 16 * 2 ** 20);
    // the first images' input gradient equals that of a batch of two (one chunk, no chunking)
    const dyHead = tf.slice(dy, [0, 0, 0, 0], [2, 14, 14, 64]);
    const dxHead = tf.conv2dTranspose(dyHead, w, [2, 14, 14, 32], 1, "same");
    const chunked = (await dx.data()).subarray(0, dxHead.size);
    const alone = await dxHead.data();
    alone.forEach((v, i) => expect(Math.abs((chunked[i] ?? Number.NaN) - v)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
    tf.dispose([x, w, dy, dx, dw, dyHead, dxHead]);
  }, 60_000);
});
