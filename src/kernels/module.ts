import { KERNELS_MAX_PAGES } from "./_wasm.js";
import { KernelHeap } from "./heap.js";
import { splitRange, threadsFor, threadsForPass } from "./partition.js";
import { KernelThreadPool, type KernelCall } from "./pool.js";
import { getKernelThreads } from "./threads.js";
import { kernelModuleBytes, resolveKernelModule, type KernelModule, type KernelModuleRequest } from "./variant.js";

/** The geometry of a 2-D convolution, NHWC, as the kernels take it. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

type KernelFn = (...args: number[]) => void;

/** Activations the kernels apply themselves after a GEMM or convolution. */
export type KernelActivation = "linear" | "relu" | "relu6" | "leakyrelu";

/** What to do to a product before it is returned: add a bias, then apply an activation. */
export interface KernelEpilogue {
  /** One value for every output, or one per output column / channel. */
  readonly bias?: Float32Array | undefined;
  readonly activation: KernelActivation;
  /** Slope of `leakyrelu` below zero. */
  readonly alpha: number;
}

const ACTIVATION_CODES: Record<KernelActivation, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3 };

interface Exports {
  sgemm_work_floats(): number;
  sgemm_fused: KernelFn;
  conv_work_floats(params: number, images: number, withCols: number): number;
  conv2d: KernelFn;
  conv2d_backprop_input: KernelFn;
  conv2d_backprop_filter_part: KernelFn;
  conv2d_backprop_filter_sum: KernelFn;
  winograd_filter: KernelFn;
  winograd_work_floats(params: number, images: number): number;
  conv2d_winograd: KernelFn;
  winograd_filter_grad_part: KernelFn;
  winograd_filter_grad_sum: KernelFn;
  set_max_cols_floats(floats: number): void;
  leaky_relu: KernelFn;
  relu: KernelFn;
  relu_grad: KernelFn;
  tanh_f32: KernelFn;
  greater: KernelFn;
  select_f32: KernelFn;
  add_f32: KernelFn;
  column_sums: KernelFn;
  leaky_relu_grad: KernelFn;
  adam: KernelFn;
  bn_stats: KernelFn;
  bn_backward_sums: KernelFn;
  channel_affine: KernelFn;
  dropout: KernelFn;
  peak_madd: KernelFn;
  dgemm_work_floats(): number;
  dgemm_nt: KernelFn;
  __heap_base: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
}

/** The functions threads run, in the order {@link KernelCall.fn} indexes them. @internal */
export const THREADED = [
  "sgemm_fused", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter_part", "leaky_relu", "greater", "select_f32", "column_sums", "dgemm_nt",
  "bn_stats", "bn_backward_sums", "channel_affine", "dropout", "leaky_relu_grad", "adam", "conv2d_winograd",
  "winograd_filter_grad_part", "tanh_f32", "peak_madd", "relu", "relu_grad", "winograd_filter", "winograd_filter_grad_sum",
  "conv2d_backprop_filter_sum", "add_f32",
] as const;
type Threaded = (typeof THREADED)[number];
const fnIndex = (name: Threaded): number => THREADED.indexOf(name);

const PAGE = 65536;
/** Stack of each worker thread's instance (the calling thread's is the module's own). */
const WORKER_STACK_BYTES = 64 * 1024;
const align16 = (n: number): number => (n + 15) & ~15;

/**
 * gen-mnist's WebAssembly SIMD kernels (built from `kernels/kernels.c`): inputs are copied into
 * the module's shared memory, computed by up to {@link getKernelThreads} threads (the calling
 * thread and a {@link KernelThreadPool}), and the result copied out. One of two builds runs
 * (see {@link KernelModule}): the relaxed-SIMD one where the runtime validates it, else plain SIMD128.
 */
export class WasmKernels {
  /** Which build of the kernels this instance runs. */
  readonly variant: KernelModule;
  private readonly module: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly exports: Exports;
  private readonly heapBase: number;
  private pool: KernelThreadPool | undefined;
  /** Threads the current pool was made for: its workers and the calling thread (1: no pool). */
  private poolThreads = 1;
  /** The kernels' memory past the module's own data: worker stacks, call scratch, results kept for tensors. */
  private readonly heap: KernelHeap;
  /** Blocks {@link WasmKernels.layout} gave the current call (freed when the next call starts, unless claimed). */
  private callBlocks: number[] = [];
  /** Blocks {@link WasmKernels.claim}ed for results that back tensors, with their claim counts. */
  private readonly claims = new Map<number, number>();
  /** Bytes of the claimed blocks. */
  private claimed = 0;
  /**
   * Most bytes of results {@link WasmKernels.claim} keeps for tensors (default 512 MiB); past it
   * results are copied out as they were before claims, so that the kernels' memory stays well
   * inside the 2 GiB the module addresses. Tests set it to 0.
   * @internal
   */
  claimLimit = 512 * 2 ** 20;
  /** Every buffer object this memory has had (it gets a new one when it grows): what {@link WasmKernels.owns} looks for. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** The worker threads' stacks. */
  private stackBlocks: number[] = [];

  private constructor(variant: KernelModule) {
    this.variant = variant;
    this.memory = new WebAssembly.Memory({ initial: 64, maximum: KERNELS_MAX_PAGES, shared: true });
    this.module = new WebAssembly.Module(kernelModuleBytes(variant));
    const instance = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as Exports;
    this.heapBase = Number(this.exports.__heap_base.value);
    this.heap = new KernelHeap(align16(this.heapBase), (end) => {
      this.ensure(end);
      return this.memory.buffer.byteLength;
    });
  }

  /** The instance {@link WasmKernels.get} returns. */
  private static shared: WasmKernels | undefined;
  /** One instance per build, kept once made: switching back and forth starts no new threads. */
  private static readonly instances = new Map<KernelModule, WasmKernels>();

  /** The process-wide instance: the build {@link WasmKernels.select} chose, else the `"auto"` one. */
  static get(): WasmKernels {
    return (WasmKernels.shared ??= WasmKernels.instance(resolveKernelModule("auto")));
  }

  private static instance(variant: KernelModule): WasmKernels {
    let kernels = WasmKernels.instances.get(variant);
    if (kernels === undefined) {
      kernels = new WasmKernels(variant);
      WasmKernels.instances.set(variant, kernels);
    }
    return kernels;
  }

  /**
   * Chooses the kernel build the process-wide instance runs from the next kernel call on (the
   * request is checked by the caller, see `checkKernelModule`). Each build keeps its own memory
   * and worker threads (idle workers sleep), so switching back costs nothing; nothing else holds
   * kernel memory between calls.
   * @returns the build now in effect.
   */
  static select(request: KernelModuleRequest): KernelModule {
    const variant = resolveKernelModule(request);
    WasmKernels.shared = WasmKernels.instance(variant);
    return variant;
  }

  /**
   * Threads the kernels use now ({@link getKernelThreads}). The worker pool only ever grows: a
   * lower count uses fewer of its workers, so switching back and forth costs nothing (a fresh
   * worker would also start on unoptimised code).
   */
  private threadCount(): number {
    const wanted = getKernelThreads();
    if (wanted > this.poolThreads) {
      this.pool?.terminate();
      this.stackBlocks.forEach((block) => this.heap.release(block));
      this.poolThreads = wanted;
      this.stackBlocks = Array.from({ length: wanted - 1 }, () => this.heap.alloc(WORKER_STACK_BYTES));
      // a stack grows down from its top
      const stacks = this.stackBlocks.map((block) => block + WORKER_STACK_BYTES);
      this.pool = new KernelThreadPool(this.module, this.memory, stacks, THREADED, (call) => this.execute(call));
    }
    return wanted;
  }

  /**
   * Starts the worker threads for {@link getKernelThreads} now (they otherwise start at the first
   * kernel call, and calls made before they are up run on the calling thread) and waits for them.
   * @returns the threads ready to run kernels, the calling thread included.
   */
  async startThreads(): Promise<number> {
    const threads = this.threadCount();
    return Math.min(threads, 1 + (await (this.pool?.whenReady() ?? Promise.resolve(0))));
  }

  /**
   * Limits each thread's im2col buffer to `floats` (default 1 Mi floats, 4 MiB); convolutions of
   * more images run in chunks. Tests set it tiny so that every batch is chunked.
   */
  setColsLimit(floats: number): void {
    this.exports.set_max_cols_floats(floats);
  }

  /** Bytes of WebAssembly memory the kernels hold (it grows to the largest call so far). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Kernel calls worker threads have run so far (0 without a pool). */
  get workerCalls(): number {
    return this.pool?.workerCalls ?? 0;
  }

  private execute(call: KernelCall): void {
    const stack = this.exports.__stack_pointer.value as number;
    try {
      this.exports[THREADED[call.fn] as Threaded](...call.args);
    } catch (err) {
      // a trap leaves the stack pointer where the failed frame set it
      this.exports.__stack_pointer.value = stack;
      throw err;
    }
  }

  /** Runs calls at once on up to {@link getKernelThreads} threads, which claim them one at a time. */
  private run(calls: readonly KernelCall[]): void {
    if (this.pool === undefined || calls.length === 1) calls.forEach((call) => this.execute(call));
    else this.pool.run(calls, this.threadCount());
  }

  private ensure(bytes: number): void {
    const need = bytes - this.memory.buffer.byteLength;
    if (need <= 0) return;
    const pages = Math.ceil(need / PAGE);
    if (this.memory.buffer.byteLength / PAGE + pages > KERNELS_MAX_PAGES) {
      throw new RangeError(
        `gen-mnist kernels: this operation needs ${Math.ceil(bytes / 2 ** 20)} MiB of kernel memory, more than the ` +
          `${(KERNELS_MAX_PAGES * PAGE) / 2 ** 30} GiB the WebAssembly module can address; use a smaller batch`,
      );
    }
    this.memory.grow(pages);
  }

  /**
   * Allocates a block of `sizes[i]` floats (16-byte aligned) for each entry and returns their byte
   * offsets: a call's scratch, inputs and outputs. The first layout of a call frees the blocks of
   * the call before (those not {@link WasmKernels.claim}ed); `more` adds to the current call's.
   */
  private layout(sizes: readonly number[], more = false): number[] {
    if (!more) this.endCall();
    return sizes.map((size) => {
      const at = this.heap.alloc(size * 4);
      this.callBlocks.push(at);
      return at;
    });
  }

  /** Frees the current call's blocks, except those claimed for tensors. */
  private endCall(): void {
    for (const block of this.callBlocks) if (!this.claims.has(block)) this.heap.release(block);
    this.callBlocks = [];
  }

  /** The memory's buffer, remembered as one of this memory's (see {@link WasmKernels.owns}). */
  private buffer(): ArrayBuffer {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return buffer;
  }

  private f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.buffer(), offset, length);
  }

  /**
   * Whether `view` is a claimed result in this memory (see {@link WasmKernels.claim}): the
   * kernels then read it where it is instead of copying it in.
   */
  owns(view: Float32Array | Uint8Array): boolean {
    return this.buffers.has(view.buffer) && this.claims.has(view.byteOffset);
  }

  /** Floats an input needs laid out: none when it is already in this memory ({@link WasmKernels.owns}). */
  private need(view: Float32Array | Uint8Array): number {
    return this.owns(view) ? 0 : Math.ceil(view.byteLength / 4);
  }

  /** The offset the kernels read `view` at: its own when {@link WasmKernels.owns} it, else `at`, where it is copied. */
  private place(view: Float32Array | Uint8Array, at: number): number {
    if (this.owns(view)) return view.byteOffset;
    new Uint8Array(this.buffer(), at, view.byteLength).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return at;
  }

  /**
   * Keeps the block of a result the last call returned (a view starting at one of its blocks)
   * past the next call, so that it can back a tensor: the kernels then read it in place, and it
   * is only copied to tfjs's memory if a tfjs kernel needs it. Release it with
   * {@link WasmKernels.unclaim}.
   * @returns the block's offset, or undefined when `view` is not such a result (copy it instead).
   * @internal
   */
  claim(view: Float32Array | Uint8Array): number | undefined {
    if (!this.buffers.has(view.buffer) || !this.callBlocks.includes(view.byteOffset)) return undefined;
    const claims = this.claims.get(view.byteOffset) ?? 0;
    if (claims === 0) {
      const size = this.heap.sizeOf(view.byteOffset) ?? 0;
      if (this.claimed + size > this.claimLimit) return undefined;
      this.claimed += size;
    }
    this.claims.set(view.byteOffset, claims + 1);
    return view.byteOffset;
  }

  /** Releases a claim of {@link WasmKernels.claim}; the block is freed with its last claim. @internal */
  unclaim(block: number): void {
    const claims = (this.claims.get(block) ?? 0) - 1;
    if (claims > 0) {
      this.claims.set(block, claims);
      return;
    }
    this.claims.delete(block);
    this.claimed -= this.heap.sizeOf(block) ?? 0;
    if (!this.callBlocks.includes(block)) this.heap.release(block);
  }

  /** Bytes the kernels hold for results that back tensors. */
  get claimedBytes(): number {
    return this.claimed;
  }

  /**
   * Copies an epilogue's bias and settings into memory at `at` (see {@link WasmKernels.epilogueFloats}).
   * @returns the byte offset of the 4-int block the kernels read, or 0 for no epilogue.
   */
  private writeEpilogue(epilogue: KernelEpilogue | undefined, at: number): number {
    if (epilogue === undefined) return 0;
    const bias = epilogue.bias;
    const ints = new Int32Array(this.buffer(), at, 4);
    const biasAt = at + 16;
    if (bias !== undefined) this.f32(biasAt, bias.length).set(bias);
    ints[0] = bias === undefined ? 0 : biasAt;
    ints[1] = bias === undefined ? 0 : bias.length;
    ints[2] = ACTIVATION_CODES[epilogue.activation];
    ints[3] = floatBits(epilogue.alpha);
    return at;
  }

  /** Floats of memory {@link WasmKernels.writeEpilogue} needs. */
  private static epilogueFloats(epilogue: KernelEpilogue | undefined): number {
    return epilogue === undefined ? 0 : 4 + (epilogue.bias?.length ?? 0);
  }

  /**
   * `out[b] = op(a[b % batchA]) · op(b[b % batchB])` for row-major `[batch, rows, cols]` operands,
   * then `epilogue` (a bias per column of `out`, an activation). Each product is split by rows
   * (or by columns when it is wider than tall) between threads.
   * @returns `[batch, m, n]` values: a view of the kernels' memory, valid until the next call.
   */
  matMul(
    a: Float32Array, b: Float32Array, batchA: number, batchB: number, m: number, n: number, k: number,
    transposeA: boolean, transposeB: boolean, epilogue?: KernelEpilogue,
  ): Float32Array {
    const batch = Math.max(batchA, batchB);
    const byRows = m >= n;
    const ranges = splitRange(byRows ? m : n, threadsFor(2 * m * n * k, this.threadCount()), byRows ? 4 : 8);
    const work = this.exports.sgemm_work_floats();
    const [sa = 0, sb = 0, pc = 0, pw = 0, pe = 0] = this.layout([
      this.need(a), this.need(b), batch * m * n, work * Math.max(1, ranges.length), WasmKernels.epilogueFloats(epilogue),
    ]);
    const pa = this.place(a, sa);
    const pb = this.place(b, sb);
    const epi = this.writeEpilogue(epilogue, pe);
    const lda = transposeA ? m : k;
    const ldb = transposeB ? k : n;
    for (let i = 0; i < batch && ranges.length > 0; i++) {
      const a0 = pa + (i % batchA) * m * k * 4;
      const b0 = pb + (i % batchB) * k * n * 4;
      const c0 = pc + i * m * n * 4;
      this.run(ranges.map(([s, e], t) => {
        const aAt = byRows ? a0 + (transposeA ? s : s * lda) * 4 : a0;
        const bAt = byRows ? b0 : b0 + (transposeB ? s * ldb : s) * 4;
        const cAt = c0 + (byRows ? s * n : s) * 4;
        const rows = byRows ? e - s : m;
        const cols = byRows ? n : e - s;
        return {
          fn: fnIndex("sgemm_fused"),
          args: [transposeA ? 1 : 0, transposeB ? 1 : 0, rows, cols, k, aAt, lda, bAt, ldb, cAt, n, pw + t * work * 4, epi, byRows ? 0 : s],
        };
      }));
    }
    // an empty product (m, n or batch 0) leaves nothing to compute
    return this.f32(pc, batch * m * n);
  }

  /**
   * `C = A · Bᵀ` in float64 for row-major `A [m, k]` and `B [n, k]`: the dot product of every row
   * of A with every row of B (Gram and kernel matrices, squared distances, cosine similarities).
   * Split by rows of C between threads.
   * @returns `[m, n]` values: a view of the kernels' memory, valid until the next call.
   */
  dotProducts64(a: Float64Array, b: Float64Array, m: number, n: number, k: number): Float64Array {
    const ranges = splitRange(m, threadsFor(2 * m * n * k, this.threadCount()), 4);
    const work = this.exports.dgemm_work_floats();
    const [pa = 0, pb = 0, pc = 0, pw = 0] = this.layout([2 * m * k, 2 * n * k, 2 * m * n, work * Math.max(1, ranges.length)]);
    new Float64Array(this.buffer(), pa, m * k).set(a.subarray(0, m * k));
    new Float64Array(this.buffer(), pb, n * k).set(b.subarray(0, n * k));
    this.run(ranges.map(([s, e], t) => ({
      fn: fnIndex("dgemm_nt"),
      args: [e - s, n, k, pa + s * k * 8, k, pb, k, pc + s * n * 8, n, pw + t * work * 4],
    })));
    return new Float64Array(this.buffer(), pc, m * n);
  }

  private params(g: ConvGeometry): Int32Array {
    return Int32Array.from([
      g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
      g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
    ]);
  }

  /**
   * Runs a conv kernel with the batch split between threads: writes the params, copies the two
   * inputs in, gives every thread its images and its scratch, and returns the output's offset
   * (and that of `extra` floats laid out after the scratch, for the caller's own use).
   */
  private conv(
    kind: "conv2d" | "conv2d_backprop_input" | "conv2d_backprop_filter_part",
    g: ConvGeometry,
    first: Float32Array,
    second: Float32Array,
    outLength: number,
    extra = 0,
    epilogue?: KernelEpilogue,
  ): { out: number; parts: number; params: number; extra: number } {
    const flops = 2 * g.batch * g.outHeight * g.outWidth * g.outChannels * g.filterHeight * g.filterWidth * g.inChannels;
    const ranges = splitRange(g.batch, threadsFor(flops, this.threadCount()));
    const images = Math.max(0, ...ranges.map(([s, e]) => e - s));
    const params = this.params(g);
    const [pp = 0] = this.layout([params.length]);
    new Int32Array(this.buffer(), pp, params.length).set(params);
    const work = this.exports.conv_work_floats(pp, images, kind === "conv2d" ? 0 : 1);
    // the filter gradient has one output per thread
    const outs = kind === "conv2d_backprop_filter_part" ? Math.max(1, ranges.length) : 1;
    const [s1 = 0, s2 = 0, po = 0, pw = 0, px = 0, pe = 0] = this.layout([
      this.need(first), this.need(second), outLength * outs, work * ranges.length, extra, WasmKernels.epilogueFloats(epilogue),
    ], true);
    const p1 = this.place(first, s1);
    const p2 = this.place(second, s2);
    const epi = this.writeEpilogue(epilogue, pe);
    this.run(ranges.map(([s, e], t) => ({
      fn: fnIndex(kind),
      args: [pp, p1, p2, kind === "conv2d_backprop_filter_part" ? po + t * outLength * 4 : po, pw + t * work * 4, s, e, ...(kind === "conv2d" ? [epi] : [])],
    })));
    return { out: po, parts: ranges.length, params: pp, extra: px };
  }

  /**
   * A filter pass's channels split between threads as a memory-bound pass of
   * `channels × perChannel` elements, in blocks of `align` channels.
   */
  private channelRanges(channels: number, perChannel: number, align = 1): Array<[number, number]> {
    return splitRange(channels, threadsForPass(channels * perChannel, this.threadCount()), align);
  }

  /**
   * Whether 3x3 convolutions of stride 1 (and their input gradients) run as Winograd F(2x2, 3x3),
   * with 2.25x fewer multiplications than im2col + GEMM, when both channel counts are multiples
   * of 4 (at least 8). On by default; the tests and the bench turn it off to compare.
   */
  winograd = true;

  /** Convolution kernels run as Winograd F(2x2, 3x3) so far (forward, input and filter gradients). */
  winogradCalls = 0;

  /** Whether {@link WasmKernels.winograd} takes the convolution `g` (as run: input → output). */
  private winogradTakes(g: ConvGeometry): boolean {
    const channels = (c: number): boolean => c >= 8 && c % 4 === 0;
    return this.winograd && g.filterHeight === 3 && g.filterWidth === 3 && g.strideHeight === 1 && g.strideWidth === 1 &&
      g.dilationHeight === 1 && g.dilationWidth === 1 && channels(g.inChannels) && channels(g.outChannels) &&
      g.padTop >= 0 && g.padTop <= 2 && g.padLeft >= 0 && g.padLeft <= 2 && g.outHeight * g.outWidth >= 16;
  }

  /**
   * The Winograd convolution `g` (3x3, stride 1) of `input` with `filter [3,3,Cin,Cout]`, or with
   * the filter rotated by 180 degrees and its channels swapped (`flip`: an input gradient, where
   * `g` runs from dy's channels to x's), then `epilogue`; the batch split between threads.
   */
  private winogradConv(g: ConvGeometry, input: Float32Array, filter: Float32Array, flip: boolean, epilogue?: KernelEpilogue): Float32Array {
    this.winogradCalls++;
    const flops = (2 * g.batch * g.outHeight * g.outWidth * g.outChannels * 9 * g.inChannels) / 2.25;
    const ranges = splitRange(g.batch, threadsFor(flops, this.threadCount()));
    const images = Math.max(0, ...ranges.map(([s, e]) => e - s));
    const params = this.params(g);
    const [pp = 0] = this.layout([params.length]);
    new Int32Array(this.buffer(), pp, params.length).set(params);
    const work = this.exports.winograd_work_floats(pp, images);
    const outLength = g.batch * g.outHeight * g.outWidth * g.outChannels;
    const [s1 = 0, s2 = 0, pu = 0, po = 0, pw = 0, pe = 0] = this.layout([
      this.need(input), this.need(filter), 16 * g.inChannels * g.outChannels, outLength, work * ranges.length, WasmKernels.epilogueFloats(epilogue),
    ], true);
    const p1 = this.place(input, s1);
    const p2 = this.place(filter, s2);
    const epi = this.writeEpilogue(epilogue, pe);
    // the filter's own channel counts: [3,3,Cin,Cout] of the forward convolution
    const [filterIn, filterOut] = flip ? [g.outChannels, g.inChannels] : [g.inChannels, g.outChannels];
    this.run(this.channelRanges(filterIn, 16 * filterOut, 4).map(([s, e]) => ({ fn: fnIndex("winograd_filter"), args: [p2, filterIn, filterOut, flip ? 1 : 0, pu, s, e] })));
    this.run(ranges.map(([s, e], t) => ({ fn: fnIndex("conv2d_winograd"), args: [pp, p1, pu, po, pw + t * work * 4, s, e, epi] })));
    return this.f32(po, outLength);
  }

  /**
   * Convolution: `x [N,H,W,Cin]`, `filter [KH,KW,Cin,Cout]` → `[N,OH,OW,Cout]`, then `epilogue`
   * (a bias per output channel, an activation).
   * @returns a view of the kernels' memory, valid until the next call.
   */
  conv2d(g: ConvGeometry, x: Float32Array, filter: Float32Array, epilogue?: KernelEpilogue): Float32Array {
    if (this.winogradTakes(g)) return this.winogradConv(g, x, filter, false, epilogue);
    const length = g.batch * g.outHeight * g.outWidth * g.outChannels;
    return this.f32(this.conv("conv2d", g, x, filter, length, 0, epilogue).out, length);
  }

  /**
   * Gradient of a convolution with respect to its input: `dy`, `filter` → `[N,H,W,Cin]`.
   * @returns a view of the kernels' memory, valid until the next call.
   */
  conv2dBackpropInput(g: ConvGeometry, dy: Float32Array, filter: Float32Array): Float32Array {
    // for stride 1, the convolution of dy with the rotated filter, padded by 2 − pad
    const flipped: ConvGeometry = {
      ...g, inHeight: g.outHeight, inWidth: g.outWidth, inChannels: g.outChannels,
      outHeight: g.inHeight, outWidth: g.inWidth, outChannels: g.inChannels, padTop: 2 - g.padTop, padLeft: 2 - g.padLeft,
    };
    if (this.winogradTakes(g) && this.winogradTakes(flipped)) return this.winogradConv(flipped, dy, filter, true);
    const length = g.batch * g.inHeight * g.inWidth * g.inChannels;
    return this.f32(this.conv("conv2d_backprop_input", g, dy, filter, length).out, length);
  }

  /**
   * Gradient of a convolution with respect to its filter: `x`, `dy` → `[KH,KW,Cin,Cout]`. Each
   * thread computes its images' share; the shares are then summed.
   * @returns a view of the kernels' memory, valid until the next call.
   */
  conv2dBackpropFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float32Array {
    const length = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
    if (this.winogradTakes(g)) {
      // each thread's share in the transformed domain ([16, Cout, Cin]), summed and mapped back
      this.winogradCalls++;
      const ranges = splitRange(g.batch, threadsFor((2 * g.batch * g.outHeight * g.outWidth * g.outChannels * 9 * g.inChannels) / 2.25, this.threadCount()));
      const share = 16 * g.inChannels * g.outChannels;
      const params = this.params(g);
      const [pp = 0] = this.layout([params.length]);
      new Int32Array(this.buffer(), pp, params.length).set(params);
      const work = this.exports.winograd_work_floats(pp, Math.max(0, ...ranges.map(([s, e]) => e - s)));
      const [s1 = 0, s2 = 0, ps = 0, pw = 0, po = 0] = this.layout([this.need(x), this.need(dy), share * ranges.length, work * ranges.length, length], true);
      const p1 = this.place(x, s1);
      const p2 = this.place(dy, s2);
      this.run(ranges.map(([s, e], t) => ({ fn: fnIndex("winograd_filter_grad_part"), args: [pp, p1, p2, ps + t * share * 4, pw + t * work * 4, s, e] })));
      this.run(this.channelRanges(g.outChannels, 16 * g.inChannels * ranges.length).map(([s, e]) => ({
        fn: fnIndex("winograd_filter_grad_sum"), args: [g.inChannels, g.outChannels, ps, ranges.length, po, s, e],
      })));
      return this.f32(po, length);
    }
    const { out, parts, params, extra } = this.conv("conv2d_backprop_filter_part", g, x, dy, length, length);
    const k = g.filterHeight * g.filterWidth * g.inChannels;
    this.run(this.channelRanges(g.outChannels, k * parts).map(([s, e]) => ({ fn: fnIndex("conv2d_backprop_filter_sum"), args: [params, out, parts, extra, s, e] })));
    return this.f32(extra, length);
  }

  /**
   * Copies up to three `inputs` in, lays out an output of `outBytes`, and runs
   * `fn(a, b, c, out, start, end, param)` on ranges of `length` elements split between threads.
   * @returns the output's byte offset.
   */
  private elementwise(fn: Threaded, length: number, inputs: readonly (Float32Array | Uint8Array)[], outBytes: number, param = 0): number {
    const ranges = splitRange(length, threadsForPass(length, this.threadCount()), 16);
    const offsets = this.layout([...inputs.map((a) => this.need(a)), Math.ceil(outBytes / 4)]);
    const placed = inputs.map((a, i) => this.place(a, offsets[i] ?? 0));
    const out = offsets[inputs.length] ?? 0;
    const pointers = [0, 1, 2].map((i) => placed[i] ?? 0);
    this.run(ranges.map(([s, e]) => ({ fn: fnIndex(fn), args: [...pointers, out, s, e, param] })));
    return out;
  }

  /**
   * `max(0, x)` as tfjs computes ReLU: `x` above 0, NaN stays NaN, else +0.
   * @returns a view of the kernels' memory, valid until the next call.
   */
  relu(x: Float32Array): Float32Array {
    return this.f32(this.elementwise("relu", x.length, [x], x.byteLength), x.length);
  }

  /**
   * ReLU's gradient as tfjs composes it, `dy · step(x)`: `dy` where `x > 0`, `0 · dy` where
   * `x ≤ 0`, NaN where `x` is NaN.
   * @returns a view of the kernels' memory, valid until the next call.
   */
  reluGrad(dy: Float32Array, x: Float32Array): Float32Array {
    return this.f32(this.elementwise("relu_grad", dy.length, [dy, x], dy.byteLength), dy.length);
  }

  /**
   * `x > 0 ? x : alpha * x`, elementwise (tfjs's wasm LeakyRelu is several times slower).
   * @returns a view of the kernels' memory, valid until the next call.
   */
  leakyRelu(x: Float32Array, alpha: number): Float32Array {
    const out = this.elementwise("leaky_relu", x.length, [x], x.byteLength, floatBits(alpha));
    return this.f32(out, x.length);
  }

  /**
   * Concatenation of row-major tensors along an axis: `parts[i]` holds `outer` blocks of
   * `inners[i]` values each, and the result `outer` blocks of `Σ inners` values, the parts' i-th
   * blocks side by side. A copy, but into the kernels' memory, where the next kernel reads it
   * (a joint discriminator pass concatenates the real and the generated batch).
   * @returns a view of the kernels' memory, valid until the next call.
   */
  concat(parts: readonly Float32Array[], outer: number, inners: readonly number[]): Float32Array {
    const width = inners.reduce((a, b) => a + b, 0);
    const [out = 0] = this.layout([outer * width]);
    const values = this.f32(out, outer * width);
    let column = 0;
    parts.forEach((part, i) => {
      const inner = inners[i] ?? 0;
      if (outer === 1) values.set(part.subarray(0, inner), column);
      else for (let b = 0; b < outer; b++) values.set(part.subarray(b * inner, (b + 1) * inner), b * width + column);
      column += inner;
    });
    return values;
  }

  /**
   * `tanh(x)`, elementwise: a rational approximation, exact to a few ulp (NaN stays NaN).
   * @returns a view of the kernels' memory, valid until the next call.
   */
  tanh(x: Float32Array): Float32Array {
    return this.f32(this.elementwise("tanh_f32", x.length, [x], x.byteLength), x.length);
  }

  /**
   * LeakyRelu's gradient: `x > 0 ? dy : alpha * dy`, elementwise.
   * @returns a view of the kernels' memory, valid until the next call.
   */
  leakyReluGrad(dy: Float32Array, x: Float32Array, alpha: number): Float32Array {
    const out = this.elementwise("leaky_relu_grad", dy.length, [dy, x], dy.byteLength, floatBits(alpha));
    return this.f32(out, dy.length);
  }

  /**
   * `a + b`, with `b` repeated along `a`: one value, one per channel of `a`'s last dimension, or
   * one per element (`a.length` must be a multiple of `b.length`).
   * @returns a view of the kernels' memory, valid until the next call.
   */
  add(a: Float32Array, b: Float32Array): Float32Array {
    if (b.length === 0 || a.length % b.length !== 0) throw new RangeError(`add: b (${b.length} values) must repeat a whole number of times along a (${a.length} values)`);
    return this.f32(this.elementwise("add_f32", a.length, [a, b], a.byteLength, b.length), a.length);
  }

  /**
   * `a > b` elementwise as bytes (1 or 0), `b` one value or one per element of `a`.
   * @returns a view of the kernels' memory, valid until the next call.
   */
  greater(a: Float32Array, b: Float32Array): Uint8Array {
    const out = this.elementwise("greater", a.length, [a, b], a.length, b.length === 1 ? 1 : 0);
    return new Uint8Array(this.buffer(), out, a.length);
  }

  /**
   * `condition ? t : e` elementwise (one byte of `condition` per element).
   * @returns a view of the kernels' memory, valid until the next call.
   */
  select(condition: Uint8Array, t: Float32Array, e: Float32Array): Float32Array {
    const out = this.elementwise("select_f32", t.length, [condition, t, e], t.byteLength);
    return this.f32(out, t.length);
  }

  /**
   * Sums of the columns of a row-major `[rows, cols]` matrix (tfjs's Sum over every axis but the
   * last), the columns split between threads.
   * @returns `cols` sums: a view of the kernels' memory, valid until the next call.
   */
  columnSums(a: Float32Array, rows: number, cols: number): Float32Array {
    const [sa = 0, py = 0] = this.layout([this.need(a), cols]);
    const pa = this.place(a, sa);
    this.run(this.columnRanges(rows, cols).map(([s, e]) => ({ fn: fnIndex("column_sums"), args: [pa, rows, cols, py, s, e] })));
    return this.f32(py, cols);
  }

  /** Column ranges for a per-column reduction of a `[rows, cols]` matrix (one thread below 32 columns). */
  private columnRanges(rows: number, cols: number): Array<[number, number]> {
    return splitRange(cols, cols >= 32 ? threadsForPass(rows * cols, this.threadCount()) : 1, 16);
  }

  /** Row ranges for an elementwise pass over a `[rows, cols]` matrix. */
  private rowRanges(rows: number, cols: number): Array<[number, number]> {
    return splitRange(rows, threadsForPass(rows * cols, this.threadCount()));
  }

  /**
   * Batch normalisation in training mode over every axis but the last: the per-column mean and
   * biased variance of `x [rows, cols]`, then `y = γ (x − mean) / √(variance + ε) + β`.
   * The input is copied into the kernels' memory once for both passes.
   */
  batchNormForward(x: Float32Array, rows: number, cols: number, gamma: Float32Array | undefined, beta: Float32Array | undefined, epsilon: number): BatchNormForward {
    const [sx = 0, py = 0, pm = 0, pv = 0, pc = 0] = this.layout([this.need(x), x.length, cols, cols, 4 * cols]);
    const px = this.place(x, sx);
    this.run(this.columnRanges(rows, cols).map(([s, e]) => ({ fn: fnIndex("bn_stats"), args: [px, rows, cols, pm, pv, s, e] })));
    const mean = this.f32(pm, cols);
    const variance = this.f32(pv, cols);
    // y = γ r (x − mean) + β, r = 1 / √(variance + ε)
    const coef = this.f32(pc, 4 * cols);
    for (let j = 0; j < cols; j++) {
      coef[j] = (gamma?.[j] ?? 1) / Math.sqrt((variance[j] ?? 0) + epsilon);
      coef[cols + j] = mean[j] ?? 0;
      coef[2 * cols + j] = 0;
      coef[3 * cols + j] = beta?.[j] ?? 0;
    }
    this.run(this.rowRanges(rows, cols).map(([s, e]) => ({ fn: fnIndex("channel_affine"), args: [px, 0, pc, py, rows, cols, s, e] })));
    return { y: this.f32(py, x.length), mean, variance };
  }

  /**
   * The gradients of {@link WasmKernels.batchNormForward} (the batch statistics' dependence on
   * `x` included): with `r = 1 / √(variance + ε)`, `dβ = Σ dy`, `dγ = r Σ dy (x − mean)` and
   * `dx = γ r (dy − dβ / rows − (x − mean) r dγ / rows)`.
   */
  batchNormBackward(
    dy: Float32Array, x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array | undefined,
    rows: number, cols: number, epsilon: number,
  ): BatchNormBackward {
    const [sdy = 0, sx = 0, pdx = 0, sm = 0, pb = 0, pg = 0, pc = 0] = this.layout([this.need(dy), this.need(x), x.length, this.need(mean), cols, cols, 4 * cols]);
    const pdy = this.place(dy, sdy);
    const px = this.place(x, sx);
    const pm = this.place(mean, sm);
    this.run(this.columnRanges(rows, cols).map(([s, e]) => ({ fn: fnIndex("bn_backward_sums"), args: [pdy, px, pm, rows, cols, pb, pg, s, e] })));
    const dbeta = this.f32(pb, cols);
    const dgamma = this.f32(pg, cols);
    const coef = this.f32(pc, 4 * cols);
    const n = Math.max(1, rows);
    for (let j = 0; j < cols; j++) {
      const r = 1 / Math.sqrt((variance[j] ?? 0) + epsilon);
      const dg = (dgamma[j] ?? 0) * r;
      dgamma[j] = dg;
      const gr = (gamma?.[j] ?? 1) * r;
      // dx = (−γ r² dγ / n)(x − mean) + γ r dy − γ r dβ / n
      coef[j] = (-gr * r * dg) / n;
      coef[cols + j] = mean[j] ?? 0;
      coef[2 * cols + j] = gr;
      coef[3 * cols + j] = (-gr * (dbeta[j] ?? 0)) / n;
    }
    this.run(this.rowRanges(rows, cols).map(([s, e]) => ({ fn: fnIndex("channel_affine"), args: [px, pdy, pc, pdx, rows, cols, s, e] })));
    return { dx: this.f32(pdx, x.length), dgamma, dbeta };
  }

  /**
   * One Adam update of a variable, tfjs's `AdamOptimizer` arithmetic in one pass: `m' = β₁m + (1 − β₁)g`,
   * `v' = β₂v + (1 − β₂)g²`, `w' = w − lr · (m' / (1 − β₁ᵗ)) / (√(v' / (1 − β₂ᵗ)) + ε)`, each
   * operation rounded to float32 in tfjs's order (its results agree with tfjs's to a few ulps).
   * @returns views of the kernels' memory, valid until the next call.
   */
  adam(
    w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
    c: { beta1: number; beta2: number; oneMinusAccBeta1: number; oneMinusAccBeta2: number; epsilon: number; learningRate: number },
  ): { w: Float32Array; m: Float32Array; v: Float32Array } {
    const n = w.length;
    const [sw = 0, sm = 0, sv = 0, sg = 0, ow = 0, om = 0, ov = 0, pp = 0] = this.layout([this.need(w), this.need(m), this.need(v), this.need(g), n, n, n, 8]);
    const pw = this.place(w, sw);
    const pm = this.place(m, sm);
    const pv = this.place(v, sv);
    const pg = this.place(g, sg);
    // the constants as tfjs computes them: 1 − β in float32 arithmetic on float32 values
    const f = Math.fround;
    this.f32(pp, 8).set([c.beta1, f(1 - f(c.beta1)), c.beta2, f(1 - f(c.beta2)), c.oneMinusAccBeta1, c.oneMinusAccBeta2, c.epsilon, -c.learningRate]);
    const ranges = splitRange(n, threadsForPass(n, this.threadCount()), 16);
    this.run(ranges.map(([s, e]) => ({ fn: fnIndex("adam"), args: [pw, pm, pv, pg, ow, om, ov, s, e, pp] })));
    return { w: this.f32(ow, n), m: this.f32(om, n), v: this.f32(ov, n) };
  }

  /**
   * Dropout with a mask drawn from `seed`: `x · keep / (1 − rate)`, where element `i` is kept when
   * a hash of `(seed, i)` is at least `rate · 2³²`. The same seed gives the same mask on any
   * thread count, so the backward pass (`dropout(dy, rate, seed)`) redraws it.
   * @returns a view of the kernels' memory, valid until the next call.
   */
  dropout(x: Float32Array, rate: number, seed: number): Float32Array {
    const [sx = 0, py = 0] = this.layout([this.need(x), x.length]);
    const px = this.place(x, sx);
    const threshold = Math.min(2 ** 32 - 1, Math.round(rate * 2 ** 32)) | 0;
    const scale = floatBits(rate < 1 ? 1 / (1 - rate) : 0);
    const ranges = splitRange(x.length, threadsForPass(x.length, this.threadCount()), 16);
    this.run(ranges.map(([s, e]) => ({ fn: fnIndex("dropout"), args: [px, 0, 0, py, s, e, seed | 0, threshold, scale] })));
    return this.f32(py, x.length);
  }
  /**
   * The benchmark's yardstick: `rounds` rounds of 12 independent multiply-add chains held in
   * registers (96 flops a round, no memory traffic), split between the threads. Its rate is about
   * the most this module's GEMM micro-kernel can reach (the chains also carry the multiply, so a
   * plain-module GEMM slightly exceeds it).
   * @returns a sum of the chains (so that the work is not optimised away).
   * @internal
   */
  peakMultiplyAdd(rounds: number): number {
    const ranges = splitRange(rounds, this.threadCount(), 1);
    const [out = 0] = this.layout([ranges.length]);
    this.run(ranges.map(([s, e], i) => ({ fn: fnIndex("peak_madd"), args: [0, 0, 0, out + 4 * i, s, e] })));
    return this.f32(out, ranges.length).reduce((a, b) => a + b, 0);
  }

}

/** What {@link WasmKernels.batchNormForward} returns: views of the kernels' memory, valid until the next call. */
export interface BatchNormForward {
  /** The normalised, scaled and shifted input, `[rows, cols]`. */
  readonly y: Float32Array;
  /** Per-column mean. */
  readonly mean: Float32Array;
  /** Per-column (biased) variance. */
  readonly variance: Float32Array;
}

/** What {@link WasmKernels.batchNormBackward} returns: views of the kernels' memory, valid until the next call. */
export interface BatchNormBackward {
  /** Gradient of the input, `[rows, cols]`. */
  readonly dx: Float32Array;
  /** Gradient of the scale γ, per column. */
  readonly dgamma: Float32Array;
  /** Gradient of the offset β, per column. */
  readonly dbeta: Float32Array;
}

/** The bits of `value` as a float32, as an int32 (how the kernels take float arguments). */
const floatBits = (value: number): number => new Int32Array(Float32Array.of(value).buffer)[0] ?? 0;
