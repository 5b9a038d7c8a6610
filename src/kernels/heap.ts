/**
 * Allocates 16-byte-aligned blocks of the kernels' WebAssembly memory: best fit among the free
 * blocks (neighbours merged when freed), growing the memory at its end when none fits. The
 * kernels keep two kinds of blocks in it: a call's scratch (freed when the next call starts) and
 * the results that back tensors (freed when the tensor is disposed).
 * @internal
 */
export class KernelHeap {
  /** Free blocks as [offset, bytes], sorted by offset, never adjacent. */
  private readonly free: Array<[number, number]> = [];
  /** Bytes of every allocated block, by offset. */
  private readonly sizes = new Map<number, number>();
  private end: number;

  /**
   * @param start - first byte the heap may use (16-byte aligned).
   * @param grow - grows the memory to at least the given byte and returns its new size in bytes.
   */
  constructor(start: number, private readonly grow: (end: number) => number) {
    this.end = start;
  }

  /** Allocates a block of at least `bytes` (16-byte aligned, 16 bytes at least). @returns its offset. */
  alloc(bytes: number): number {
    // (no bitwise rounding: a request past 2 GiB must stay that large, so that growing refuses it)
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const room = this.free[i]?.[1] ?? 0;
      if (room >= size && (best < 0 || room < (this.free[best]?.[1] ?? 0))) best = i;
    }
    let at: number;
    if (best >= 0) {
      const [offset, room] = this.free[best] as [number, number];
      at = offset;
      if (room === size) this.free.splice(best, 1);
      else this.free[best] = [offset + size, room - size];
    } else {
      // nothing fits: take the end of the memory (with a free block that reaches it), grown; the
      // free list changes only once growing succeeded (it throws past the memory's limit)
      const last = this.free[this.free.length - 1];
      const extendsLast = last !== undefined && last[0] + last[1] === this.end;
      at = extendsLast ? last[0] : this.end;
      const end = this.grow(at + size);
      if (extendsLast) this.free.pop();
      if (end > at + size) this.free.push([at + size, end - at - size]);
      this.end = Math.max(end, at + size);
    }
    this.sizes.set(at, size);
    return at;
  }

  /** Bytes of the block at `offset`, or undefined when no block starts there. */
  sizeOf(offset: number): number | undefined {
    return this.sizes.get(offset);
  }

  /** Frees the block at `offset` (allocated by {@link KernelHeap.alloc}). */
  release(offset: number): void {
    const size = this.sizes.get(offset);
    if (size === undefined) throw new Error(`gen-mnist kernels: no allocated block at ${offset} to free`);
    this.sizes.delete(offset);
    // insert sorted, then merge with the neighbours it touches
    let i = 0;
    while (i < this.free.length && (this.free[i]?.[0] ?? 0) < offset) i++;
    this.free.splice(i, 0, [offset, size]);
    const next = this.free[i + 1];
    if (next !== undefined && offset + size === next[0]) {
      this.free[i] = [offset, size + next[1]];
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    const cur = this.free[i] as [number, number];
    if (prev !== undefined && prev[0] + prev[1] === cur[0]) {
      this.free[i - 1] = [prev[0], prev[1] + cur[1]];
      this.free.splice(i, 1);
    }
  }

  /** The free blocks as [offset, bytes], sorted by offset (for tests). */
  get freeBlocks(): ReadonlyArray<readonly [number, number]> {
    return this.free.map(([offset, bytes]) => [offset, bytes] as const);
  }

  /** Bytes in allocated blocks. */
  get allocatedBytes(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }
}
