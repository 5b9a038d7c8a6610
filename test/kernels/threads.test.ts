import { execFile } from "node:child_process";
import type { Worker } from "node:worker_threads";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { InvalidArgumentError, useBackend } from "../../src/index.js";
import { getKernelThreads, MAX_KERNEL_THREADS, setKernelThreads } from "../../src/kernels/index.js";
import { THREADED, WasmKernels } from "../../src/kernels/module.js";
import { KernelThreadPool, MAX_CALLS, slotWord } from "../../src/kernels/pool.js";
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

  /** The pool and the module's memory layout, which these tests drive directly. */
  interface Call {
    fn: number;
    args: readonly number[];
  }
  const internals = (kernels: WasmKernels): {
    pool: { run(calls: readonly Call[], threads?: number): void; callsByWorker(): number[]; posted: number };
    layout(sizes: readonly number[]): number[];
    f32(offset: number, length: number): Float32Array;
    execute(call: Call): void;
  } => kernels as unknown as ReturnType<typeof internals>;
  const PEAK = THREADED.indexOf("peak_madd");
  const SGEMM = THREADED.indexOf("sgemm_fused");

  /**
   * A block `out` of one float, and the arguments of an sgemm_fused call that traps: A, B and its
   * scratch are laid out blocks (what it packs before the trap lands there), C is far outside
   * memory. Valid until the next kernel call lays out its own blocks.
   */
  function trapping(kernels: WasmKernels): { out: number; bad: number[] } {
    const workFloats = (kernels as unknown as { exports: { sgemm_work_floats(): number } }).exports.sgemm_work_floats();
    const [out = 0, a = 0, b = 0, work = 0] = internals(kernels).layout.call(kernels, [1, 16, 16, workFloats]);
    return { out, bad: [0, 0, 4, 4, 4, a, 4, b, 4, 0x7ffffff0, 4, work, 0, 0] };
  }

  /** gen-mnist's kernels with `threads` threads, every worker started. */
  async function kernelsOn(threads: number): Promise<WasmKernels> {
    await useBackend("gen-mnist");
    setKernelThreads(threads);
    const kernels = WasmKernels.get();
    expect(await kernels.startThreads()).toBe(threads);
    return kernels;
  }

  /**
   * Runs `fn` with each kernel call on the calling thread first waiting (up to 10 s) until the
   * workers have run `calls` calls since, so that a worker takes part whatever the machine's load
   * (a worker that wakes late otherwise leaves its share to the calling thread).
   */
  function whileWorkersRun<T>(kernels: WasmKernels, calls: number, fn: () => T): T {
    const self = internals(kernels);
    const execute = self.execute;
    const before = kernels.workerCalls;
    self.execute = function (call) {
      const until = Date.now() + 10_000;
      while (kernels.workerCalls - before < calls && Date.now() < until);
      execute.call(this, call);
    };
    try {
      return fn();
    } finally {
      Reflect.deleteProperty(self, "execute");
    }
  }

  it.each([
    ["a large product", (): tf.Tensor => tf.matMul(tf.randomNormal([256, 300], 0, 1, "float32", 1), tf.randomNormal([300, 200], 0, 1, "float32", 2))],
    ["an elementwise pass of a preset's size (the MLP GAN's 128 × 512 activations)", (): tf.Tensor => tf.tanh(tf.randomNormal([128, 512], 0, 1, "float32", 3))],
  ])("%s is split between the threads, with the result of one thread", async (_, op) => {
    const kernels = await kernelsOn(2);
    const before = kernels.workerCalls;
    // the inputs come from tfjs's randomNormal kernel: the op's own kernel is the only pool job
    const threaded = whileWorkersRun(kernels, 1, () => tf.tidy(op));
    // one half, or both when the calling thread was descheduled before it claimed its own
    expect(kernels.workerCalls - before).toBeGreaterThanOrEqual(1);
    expect(kernels.workerCalls - before).toBeLessThanOrEqual(2);
    setKernelThreads(1);
    const single = tf.tidy(op);
    expect(Array.from(single.dataSync())).toEqual(Array.from(threaded.dataSync()));
    tf.dispose([threaded, single]);
  });

  it("a job of more calls than threads runs every call once, whichever thread claims it, for job numbers across the tag's sign bit and wrap-around", async () => {
    const kernels = await kernelsOn(2);
    const { pool, layout, f32 } = internals(kernels);
    // peak_madd writes one number that depends on its round count only: call i runs 100 + i rounds
    const want = Array.from({ length: MAX_CALLS }, (_, i) => {
      const [out = 0] = layout.call(kernels, [1]);
      pool.run([{ fn: PEAK, args: [0, 0, 0, out, 0, 100 + i] }], 1);
      return f32.call(kernels, out, 1)[0];
    });
    const before = kernels.workerCalls;
    // job numbers from 1, and around 2^15 (the packed tag's sign bit), 2^16 (the tag's wrap) and 2^30 − 1 (the number's)
    for (const start of [0, 0x7ffd, 0xfffd, 0x3ffffffd]) {
      pool.posted = start;
      for (let job = 0; job < 5; job++) {
        const [out = 0] = layout.call(kernels, [MAX_CALLS]);
        f32.call(kernels, out, MAX_CALLS).fill(Number.NaN);
        whileWorkersRun(kernels, 1, () => pool.run(Array.from({ length: MAX_CALLS }, (_, i) => ({ fn: PEAK, args: [0, 0, 0, out + 4 * i, 0, 100 + i] })), 2));
        expect(Array.from(f32.call(kernels, out, MAX_CALLS))).toEqual(want);
      }
    }
    // the worker ran at least one call of each job, and the calling thread at least one
    expect(kernels.workerCalls - before).toBeGreaterThanOrEqual(20);
    expect(kernels.workerCalls - before).toBeLessThan(20 * MAX_CALLS);
    expect(() => pool.run(Array.from({ length: MAX_CALLS + 1 }, () => ({ fn: PEAK, args: [0, 0, 0, 0, 0, 0] })))).toThrow(/at most 64/);
  });

  it("a job for fewer threads than the pool has posts to that many workers only", async () => {
    const kernels = await kernelsOn(3);
    const { pool, layout, f32 } = internals(kernels);
    const before = pool.callsByWorker();
    expect(before).toHaveLength(2);
    for (let job = 0; job < 10; job++) {
      const [out = 0] = layout.call(kernels, [8]);
      whileWorkersRun(kernels, 1, () => pool.run(Array.from({ length: 8 }, (_, i) => ({ fn: PEAK, args: [0, 0, 0, out + 4 * i, 0, 20_000] })), 2));
      expect(f32.call(kernels, out, 8).every((v) => Number.isFinite(v) && v !== 0)).toBe(true);
    }
    const ran = pool.callsByWorker().map((calls, slot) => calls - (before[slot] ?? 0));
    // the first ready worker took part; the second was never posted
    expect(ran[0]).toBeGreaterThanOrEqual(10);
    expect(ran[1]).toBe(0);
  });

  it("a wasm trap in a worker surfaces as an error naming the thread once the job is done, one on the calling thread as thrown, and the pool keeps working", async () => {
    const kernels = await kernelsOn(2);
    const { pool } = internals(kernels);
    // sgemm_fused with C far outside memory traps in whichever thread runs it
    const { out, bad } = trapping(kernels);
    const before = kernels.workerCalls;
    // the worker runs two of the three calls, so at least one trap, and a worker's error is the one reported
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(() =>
        whileWorkersRun(kernels, 2, () => pool.run([{ fn: PEAK, args: [0, 0, 0, out, 0, 1000] }, { fn: SGEMM, args: bad }, { fn: SGEMM, args: bad }], 2)),
      ).toThrow(/^gen-mnist kernel thread 1 failed: .*out of bounds/);
    }
    expect(kernels.workerCalls - before).toBeGreaterThanOrEqual(6);
    // a worker's failure is reported with its job only: the next jobs succeed
    const y = tf.matMul(tf.ones([128, 128]), tf.ones([128, 128]));
    expect(y.dataSync()[0]).toBe(128);
    // on the calling thread alone: the trap itself
    const again = trapping(kernels).bad;
    expect(() => pool.run([{ fn: SGEMM, args: again }, { fn: SGEMM, args: again }], 1)).toThrow(/^(?!gen-mnist kernel thread).*out of bounds/);
    const z = whileWorkersRun(kernels, 1, () => tf.matMul(tf.ones([256, 300]), tf.ones([300, 200])));
    expect(z.dataSync()[0]).toBe(300);
    tf.dispose([y, z]);
  });

  it("a trap on the calling thread leaves its stack pointer where it was, so traps do not eat into the stack", async () => {
    // a pool of two threads, whose jobs for one thread run on the calling thread alone
    const kernels = await kernelsOn(2);
    const stack = (kernels as unknown as { exports: { __stack_pointer: WebAssembly.Global } }).exports.__stack_pointer;
    const { pool } = internals(kernels);
    const { bad } = trapping(kernels);
    const top = Number(stack.value);
    for (let i = 0; i < 3; i++) expect(() => pool.run([{ fn: SGEMM, args: bad }, { fn: SGEMM, args: bad }], 1)).toThrow(/out of bounds/);
    expect(Number(stack.value)).toBe(top);
    const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));
    expect(y.dataSync()[0]).toBe(64);
    y.dispose();
  });

  /**
   * A pool of its own (one worker) on the kernels' module and memory, whose calling thread runs
   * `execute`: tests that stop or break its workers leave the kernels' pool alone.
   */
  async function ownPool(
    kernels: WasmKernels,
    execute: (call: Call) => void,
    timeoutMs?: number,
  ): Promise<{ pool: KernelThreadPool; worker: Worker; control: Int32Array; dispose(): Promise<void> }> {
    const self = kernels as unknown as { module: WebAssembly.Module; memory: WebAssembly.Memory; heap: { alloc(bytes: number): number; release(offset: number): void } };
    const stackBytes = 64 * 1024;
    const stack = self.heap.alloc(stackBytes);
    const pool = new KernelThreadPool(self.module, self.memory, [stack + stackBytes], THREADED, execute, timeoutMs);
    const inside = pool as unknown as { workers: Worker[]; control: Int32Array };
    const [worker] = inside.workers;
    if (worker === undefined) throw new Error("the pool has no worker");
    expect(await pool.whenReady()).toBe(1);
    return {
      pool,
      worker,
      control: inside.control,
      // the worker's stack is freed once its thread has stopped
      dispose: async () => {
        pool.terminate();
        await worker.terminate();
        self.heap.release(stack);
      },
    };
  }

  it("a worker stuck in a call past the pool's timeout: the job fails naming the thread, the workers are stopped, and later jobs run on the calling thread", async () => {
    const kernels = await kernelsOn(2);
    const { layout, f32, execute } = internals(kernels);
    let stuck = true;
    const [out = 0] = layout.call(kernels, [2]);
    // the calling thread's call returns once the worker has claimed the other one, a few billion rounds of peak_madd
    const { pool, worker, control, dispose } = await ownPool(kernels, (call) => {
      if (!stuck) return void execute.call(kernels, call);
      const until = Date.now() + 10_000;
      while (Atomics.load(control, slotWord(0, "Busy")) === 0 && Date.now() < until);
    }, 500);
    try {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      const long = { fn: PEAK, args: [0, 0, 0, out, 0, 0x7fffffff] };
      const started = Date.now();
      expect(() => pool.run([long, long])).toThrow(/^gen-mnist kernel thread 1 did not finish within 0\.5 s; the kernels run on the calling thread alone from now on$/);
      expect(Date.now() - started).toBeLessThan(5_000);
      // the stuck worker is stopped (its thread exits in the middle of the call)
      await exited;
      stuck = false;
      const posted = Atomics.load(control, slotWord(0, "Posted"));
      f32.call(kernels, out, 2).fill(Number.NaN);
      pool.run([0, 1].map((i) => ({ fn: PEAK, args: [0, 0, 0, out + 4 * i, 0, 100] })));
      expect(Atomics.load(control, slotWord(0, "Posted"))).toBe(posted);
      expect(f32.call(kernels, out, 2).every((v) => Number.isFinite(v))).toBe(true);
    } finally {
      await dispose();
    }
  });

  it("a worker that exits is no longer ready: jobs are not posted to it, the calling thread runs them, and the pool does not wait for it to start", async () => {
    const kernels = await kernelsOn(2);
    const { layout, f32, execute } = internals(kernels);
    const { pool, worker, control, dispose } = await ownPool(kernels, (call) => execute.call(kernels, call));
    try {
      await worker.terminate();
      const until = Date.now() + 10_000;
      while (pool.readyWorkers() !== 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(pool.readyWorkers()).toBe(0);
      const started = Date.now();
      expect(await pool.whenReady()).toBe(0);
      expect(Date.now() - started).toBeLessThan(1_000);
      const posted = Atomics.load(control, slotWord(0, "Posted"));
      const [out = 0] = layout.call(kernels, [4]);
      pool.run([0, 1, 2, 3].map((i) => ({ fn: PEAK, args: [0, 0, 0, out + 4 * i, 0, 100] })));
      expect(Atomics.load(control, slotWord(0, "Posted"))).toBe(posted);
      expect(pool.workerCalls).toBe(0);
      expect(f32.call(kernels, out, 4).every((v) => Number.isFinite(v))).toBe(true);
    } finally {
      await dispose();
    }
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
