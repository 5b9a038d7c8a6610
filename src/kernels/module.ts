import { KERNELS_WASM_BASE64 } from "./_wasm.js";

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

interface Exports {
  sgemm_work_floats(): number;
  sgemm(ta: number, tb: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, acc: number, work: number): void;
  conv_work_floats(params: number): number;
  conv2d(params: number, x: number, w: number, y: number, work: number): void;
  conv2d_backprop_input(params: number, dy: number, w: number, dx: number, work: number): void;
  conv2d_backprop_filter(params: number, x: number, dy: number, dw: number, work: number): void;
  __heap_base: WebAssembly.Global;
}

const PAGE = 65536;

/**
 * gen-mnist's WebAssembly SIMD kernels (built from `kernels/kernels.c`): inputs are copied into
 * the module's memory, computed, and the result copied out.
 */
export class WasmKernels {
  private readonly memory: WebAssembly.Memory;
  private readonly exports: Exports;
  private readonly heapBase: number;

  private constructor() {
    this.memory = new WebAssembly.Memory({ initial: 64 });
    const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as Exports;
    this.heapBase = Number(this.exports.__heap_base.value);
  }

  private static shared: WasmKernels | undefined;

  /** The process-wide instance. */
  static get(): WasmKernels {
    WasmKernels.shared ??= new WasmKernels();
    return WasmKernels.shared;
  }

  /** Lays out `sizes` floats one after the other (16-byte aligned) and returns their byte offsets. */
  private layout(sizes: readonly number[]): number[] {
    const offsets: number[] = [];
    let at = (this.heapBase + 15) & ~15;
    for (const size of sizes) {
      offsets.push(at);
      at += ((size * 4 + 15) & ~15);
    }
    const need = at - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    return offsets;
  }

  private f32(offset: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, offset, length);
  }

  /**
   * `out[b] = op(a[b % batchA]) · op(b[b % batchB])` for row-major `[batch, rows, cols]` operands.
   * @returns `[batch, m, n]` values.
   */
  matMul(a: Float32Array, b: Float32Array, batchA: number, batchB: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): Float32Array {
    const batch = Math.max(batchA, batchB);
    const work = this.exports.sgemm_work_floats();
    const [pa = 0, pb = 0, pc = 0, pw = 0] = this.layout([a.length, b.length, batch * m * n, work]);
    this.f32(pa, a.length).set(a);
    this.f32(pb, b.length).set(b);
    const lda = transposeA ? m : k;
    const ldb = transposeB ? k : n;
    for (let i = 0; i < batch; i++) {
      this.exports.sgemm(
        transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k,
        pa + (i % batchA) * m * k * 4, lda,
        pb + (i % batchB) * k * n * 4, ldb,
        pc + i * m * n * 4, n, 0, pw,
      );
    }
    return this.f32(pc, batch * m * n).slice();
  }

  private params(g: ConvGeometry): Int32Array {
    return Int32Array.from([
      g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
      g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft,
    ]);
  }

  private conv(
    kind: "conv2d" | "conv2d_backprop_input" | "conv2d_backprop_filter",
    g: ConvGeometry,
    first: Float32Array,
    second: Float32Array,
    outLength: number,
  ): Float32Array {
    const params = this.params(g);
    const [pp = 0] = this.layout([params.length]);
    new Int32Array(this.memory.buffer, pp, params.length).set(params);
    const work = this.exports.conv_work_floats(pp);
    // the full layout starts at the same offset, so the params written above stay in place
    // (growing the memory keeps its contents)
    const [, p1 = 0, p2 = 0, po = 0, pw = 0] = this.layout([params.length, first.length, second.length, outLength, work]);
    this.f32(p1, first.length).set(first);
    this.f32(p2, second.length).set(second);
    this.exports[kind](pp, p1, p2, po, pw);
    return this.f32(po, outLength).slice();
  }

  /** Convolution: `x [N,H,W,Cin]`, `filter [KH,KW,Cin,Cout]` → `[N,OH,OW,Cout]`. */
  conv2d(g: ConvGeometry, x: Float32Array, filter: Float32Array): Float32Array {
    return this.conv("conv2d", g, x, filter, g.batch * g.outHeight * g.outWidth * g.outChannels);
  }

  /** Gradient of a convolution with respect to its input: `dy`, `filter` → `[N,H,W,Cin]`. */
  conv2dBackpropInput(g: ConvGeometry, dy: Float32Array, filter: Float32Array): Float32Array {
    return this.conv("conv2d_backprop_input", g, dy, filter, g.batch * g.inHeight * g.inWidth * g.inChannels);
  }

  /** Gradient of a convolution with respect to its filter: `x`, `dy` → `[KH,KW,Cin,Cout]`. */
  conv2dBackpropFilter(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float32Array {
    return this.conv("conv2d_backprop_filter", g, x, dy, g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
  }
}
