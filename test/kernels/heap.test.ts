import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useBackend } from "../../src/index.js";
import { KernelHeap } from "../../src/kernels/heap.js";
import { WasmKernels } from "../../src/kernels/module.js";

const LIMIT = 1 << 20;

/** A heap over [64, size) of a pretend memory that grows in 4 KiB pages up to LIMIT bytes. */
function heapWithMemory(): { heap: KernelHeap; memory: () => number } {
  let size = 4096;
  const heap = new KernelHeap(64, (end) => {
    if (end > LIMIT) throw new RangeError(`needs ${end} bytes, more than ${LIMIT}`);
    size = Math.max(size, Math.ceil(end / 4096) * 4096);
    return size;
  });
  return { heap, memory: () => size };
}

describe("the kernels' memory heap", () => {
  it("never hands out overlapping or unaligned blocks, merges freed neighbours, and ends as one free block (property)", () => {
    const op = fc.oneof(fc.record({ alloc: fc.integer({ min: 0, max: 20_000 }) }), fc.record({ free: fc.nat() }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const { heap, memory } = heapWithMemory();
        const live = new Map<number, number>(); // offset → bytes asked for
        for (const o of ops) {
          if ("alloc" in o) {
            const at = heap.alloc(o.alloc);
            expect(at % 16).toBe(0);
            expect(at).toBeGreaterThanOrEqual(64);
            expect(at + Math.max(16, o.alloc)).toBeLessThanOrEqual(memory());
            for (const [other, bytes] of live) expect(at + o.alloc <= other || other + bytes <= at, `block ${at}+${o.alloc} overlaps ${other}+${bytes}`).toBe(true);
            live.set(at, Math.max(1, o.alloc));
          } else if (live.size > 0) {
            const at = [...live.keys()][o.free % live.size] as number;
            heap.release(at);
            live.delete(at);
          }
          // the free list: sorted, disjoint, never two blocks touching, none overlapping a live block
          const free = heap.freeBlocks;
          free.forEach(([at, bytes], i) => {
            const next = free[i + 1];
            if (next !== undefined) expect(at + bytes).toBeLessThan(next[0]);
            for (const [other, size] of live) expect(at + bytes <= other || other + size <= at).toBe(true);
          });
        }
        for (const at of live.keys()) heap.release(at);
        expect(heap.allocatedBytes).toBe(0);
        const free = heap.freeBlocks;
        if (free.length > 0) expect(free).toEqual([[64, memory() - 64]]);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a request past its memory's limit, sizes of 2 GiB and more included, and keeps every block it had", () => {
    const { heap, memory } = heapWithMemory();
    const a = heap.alloc(1000);
    const b = heap.alloc(3000);
    heap.release(a);
    const freeBefore = heap.freeBlocks.map((block) => [...block]);
    for (const bytes of [LIMIT, 2 ** 31, 2 ** 31 + 100, 2 ** 32 + 64]) expect(() => heap.alloc(bytes)).toThrow(RangeError);
    expect(heap.freeBlocks.map((block) => [...block])).toEqual(freeBefore);
    expect(heap.sizeOf(b)).toBe(3008);
    // the space it had is still used: a request that fits takes it instead of growing the memory
    const size = memory();
    heap.alloc(900);
    expect(memory()).toBe(size);
  });

  it("a kernel call too large for the kernels' memory throws a RangeError and leaves kept results intact", async () => {
    await useBackend("gen-mnist");
    const xs = Array.from({ length: 4 }, (_, i) => tf.fill([8, 8], i + 1));
    const kept = xs.map((x) => tf.matMul(x, x));
    const want = kept.map((y) => Array.from(y.dataSync()));
    // its output alone is 2^31 floats, 8 GiB
    expect(() => tf.tidy(() => tf.matMul(tf.ones([8192, 512, 1]), tf.ones([1, 1, 512])))).toThrow(/kernel memory/);
    kept.forEach((y, i) => expect(Array.from(y.dataSync())).toEqual(want[i]));
    expect(WasmKernels.get().memoryBytes).toBeLessThan(2 ** 30);
    tf.dispose([...xs, ...kept]);
  });
});
