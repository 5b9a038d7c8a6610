import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, useBackend } from "../../src/index.js";
import { getKernelThreads, MAX_KERNEL_THREADS, setKernelThreads } from "../../src/kernels/index.js";
import { WasmKernels } from "../../src/kernels/module.js";
import { MIN_ELEMENTS_PER_THREAD, MIN_FLOPS_PER_THREAD, splitRange, threadsFor, threadsForPass } from "../../src/kernels/partition.js";

const run = promisify(execFile);

describe("splitRange", () => {
  it("covers [0, total) with at most `parts` non-empty, ordered, aligned ranges (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 32 }), (total, parts, align) => {
        const ranges = splitRange(total, parts, align);
        expect(ranges.length).toBeLessThanOrEqual(parts);
        let at = 0;
        for (const [s, e] of ranges) {
          expect(s).toBe(at);
          expect(e).toBeGreaterThan(s);
          if (e !== total) expect(e % align).toBe(0);
          at = e;
        }
        expect(at).toBe(total);
        // as many ranges as there are aligned blocks to share, up to `parts`
        expect(ranges.length).toBe(Math.min(parts, Math.ceil(total / align)));
      }),
    );
  });

  it("balances the blocks: sizes differ by at most one block", () => {
    const sizes = splitRange(64, 3).map(([s, e]) => e - s);
    expect(sizes.sort()).toEqual([21, 21, 22]);
  });
});

describe("threads per piece of work", () => {
  it("a memory-bound pass gets one thread per MIN_ELEMENTS_PER_THREAD elements, at least 1 and at most the pool", () => {
    expect(threadsForPass(MIN_ELEMENTS_PER_THREAD - 1, 2)).toBe(1);
    expect(threadsForPass(2 * MIN_ELEMENTS_PER_THREAD, 2)).toBe(2);
    expect(threadsForPass(100 * MIN_ELEMENTS_PER_THREAD, 3)).toBe(3);
    expect(threadsForPass(0, 2)).toBe(1);
  });

  it("a pass of the MLP GAN's largest layer (128 × 512 activations) is split, while a product of the same flop count would not be", () => {
    const elements = 128 * 512;
    expect(threadsForPass(elements, 2)).toBe(2);
    // what the flop yardstick made of it (4 flops an element): one thread
    expect(threadsFor(elements * 4, 2)).toBe(1);
    expect(MIN_FLOPS_PER_THREAD).toBeGreaterThan(elements * 4);
  });
});

describe("kernel threads", () => {
  afterEach(() => {
    setKernelThreads("auto");
  });

  it("setKernelThreads validates its argument and getKernelThreads reports it", () => {
    expect(setKernelThreads(2)).toBe(2);
    expect(getKernelThreads()).toBe(2);
    for (const bad of [0, -1, 1.5, MAX_KERNEL_THREADS + 1, Number.NaN]) {
      expect(() => setKernelThreads(bad)).toThrow(InvalidArgumentError);
    }
    expect(setKernelThreads("auto")).toBeGreaterThanOrEqual(1);
  });

  it("large products are computed by the worker threads too, with the same result", async () => {
    await useBackend("gen-mnist");
    setKernelThreads(2);
    const kernels = WasmKernels.get();
    const a = tf.randomNormal([256, 300], 0, 1, "float32", 1);
    const b = tf.randomNormal([300, 200], 0, 1, "float32", 2);
    const before = kernels.workerCalls;
    // workers start asynchronously; until one is ready its share runs on the calling thread
    let product = tf.matMul(a, b);
    for (let i = 0; i < 50 && kernels.workerCalls === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      product.dispose();
      product = tf.matMul(a, b);
    }
    expect(kernels.workerCalls).toBeGreaterThan(before);
    const threaded = product.dataSync();
    setKernelThreads(1);
    const single = tf.matMul(a, b);
    expect(Array.from(single.dataSync())).toEqual(Array.from(threaded));
    tf.dispose([a, b, product, single]);
  });

  it("elementwise passes of a preset's size are split between the threads too, with the same result", async () => {
    await useBackend("gen-mnist");
    setKernelThreads(2);
    const kernels = WasmKernels.get();
    const x = tf.randomNormal([128, 512], 0, 1, "float32", 3);
    const before = kernels.workerCalls;
    let y = tf.tanh(x);
    for (let i = 0; i < 50 && kernels.workerCalls === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      y.dispose();
      y = tf.tanh(x);
    }
    expect(kernels.workerCalls).toBeGreaterThan(before);
    const threaded = y.dataSync();
    setKernelThreads(1);
    const single = tf.tanh(x);
    expect(Array.from(single.dataSync())).toEqual(Array.from(threaded));
    tf.dispose([x, y, single]);
  });

  it("a wasm trap in a worker surfaces as an error naming the thread, and the pool keeps working", async () => {
    await useBackend("gen-mnist");
    setKernelThreads(2);
    const kernels = WasmKernels.get();
    const x = tf.ones([64, 64]);
    tf.matMul(x, x).dispose();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // sgemm_fused (call 0) with C far outside memory traps in the worker that writes it
    const pool = (kernels as unknown as { pool: { run(calls: { fn: number; args: number[] }[]): void } }).pool;
    const bad = [0, 0, 4, 4, 4, 1024, 4, 1024, 4, 0x7ffffff0, 4, 1024, 0, 0];
    const good = [0, 0, 0, 0, 0, 1024, 1, 1024, 1, 1024, 1, 1024, 0, 0];
    expect(() => pool.run([{ fn: 0, args: good }, { fn: 0, args: bad }])).toThrow(/kernel thread 1 failed: .*out of bounds/);
    const y = tf.matMul(tf.ones([128, 128]), tf.ones([128, 128]));
    expect(y.dataSync()[0]).toBe(128);
    tf.dispose([x, y]);
  });

  it("a process that trained with kernel threads exits by itself", async () => {
    const script = [
      'import * as tf from "@tensorflow/tfjs-core";',
      'import { useBackend } from "./src/index.ts";',
      'import { setKernelThreads } from "./src/kernels/index.ts";',
      'await useBackend("gen-mnist"); setKernelThreads(2);',
      "const a = tf.ones([512, 512]);",
      "for (let i = 0; i < 5; i++) { tf.matMul(a, a).dispose(); await new Promise((r) => setTimeout(r, 20)); }",
      'console.log("done");',
    ].join("\n");
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { timeout: 60_000 });
    expect(stdout.trim().split("\n").pop()).toBe("done");
  }, 90_000);
});
