// gen-mnist CPU kernels: a cache-blocked single-precision GEMM with a 4x8 WASM SIMD128
// micro-kernel, and NHWC conv2d forward / backprop-input / backprop-filter via im2col + GEMM, or,
// for 3x3 convolutions of stride 1, via Winograd F(2x2, 3x3) transforms and 16 GEMMs.
// Freestanding C (no libc); every buffer lives in linear memory laid out by the JS caller.
// Build: bash kernels/build.sh (clang --target=wasm32 -O3 -msimd128, wasm-ld).
#include <wasm_simd128.h>

// acc + a * b on four lanes. The relaxed-SIMD build (-mrelaxed-simd) uses f32x4.relaxed_madd, a
// fused multiply-add where the CPU has one (one rounding instead of two, and one instruction);
// the plain SIMD128 build multiplies, then adds.
#ifdef __wasm_relaxed_simd__
#define MADD_F32(acc, a, b) wasm_f32x4_relaxed_madd((a), (b), (acc))
#define MADD_F64(acc, a, b) wasm_f64x2_relaxed_madd((a), (b), (acc))
#else
#define MADD_F32(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#define MADD_F64(acc, a, b) wasm_f64x2_add((acc), wasm_f64x2_mul((a), (b)))
#endif

// Micro-kernel tile (MR rows x NR columns of C in MR * NR/4 vector registers) and cache blocks;
// -D overrides them for tuning. x86 has 16 vector registers: 4x8 keeps its 8 accumulators, 2 B
// vectors and the A splat in registers (about 57 GFLOP/s on one core here), where 4x16 spills
// (about 32).
#ifndef MR
#define MR 4
#endif
#ifndef NR
#define NR 8
#endif
#define NV (NR / 4)
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 128
#endif
#ifndef NC
#define NC 2048
#endif

typedef struct {
  int batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
} ConvInfo;

static ConvInfo conv_info(const int *p) {
  ConvInfo ci = { p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14] };
  return ci;
}

// Row `row` (counted from image n0) of the im2col matrix of x, columns [k0, k0+count), written to
// dst[0], dst[stride], ...: cols[(n*OH + oh)*OW + ow][(kh*KW + kw)*C + c] = x[n][ih][iw][c], 0
// outside the image.
static void im2col_row(const ConvInfo *ci, const float *x, int n0, int row, int k0, int count, float *dst, int stride) {
  int pixels = ci->out_h * ci->out_w;
  int n = n0 + row / pixels, p = row % pixels, oh = p / ci->out_w, ow = p % ci->out_w;
  int c = k0 % ci->in_c, t = k0 / ci->in_c, kw = t % ci->k_w, kh = t / ci->k_w;
  for (int done = 0; done < count;) {
    int run = ci->in_c - c < count - done ? ci->in_c - c : count - done;
    int ih = oh * ci->stride_h - ci->pad_top + kh * ci->dil_h;
    int iw = ow * ci->stride_w - ci->pad_left + kw * ci->dil_w;
    float *d = dst + (long)done * stride;
    if (ih < 0 || ih >= ci->in_h || iw < 0 || iw >= ci->in_w) {
      for (int j = 0; j < run; j++) d[(long)j * stride] = 0.0f;
    } else {
      const float *src = x + (((long)n * ci->in_h + ih) * ci->in_w + iw) * ci->in_c + c;
      for (int j = 0; j < run; j++) d[(long)j * stride] = src[j];
    }
    done += run;
    c = 0;
    if (++kw == ci->k_w) { kw = 0; kh++; }
  }
}

// The two GEMM operands. Either can be the im2col matrix of a convolution input, read straight
// from x while packing ("implicit GEMM"): A when conv_a is set (its rows are output pixels), B
// when conv_b is set (its rows are output pixels); the matrix itself is never written out.
typedef struct {
  const float *a; int lda; int ta;
  const float *b; int ldb; int tb;
  const ConvInfo *conv_a, *conv_b; const float *x; int n0;
  float *row; // scratch for one row of an implicit B (NC floats)
} Operands;

// Packs rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-row strips: for each strip, kc
// groups of MR values. Rows past mc are zero.
static void pack_a(const Operands *op, int i0, int k0, int mc, int kc, float *restrict out) {
  for (int is = 0; is < mc; is += MR) {
    int rows = mc - is < MR ? mc - is : MR;
    if (op->conv_a) {
      for (int r = 0; r < MR; r++) {
        if (r < rows) im2col_row(op->conv_a, op->x, op->n0, i0 + is + r, k0, kc, out + r, MR);
        else for (int k = 0; k < kc; k++) out[k * MR + r] = 0.0f;
      }
      out += MR * kc;
    } else if (!op->ta) {
      const float *src[MR];
      for (int r = 0; r < MR; r++) src[r] = op->a + (long)(i0 + is + (r < rows ? r : 0)) * op->lda + k0;
      for (int k = 0; k < kc; k++)
        for (int r = 0; r < MR; r++) *out++ = r < rows ? src[r][k] : 0.0f;
    } else {
      for (int k = 0; k < kc; k++) {
        const float *src = op->a + (long)(k0 + k) * op->lda + i0 + is;
        for (int r = 0; r < MR; r++) *out++ = r < rows ? src[r] : 0.0f;
      }
    }
  }
}

// Packs rows [k0, k0+kc) x cols [j0, j0+nc) of op(B) into NR-column strips: for each strip, kc
// groups of NR values. Columns past nc are zero.
static void pack_b(const Operands *op, int k0, int j0, int kc, int nc, float *restrict out) {
  if (op->conv_b) {
    // one im2col row at a time (its index decomposition done once), dealt out to the strips
    int strips = (nc + NR - 1) / NR;
    for (int k = 0; k < kc; k++) {
      im2col_row(op->conv_b, op->x, op->n0, k0 + k, j0, nc, op->row, 1);
      for (int j = nc; j < strips * NR; j++) op->row[j] = 0.0f;
      for (int st = 0; st < strips; st++) {
        float *dst = out + ((long)st * kc + k) * NR;
#pragma clang loop unroll(full)
        for (int q = 0; q < NV; q++) wasm_v128_store(dst + 4 * q, wasm_v128_load(op->row + st * NR + 4 * q));
      }
    }
    return;
  }
  for (int js = 0; js < nc; js += NR) {
    int cols = nc - js < NR ? nc - js : NR;
    if (!op->tb) {
      for (int k = 0; k < kc; k++) {
        const float *src = op->b + (long)(k0 + k) * op->ldb + j0 + js;
        if (cols == NR) {
#pragma clang loop unroll(full)
          for (int q = 0; q < NV; q++) wasm_v128_store(out + 4 * q, wasm_v128_load(src + 4 * q));
          out += NR;
        } else {
          for (int c = 0; c < NR; c++) *out++ = c < cols ? src[c] : 0.0f;
        }
      }
    } else {
      const float *src[NR];
      for (int c = 0; c < NR; c++) src[c] = op->b + (long)(j0 + js + (c < cols ? c : 0)) * op->ldb + k0;
      for (int k = 0; k < kc; k++)
        for (int c = 0; c < NR; c++) *out++ = c < cols ? src[c][k] : 0.0f;
    }
  }
}

// C[0:mr, 0:nr] (+)= Ap (MR x kc) * Bp (kc x NR), with MR x NR/4 vector accumulators.
static void micro_kernel(int kc, const float *restrict ap, const float *restrict bp, float *c, int ldc, int mr, int nr, int accumulate) {
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int q = 0; q < NV; q++) acc[r][q] = wasm_f32x4_splat(0);
  for (int k = 0; k < kc; k++) {
    v128_t b[NV];
#pragma clang loop unroll(full)
    for (int q = 0; q < NV; q++) b[q] = wasm_v128_load(bp + 4 * q);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      v128_t a = wasm_f32x4_splat(ap[r]);
#pragma clang loop unroll(full)
      for (int q = 0; q < NV; q++) acc[r][q] = MADD_F32(acc[r][q], a, b[q]);
    }
    ap += MR;
    bp += NR;
  }
  if (mr == MR && nr == NR) {
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      float *row = c + (long)r * ldc;
#pragma clang loop unroll(full)
      for (int q = 0; q < NV; q++) {
        v128_t t = acc[r][q];
        if (accumulate) t = wasm_f32x4_add(t, wasm_v128_load(row + 4 * q));
        wasm_v128_store(row + 4 * q, t);
      }
    }
  } else {
    float tile[MR * NR] __attribute__((aligned(16)));
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
      for (int q = 0; q < NV; q++) wasm_v128_store(tile + r * NR + 4 * q, acc[r][q]);
    for (int r = 0; r < mr; r++)
      for (int j = 0; j < nr; j++) c[(long)r * ldc + j] = (accumulate ? c[(long)r * ldc + j] : 0.0f) + tile[r * NR + j];
  }
}

// Sum of the four lanes of v.
static inline float lane_sum(v128_t v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

// C (M x 1, ldc) (+)= op(A) (M x K) * op(B) (K x 1): a matrix times a vector (a dense layer with one
// output, a critic's last layer, and its gradients), where the blocked path would pack all of A to
// fill one of NR columns. Rows of A are dot products with b; columns of A (a transposed A) are
// scaled and added up, four rows of C at a time.
static void gemv(const Operands *op, int m, int k, float *c, int ldc, int accumulate) {
  const float *b = op->b;
  long bstep = op->tb ? 1 : op->ldb;
  if (!op->ta) {
    for (int i = 0; i < m; i++) {
      const float *row = op->a + (long)i * op->lda;
      v128_t acc0 = wasm_f32x4_splat(0), acc1 = wasm_f32x4_splat(0);
      int q = 0;
      if (bstep == 1)
        for (; q + 8 <= k; q += 8) {
          acc0 = MADD_F32(acc0, wasm_v128_load(row + q), wasm_v128_load(b + q));
          acc1 = MADD_F32(acc1, wasm_v128_load(row + q + 4), wasm_v128_load(b + q + 4));
        }
      float sum = lane_sum(wasm_f32x4_add(acc0, acc1));
      for (; q < k; q++) sum += row[q] * b[q * bstep];
      c[(long)i * ldc] = accumulate ? c[(long)i * ldc] + sum : sum;
    }
    return;
  }
  // op(A)[i][q] = a[q * lda + i]
  if (!accumulate) for (int i = 0; i < m; i++) c[(long)i * ldc] = 0.0f;
  for (int q = 0; q < k; q++) {
    const float *col = op->a + (long)q * op->lda;
    float bq = b[q * bstep];
    v128_t vb = wasm_f32x4_splat(bq);
    int i = 0;
    if (ldc == 1)
      for (; i + 4 <= m; i += 4) wasm_v128_store(c + i, MADD_F32(wasm_v128_load(c + i), vb, wasm_v128_load(col + i)));
    for (; i < m; i++) c[(long)i * ldc] += bq * col[i];
  }
}

// Floats of scratch `work` that sgemm needs: packed A block, packed B panel, one implicit B row.
__attribute__((export_name("sgemm_work_floats"))) int sgemm_work_floats(void) { return MC * KC + KC * NC + NC + NR; }

// C (M x N, row-major, ldc) = A (M x K) * B (K x N) for the operands `op`; accumulate != 0 adds to
// C instead of overwriting it.
static void gemm(Operands *op, int m, int n, int k, float *c, int ldc, int accumulate, float *work) {
  float *ap = work, *bp = work + MC * KC;
  op->row = bp + KC * NC;
  if (k == 0) {
    if (!accumulate) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[(long)i * ldc + j] = 0.0f;
    return;
  }
  if (n == 1 && !op->conv_a && !op->conv_b) {
    gemv(op, m, k, c, ldc, accumulate);
    return;
  }
  for (int jc = 0; jc < n; jc += NC) {
    int nc = n - jc < NC ? n - jc : NC;
    for (int pc = 0; pc < k; pc += KC) {
      int kc = k - pc < KC ? k - pc : KC;
      pack_b(op, pc, jc, kc, nc, bp);
      for (int ic = 0; ic < m; ic += MC) {
        int mc = m - ic < MC ? m - ic : MC;
        pack_a(op, ic, pc, mc, kc, ap);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            micro_kernel(kc, ap + ir * kc, bp + jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, mr, nr, accumulate || pc > 0);
          }
        }
      }
    }
  }
}

// C (M x N, row-major, ldc) = op(A) (M x K) * op(B) (K x N), op = transpose when ta / tb.
// accumulate != 0 adds to C instead of overwriting it.
__attribute__((export_name("sgemm")))
void sgemm(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc, int accumulate, float *work) {
  Operands op = { a, lda, ta, b, ldb, tb, 0, 0, 0, 0, 0 };
  gemm(&op, m, n, k, c, ldc, accumulate, work);
}

// ReLU as tfjs computes it (JavaScript's Math.max): v above 0, NaN stays NaN, else +0. Shared by
// the relu kernel and the fused epilogues, so that both give the same values.
static inline v128_t relu4(v128_t v) {
  return wasm_v128_and(v, wasm_v128_or(wasm_f32x4_gt(v, wasm_f32x4_splat(0)), wasm_f32x4_ne(v, v)));
}
static inline float relu1(float v) { return v > 0 || v != v ? v : 0; }

// An optional epilogue applied to a GEMM result, as 4 ints in memory:
//   [0] bias pointer (0: none), [1] bias length (1: one value for all, else one per column),
//   [2] activation (0 linear, 1 relu, 2 relu6, 3 leaky relu), [3] leaky relu alpha (float bits).
// `col0` is the column of C's first column in the bias (a thread's block of columns).
static void epilogue(float *c, int m, int n, int ldc, const int *epi, int col0) {
  if (!epi) return;
  const float *bias = (const float *)epi[0];
  int per_column = epi[1] != 1, act = epi[2];
  float alpha = __builtin_bit_cast(float, epi[3]);
  v128_t zero = wasm_f32x4_splat(0), six = wasm_f32x4_splat(6), va = wasm_f32x4_splat(alpha);
  v128_t one_bias = wasm_f32x4_splat(bias && !per_column ? bias[0] : 0);
  for (int i = 0; i < m; i++) {
    float *row = c + (long)i * ldc;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      v128_t v = wasm_v128_load(row + j);
      if (bias) v = wasm_f32x4_add(v, per_column ? wasm_v128_load(bias + col0 + j) : one_bias);
      if (act == 1) v = relu4(v);
      else if (act == 2) v = wasm_f32x4_pmin(wasm_f32x4_pmax(v, zero), six);
      else if (act == 3) v = wasm_v128_bitselect(v, wasm_f32x4_mul(v, va), wasm_f32x4_gt(v, zero));
      wasm_v128_store(row + j, v);
    }
    for (; j < n; j++) {
      float v = row[j];
      if (bias) v += per_column ? bias[col0 + j] : bias[0];
      if (act == 1) v = relu1(v);
      else if (act == 2) v = v > 0 ? (v < 6 ? v : 6) : 0;
      else if (act == 3) v = v > 0 ? v : alpha * v;
      row[j] = v;
    }
  }
}

// sgemm, then the epilogue `epi` (see epilogue) on C.
__attribute__((export_name("sgemm_fused")))
void sgemm_fused(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc, float *work, const int *epi, int col0) {
  sgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, 0, work);
  epilogue(c, m, n, ldc, epi, col0);
}

// Convolutions work on the images [n0, n1) of the batch, so that threads can split a batch
// between them: every image's output (and input gradient) depends on that image only.

// dx[n][ih][iw][c] (n in [n0, n1)) = sum of the cols entries im2col copied from it.
static void col2im(const ConvInfo *ci, const float *cols, float *dx, int n0, int n1) {
  const long image = (long)ci->in_h * ci->in_w * ci->in_c;
  for (long i = n0 * image; i < n1 * image; i++) dx[i] = 0.0f;
  for (int n = n0; n < n1; n++)
    for (int oh = 0; oh < ci->out_h; oh++)
      for (int ow = 0; ow < ci->out_w; ow++) {
        const float *src = cols + ((long)((n - n0) * ci->out_h + oh) * ci->out_w + ow) * ci->k_h * ci->k_w * ci->in_c;
        for (int kh = 0; kh < ci->k_h; kh++) {
          int ih = oh * ci->stride_h - ci->pad_top + kh * ci->dil_h;
          for (int kw = 0; kw < ci->k_w; kw++, src += ci->in_c) {
            int iw = ow * ci->stride_w - ci->pad_left + kw * ci->dil_w;
            if (ih < 0 || ih >= ci->in_h || iw < 0 || iw >= ci->in_w) continue;
            float *dst = dx + (((long)n * ci->in_h + ih) * ci->in_w + iw) * ci->in_c;
            for (int c = 0; c < ci->in_c; c++) dst[c] += src[c];
          }
        }
      }
}

// A thread's im2col buffer holds at most this many floats (4 MiB by default): larger batches are
// done in chunks of images, so the memory a kernel needs does not grow with the batch. In linear
// memory, so one setting serves every thread's instance.
static int max_cols_floats = 1 << 20;

// Sets the im2col buffer limit (tests set it small so that every batch is chunked).
__attribute__((export_name("set_max_cols_floats"))) void set_max_cols_floats(int floats) { max_cols_floats = floats; }

// Images per chunk: as many as fit max_cols_floats, at least one.
static int cols_chunk(const ConvInfo *ci) {
  long per_image = (long)ci->out_h * ci->out_w * ci->k_h * ci->k_w * ci->in_c;
  long chunk = per_image > 0 ? max_cols_floats / per_image : 1;
  return chunk < 1 ? 1 : (int)chunk;
}

// One input channel (a first layer on grey images; a generator's last, transposed): K =
// KH*KW*Cin is then so small (9 for 3x3) that packing dominates the GEMM (measured 6-10
// GFLOP/s), so each output pixel's KH*KW inputs ("taps") meet the filter's rows directly,
// vectorized over Cout. Taken when Cin == 1, KH*KW <= MAX_TAPS and the filter gradient's
// accumulators (KH*KW*Cout floats) fit a thread's GEMM scratch; these kernels need no im2col
// columns (conv_work_floats leaves them out).
#define MAX_TAPS 64

static int single_channel(const ConvInfo *ci) {
  int taps = ci->k_h * ci->k_w;
  return ci->in_c == 1 && taps <= MAX_TAPS && (long)taps * ci->out_c <= sgemm_work_floats();
}

// Floats of scratch one thread needs to run a conv kernel on `images` images of `params`: GEMM
// packing, plus (with_cols) a col2im buffer for conv2d_backprop_input.
__attribute__((export_name("conv_work_floats")))
int conv_work_floats(const int *params, int images, int with_cols) {
  ConvInfo ci = conv_info(params);
  int chunk = cols_chunk(&ci);
  int cols = with_cols && !single_channel(&ci);  // one-channel input gradients need no columns
  return (cols ? (images < chunk ? images : chunk) * ci.out_h * ci.out_w * ci.k_h * ci.k_w * ci.in_c : 0) + sgemm_work_floats();
}

// ---- One input channel: the direct kernels (see single_channel) ----

// The taps of output pixel (n, oh, ow): v[t] = x[n][ih][iw][0] for t = kh*KW + kw, 0 outside;
// at[t] = the input pixel's index within the batch, -1 outside.
static void gather_taps(const ConvInfo *ci, const float *x, int n, int oh, int ow, float *v, long *at) {
  for (int kh = 0, t = 0; kh < ci->k_h; kh++) {
    int ih = oh * ci->stride_h - ci->pad_top + kh * ci->dil_h;
    for (int kw = 0; kw < ci->k_w; kw++, t++) {
      int iw = ow * ci->stride_w - ci->pad_left + kw * ci->dil_w;
      int inside = ih >= 0 && ih < ci->in_h && iw >= 0 && iw < ci->in_w;
      at[t] = inside ? ((long)n * ci->in_h + ih) * ci->in_w + iw : -1;
      v[t] = inside && x ? x[at[t]] : 0.0f;
    }
  }
}

// y[p][c] = sum over taps t of v[t] * w[t][c], for every output pixel p of images [n0, n1): 32
// channels at a time in 8 independent accumulators (one chain of KH*KW multiply-adds would wait on
// each add's latency).
static void conv2d_single_channel(const ConvInfo *ci, const float *x, const float *w, float *y, int n0, int n1) {
  int taps = ci->k_h * ci->k_w, co = ci->out_c;
  float v[MAX_TAPS];
  long at[MAX_TAPS];
  for (int n = n0; n < n1; n++)
    for (int oh = 0; oh < ci->out_h; oh++)
      for (int ow = 0; ow < ci->out_w; ow++) {
        float *out = y + (((long)n * ci->out_h + oh) * ci->out_w + ow) * co;
        gather_taps(ci, x, n, oh, ow, v, at);
        int c = 0;
        for (; c + 32 <= co; c += 32) {
          v128_t acc[8];
#pragma clang loop unroll(full)
          for (int q = 0; q < 8; q++) acc[q] = wasm_f32x4_splat(0);
          for (int t = 0; t < taps; t++) {
            v128_t vt = wasm_f32x4_splat(v[t]);
            const float *row = w + (long)t * co + c;
#pragma clang loop unroll(full)
            for (int q = 0; q < 8; q++) acc[q] = MADD_F32(acc[q], vt, wasm_v128_load(row + 4 * q));
          }
#pragma clang loop unroll(full)
          for (int q = 0; q < 8; q++) wasm_v128_store(out + c + 4 * q, acc[q]);
        }
        for (; c + 4 <= co; c += 4) {
          v128_t acc = wasm_f32x4_splat(0);
          for (int t = 0; t < taps; t++) acc = MADD_F32(acc, wasm_f32x4_splat(v[t]), wasm_v128_load(w + (long)t * co + c));
          wasm_v128_store(out + c, acc);
        }
        for (; c < co; c++) {
          float acc = 0.0f;
          for (int t = 0; t < taps; t++) acc += v[t] * w[(long)t * co + c];
          out[c] = acc;
        }
      }
}

// dx[n0:n1] (one channel): each output pixel's dy row dotted with the filter's row of each tap
// (four taps at a time, in independent accumulators), added to that tap's input pixel.
static void conv2d_backprop_input_single_channel(const ConvInfo *ci, const float *dy, const float *w, float *dx, int n0, int n1) {
  int taps = ci->k_h * ci->k_w, co = ci->out_c;
  float v[MAX_TAPS], sums[MAX_TAPS];
  long at[MAX_TAPS];
  long image = (long)ci->in_h * ci->in_w;
  for (long i = n0 * image; i < n1 * image; i++) dx[i] = 0.0f;
  for (int n = n0; n < n1; n++)
    for (int oh = 0; oh < ci->out_h; oh++)
      for (int ow = 0; ow < ci->out_w; ow++) {
        const float *g = dy + (((long)n * ci->out_h + oh) * ci->out_w + ow) * co;
        gather_taps(ci, 0, n, oh, ow, v, at);
        int t = 0;
        for (; t + 4 <= taps; t += 4) {
          v128_t acc[4];
#pragma clang loop unroll(full)
          for (int j = 0; j < 4; j++) acc[j] = wasm_f32x4_splat(0);
          int c = 0;
          for (; c + 4 <= co; c += 4) {
            v128_t gc = wasm_v128_load(g + c);
#pragma clang loop unroll(full)
            for (int j = 0; j < 4; j++) acc[j] = MADD_F32(acc[j], gc, wasm_v128_load(w + (long)(t + j) * co + c));
          }
#pragma clang loop unroll(full)
          for (int j = 0; j < 4; j++) {
            float sum = lane_sum(acc[j]);
            for (int r = c; r < co; r++) sum += g[r] * w[(long)(t + j) * co + r];
            sums[t + j] = sum;
          }
        }
        for (; t < taps; t++) {
          v128_t acc = wasm_f32x4_splat(0);
          int c = 0;
          for (; c + 4 <= co; c += 4) acc = MADD_F32(acc, wasm_v128_load(g + c), wasm_v128_load(w + (long)t * co + c));
          float sum = lane_sum(acc);
          for (; c < co; c++) sum += g[c] * w[(long)t * co + c];
          sums[t] = sum;
        }
        for (t = 0; t < taps; t++)
          if (at[t] >= 0) dx[at[t]] += sums[t];
      }
}

// The images [n0, n1)'s share of the filter gradient (one channel), transposed as
// conv2d_backprop_filter_part writes it: dwt[c][t] = sum over output pixels of dy[p][c] * v[t],
// accumulated in acc[t][c] (taps * Cout floats of scratch) first.
static void conv2d_backprop_filter_single_channel(const ConvInfo *ci, const float *x, const float *dy, float *dwt, float *acc, int n0, int n1) {
  int taps = ci->k_h * ci->k_w, co = ci->out_c;
  float v[MAX_TAPS];
  long at[MAX_TAPS];
  for (long i = 0; i < (long)taps * co; i++) acc[i] = 0.0f;
  for (int n = n0; n < n1; n++)
    for (int oh = 0; oh < ci->out_h; oh++)
      for (int ow = 0; ow < ci->out_w; ow++) {
        const float *g = dy + (((long)n * ci->out_h + oh) * ci->out_w + ow) * co;
        gather_taps(ci, x, n, oh, ow, v, at);
        for (int t = 0; t < taps; t++) {
          if (at[t] < 0) continue;
          float *row = acc + (long)t * co;
          v128_t vt = wasm_f32x4_splat(v[t]);
          int c = 0;
          for (; c + 4 <= co; c += 4) wasm_v128_store(row + c, MADD_F32(wasm_v128_load(row + c), vt, wasm_v128_load(g + c)));
          for (; c < co; c++) row[c] += v[t] * g[c];
        }
      }
  for (int c = 0; c < co; c++)
    for (int t = 0; t < taps; t++) dwt[(long)c * taps + t] = acc[(long)t * co + c];
}

// y[n0:n1] of y[N,OH,OW,Cout] = conv(x[N,H,W,Cin], w[KH,KW,Cin,Cout]), then the epilogue `epi`.
__attribute__((export_name("conv2d")))
void conv2d(const int *params, const float *x, const float *w, float *y, float *work, int n0, int n1, const int *epi) {
  ConvInfo ci = conv_info(params);
  int m = (n1 - n0) * ci.out_h * ci.out_w, k = ci.k_h * ci.k_w * ci.in_c;
  float *out = y + (long)n0 * ci.out_h * ci.out_w * ci.out_c;
  if (single_channel(&ci)) {
    conv2d_single_channel(&ci, x, w, y, n0, n1);
  } else {
    Operands op = { 0, 0, 0, w, ci.out_c, 0, &ci, 0, x, n0, 0 };
    gemm(&op, m, ci.out_c, k, out, ci.out_c, 0, work);
  }
  epilogue(out, m, ci.out_c, ci.out_c, epi, 0);
}

// dx[n0:n1] of dx[N,H,W,Cin] from dy[N,OH,OW,Cout] and w[KH,KW,Cin,Cout]
__attribute__((export_name("conv2d_backprop_input")))
void conv2d_backprop_input(const int *params, const float *dy, const float *w, float *dx, float *work, int n0, int n1) {
  ConvInfo ci = conv_info(params);
  if (single_channel(&ci)) {
    conv2d_backprop_input_single_channel(&ci, dy, w, dx, n0, n1);
    return;
  }
  int k = ci.k_h * ci.k_w * ci.in_c, chunk = cols_chunk(&ci);
  float *cols = work + sgemm_work_floats();
  for (int a = n0; a < n1; a += chunk) {
    int b = n1 - a < chunk ? n1 : a + chunk;
    int m = (b - a) * ci.out_h * ci.out_w;
    sgemm(0, 1, m, k, ci.out_c, dy + (long)a * ci.out_h * ci.out_w * ci.out_c, ci.out_c, w, ci.out_c, cols, k, 0, work);
    col2im(&ci, cols, dx, a, b);
  }
}

// The images [n0, n1)'s share of the filter gradient, transposed: dwt[Cout, KH*KW*Cin], from
// x[N,H,W,Cin] and dy[N,OH,OW,Cout]. conv2d_backprop_filter_sum adds the shares up.
__attribute__((export_name("conv2d_backprop_filter_part")))
void conv2d_backprop_filter_part(const int *params, const float *x, const float *dy, float *dwt, float *work, int n0, int n1) {
  ConvInfo ci = conv_info(params);
  if (single_channel(&ci)) {
    conv2d_backprop_filter_single_channel(&ci, x, dy, dwt, work, n0, n1);
    return;
  }
  int k = ci.k_h * ci.k_w * ci.in_c, chunk = cols_chunk(&ci);
  // dw^T [Cout, K] = dy^T cols: both operands are then packed from contiguous rows, about twice
  // as fast as packing cols^T; conv2d_backprop_filter_sum transposes. cols is written out here
  // (reading it from x while packing B, as conv2d does for A, measured slower: B panels are
  // packed once per column strip, so the index arithmetic repeats).
  float *cols = work + sgemm_work_floats();
  for (int a = n0; a < n1; a += chunk) {
    int b = n1 - a < chunk ? n1 : a + chunk;
    int m = (b - a) * ci.out_h * ci.out_w;
    for (int row = 0; row < m; row++) im2col_row(&ci, x, a, row, 0, k, cols + (long)row * k, 1);
    sgemm(1, 0, ci.out_c, k, m, dy + (long)a * ci.out_h * ci.out_w * ci.out_c, ci.out_c, cols, k, dwt, k, a > n0, work);
  }
}

// dw[KH,KW,Cin,Cout] = sum of `parts` consecutive dwt[Cout, KH*KW*Cin] shares, transposed, for
// the output channels [o0, o1) (threads split them).
__attribute__((export_name("conv2d_backprop_filter_sum")))
void conv2d_backprop_filter_sum(const int *params, const float *dwt, int parts, float *dw, int o0, int o1) {
  ConvInfo ci = conv_info(params);
  int k = ci.k_h * ci.k_w * ci.in_c;
  long size = (long)k * ci.out_c;
  for (int o = o0; o < o1; o++) {
    const float *src = dwt + (long)o * k;
    int i = 0;
    for (; i + 4 <= k; i += 4) {
      v128_t sum = wasm_f32x4_splat(0.0f);
      for (int p = 0; p < parts; p++) sum = wasm_f32x4_add(sum, wasm_v128_load(src + p * size + i));
      float *dst = dw + (long)i * ci.out_c + o;
      dst[0] = wasm_f32x4_extract_lane(sum, 0);
      dst[ci.out_c] = wasm_f32x4_extract_lane(sum, 1);
      dst[2L * ci.out_c] = wasm_f32x4_extract_lane(sum, 2);
      dst[3L * ci.out_c] = wasm_f32x4_extract_lane(sum, 3);
    }
    for (; i < k; i++) {
      float sum = 0.0f;
      for (int p = 0; p < parts; p++) sum += src[p * size + i];
      dw[(long)i * ci.out_c + o] = sum;
    }
  }
}

// ---- Winograd F(2x2, 3x3): 3x3 convolutions of stride 1 with 2.25x fewer multiplications ----
// Each 2x2 block of outputs comes from a 4x4 block of inputs ("tile"): V = Bᵀ d B per tile and
// input channel, U = G g Gᵀ per filter (in, out) pair, then for each of the 16 points ξ of the
// transform a GEMM M[ξ] (tiles x Cout) = V[ξ] (tiles x Cin) · U[ξ] (Cin x Cout), and the outputs
// Y = Aᵀ M A (Lavin & Gray 2016). The transforms only add and subtract (and halve, in G), so the
// results match im2col + GEMM to float32 rounding. Channels are processed four to a vector (NHWC
// keeps them contiguous): both channel counts must be multiples of 4.

// u[16][ci][co] from w[3][3][Cin][Cout] (flip = 0), or, for the input gradient, from the filter
// rotated by 180 degrees with its channels swapped (flip = 1: u[16][Cout][Cin], the convolution
// of dy that gives dx), for the input channels [i0, i1) (threads split them; multiples of 4).
// Four channels to a vector: output channels without flip (contiguous in w and u), input
// channels with it (contiguous in u, gathered from w).
__attribute__((export_name("winograd_filter")))
void winograd_filter(const float *w, int cin, int cout, int flip, float *u, int i0, int i1) {
  long plane = (long)cin * cout;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int i = i0; i < i1; i += flip ? 4 : 1)
    for (int o = 0; o < cout; o += flip ? 1 : 4) {
      v128_t g[3][3], t[4][3];
      for (int kh = 0; kh < 3; kh++)
        for (int kw = 0; kw < 3; kw++) {
          const float *src = w + ((long)((flip ? 2 - kh : kh) * 3 + (flip ? 2 - kw : kw)) * cin + i) * cout + o;
          g[kh][kw] = flip ? wasm_f32x4_make(src[0], src[cout], src[2L * cout], src[3L * cout]) : wasm_v128_load(src);
        }
      for (int c = 0; c < 3; c++) {  // t = G g
        v128_t outer = wasm_f32x4_add(g[0][c], g[2][c]);
        t[0][c] = g[0][c];
        t[1][c] = wasm_f32x4_mul(half, wasm_f32x4_add(outer, g[1][c]));
        t[2][c] = wasm_f32x4_mul(half, wasm_f32x4_sub(outer, g[1][c]));
        t[3][c] = g[2][c];
      }
      float *dst = u + (flip ? (long)o * cin + i : (long)i * cout + o);
      for (int r = 0; r < 4; r++) {  // u = t Gᵀ
        v128_t outer = wasm_f32x4_add(t[r][0], t[r][2]);
        wasm_v128_store(dst + (r * 4 + 0) * plane, t[r][0]);
        wasm_v128_store(dst + (r * 4 + 1) * plane, wasm_f32x4_mul(half, wasm_f32x4_add(outer, t[r][1])));
        wasm_v128_store(dst + (r * 4 + 2) * plane, wasm_f32x4_mul(half, wasm_f32x4_sub(outer, t[r][1])));
        wasm_v128_store(dst + (r * 4 + 3) * plane, t[r][2]);
      }
    }
}

// Tiles of one image: ceil(OH / 2) x ceil(OW / 2).
static int winograd_tiles(const ConvInfo *ci) { return ((ci->out_h + 1) / 2) * ((ci->out_w + 1) / 2); }

// Images per chunk: V and M of a chunk (16 x tiles x (Cin + Cout) floats) fit in 2 MiB (measured:
// larger chunks gain nothing) and in twice the im2col buffer limit; at least one image.
#ifndef WINOGRAD_FLOATS
#define WINOGRAD_FLOATS (1L << 19)
#endif
static int winograd_chunk(const ConvInfo *ci) {
  long per_image = 16L * winograd_tiles(ci) * (ci->in_c + ci->out_c);
  long budget = WINOGRAD_FLOATS < 2L * max_cols_floats ? WINOGRAD_FLOATS : 2L * max_cols_floats;
  long chunk = budget / per_image;
  return chunk < 1 ? 1 : (int)chunk;
}

// Floats of scratch one thread needs for conv2d_winograd on `images` images.
__attribute__((export_name("winograd_work_floats")))
int winograd_work_floats(const int *params, int images) {
  ConvInfo ci = conv_info(params);
  int chunk = winograd_chunk(&ci);
  return (images < chunk ? images : chunk) * 16 * winograd_tiles(&ci) * (ci.in_c + ci.out_c) + sgemm_work_floats();
}

// One transform step on four vectors: Bᵀ's rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3).
#define BT4(d0, d1, d2, d3, o0, o1, o2, o3) \
  do { o0 = wasm_f32x4_sub(d0, d2); o1 = wasm_f32x4_add(d1, d2); o2 = wasm_f32x4_sub(d2, d1); o3 = wasm_f32x4_sub(d1, d3); } while (0)

// V[ξ][t][c] = (Bᵀ d B)[ξ] for the tiles [0, tiles) counted from image n0 (input channels c).
static void winograd_input(const ConvInfo *ci, const float *x, int n0, int tiles, float *v) {
  int tw = (ci->out_w + 1) / 2, tpi = ((ci->out_h + 1) / 2) * tw, cin = ci->in_c;
  long vplane = (long)tiles * cin;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int t = 0; t < tiles; t++) {
    int n = n0 + t / tpi, p = t % tpi, ty = p / tw, tx = p % tw;
    int ih0 = 2 * ty - ci->pad_top, iw0 = 2 * tx - ci->pad_left;
    const float *img = x + (long)n * ci->in_h * ci->in_w * cin;
    for (int c = 0; c < cin; c += 4) {
      v128_t d[4][4], e[4][4];
      for (int r = 0; r < 4; r++) {
        int ih = ih0 + r;
        for (int q = 0; q < 4; q++) {
          int iw = iw0 + q;
          d[r][q] = (ih >= 0 && ih < ci->in_h && iw >= 0 && iw < ci->in_w) ? wasm_v128_load(img + ((long)ih * ci->in_w + iw) * cin + c) : zero;
        }
      }
      for (int q = 0; q < 4; q++) BT4(d[0][q], d[1][q], d[2][q], d[3][q], e[0][q], e[1][q], e[2][q], e[3][q]);
      for (int r = 0; r < 4; r++) BT4(e[r][0], e[r][1], e[r][2], e[r][3], d[r][0], d[r][1], d[r][2], d[r][3]);
      float *dst = v + (long)t * cin + c;
      for (int r = 0; r < 4; r++)
        for (int q = 0; q < 4; q++) wasm_v128_store(dst + (r * 4 + q) * vplane, d[r][q]);
    }
  }
}

// y[n0:n1] of the stride-1 3x3 convolution `params` (padding pad_top/pad_left, any output size)
// of x with the transformed filter u (winograd_filter), then the epilogue `epi`.
__attribute__((export_name("conv2d_winograd")))
void conv2d_winograd(const int *params, const float *x, const float *u, float *y, float *work, int n0, int n1, const int *epi) {
  ConvInfo ci = conv_info(params);
  int th = (ci.out_h + 1) / 2, tw = (ci.out_w + 1) / 2, tpi = th * tw, chunk = winograd_chunk(&ci);
  int cin = ci.in_c, cout = ci.out_c;
  float *gemm_work = work;
  float *v = work + sgemm_work_floats();
  for (int a = n0; a < n1; a += chunk) {
    int b = n1 - a < chunk ? n1 : a + chunk;
    int tiles = (b - a) * tpi;
    long vplane = (long)tiles * cin, mplane = (long)tiles * cout;
    float *m = v + 16 * vplane;
    winograd_input(&ci, x, a, tiles, v);
    for (int xi = 0; xi < 16; xi++)
      sgemm(0, 0, tiles, cout, cin, v + xi * vplane, cin, u + (long)xi * cin * cout, cout, m + xi * mplane, cout, 0, gemm_work);
    // output transform: Y = Aᵀ M A, A's columns (m0 + m1 + m2, m1 - m2 - m3)
    for (int t = 0; t < tiles; t++) {
      int n = a + t / tpi, p = t % tpi, ty = p / tw, tx = p % tw;
      int oh0 = 2 * ty, ow0 = 2 * tx;
      float *img = y + (long)n * ci.out_h * ci.out_w * cout;
      const float *src = m + (long)t * cout;
      for (int k = 0; k < cout; k += 4) {
        v128_t s[4][4], r2[2][4];
        for (int r = 0; r < 4; r++)
          for (int q = 0; q < 4; q++) s[r][q] = wasm_v128_load(src + (r * 4 + q) * mplane + k);
        for (int q = 0; q < 4; q++) {
          r2[0][q] = wasm_f32x4_add(wasm_f32x4_add(s[0][q], s[1][q]), s[2][q]);
          r2[1][q] = wasm_f32x4_sub(wasm_f32x4_sub(s[1][q], s[2][q]), s[3][q]);
        }
        for (int r = 0; r < 2; r++) {
          if (oh0 + r >= ci.out_h) break;
          v128_t o0 = wasm_f32x4_add(wasm_f32x4_add(r2[r][0], r2[r][1]), r2[r][2]);
          v128_t o1 = wasm_f32x4_sub(wasm_f32x4_sub(r2[r][1], r2[r][2]), r2[r][3]);
          float *row = img + ((long)(oh0 + r) * ci.out_w + ow0) * cout + k;
          wasm_v128_store(row, o0);
          if (ow0 + 1 < ci.out_w) wasm_v128_store(row + cout, o1);
        }
      }
    }
  }
  float *out = y + (long)n0 * ci.out_h * ci.out_w * cout;
  epilogue(out, (n1 - n0) * ci.out_h * ci.out_w, cout, cout, epi, 0);
}


// The images [n0, n1)'s share of the filter gradient of the stride-1 3x3 convolution `params`, in
// the transformed domain and transposed: dut[16][Cout][Cin] = Σ over tiles of Ŷᵀ V, where
// Ŷ = A dy Aᵀ (the forward pass's output transform, transposed) and V the input transform.
// winograd_filter_grad_sum adds the shares and maps them back to the filter (dw = Gᵀ dU G).
__attribute__((export_name("winograd_filter_grad_part")))
void winograd_filter_grad_part(const int *params, const float *x, const float *dy, float *dut, float *work, int n0, int n1) {
  ConvInfo ci = conv_info(params);
  int th = (ci.out_h + 1) / 2, tw = (ci.out_w + 1) / 2, tpi = th * tw, chunk = winograd_chunk(&ci);
  int cin = ci.in_c, cout = ci.out_c;
  float *gemm_work = work;
  float *v = work + sgemm_work_floats();
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int a = n0; a < n1; a += chunk) {
    int b = n1 - a < chunk ? n1 : a + chunk;
    int tiles = (b - a) * tpi;
    long vplane = (long)tiles * cin, mplane = (long)tiles * cout;
    float *m = v + 16 * vplane;
    winograd_input(&ci, x, a, tiles, v);
    // Ŷ[ξ][t][k] = (A g Aᵀ), g the tile's 2x2 block of dy (0 outside the output); A's rows
    // (g0, g0 + g1, g0 - g1, -g1)
    for (int t = 0; t < tiles; t++) {
      int n = a + t / tpi, p = t % tpi, ty = p / tw, tx = p % tw;
      const float *img = dy + (long)n * ci.out_h * ci.out_w * cout;
      float *dst = m + (long)t * cout;
      for (int k = 0; k < cout; k += 4) {
        v128_t g[2][2], h[4][2];
        for (int r = 0; r < 2; r++)
          for (int q = 0; q < 2; q++) {
            int oh = 2 * ty + r, ow = 2 * tx + q;
            g[r][q] = (oh < ci.out_h && ow < ci.out_w) ? wasm_v128_load(img + ((long)oh * ci.out_w + ow) * cout + k) : zero;
          }
        for (int q = 0; q < 2; q++) {
          h[0][q] = g[0][q];
          h[1][q] = wasm_f32x4_add(g[0][q], g[1][q]);
          h[2][q] = wasm_f32x4_sub(g[0][q], g[1][q]);
          h[3][q] = wasm_f32x4_neg(g[1][q]);
        }
        for (int r = 0; r < 4; r++) {
          v128_t o[4] = { h[r][0], wasm_f32x4_add(h[r][0], h[r][1]), wasm_f32x4_sub(h[r][0], h[r][1]), wasm_f32x4_neg(h[r][1]) };
          for (int q = 0; q < 4; q++) wasm_v128_store(dst + (r * 4 + q) * mplane + k, o[q]);
        }
      }
    }
    for (int xi = 0; xi < 16; xi++)
      sgemm(1, 0, cout, cin, tiles, m + xi * mplane, cout, v + xi * vplane, cin, dut + (long)xi * cout * cin, cin, a > n0, gemm_work);
  }
}

// dw[3][3][Cin][Cout] = Gᵀ dU G from the sum of `parts` consecutive dut[16][Cout][Cin] shares,
// for the output channels [o0, o1) (threads split them); four input channels to a vector.
__attribute__((export_name("winograd_filter_grad_sum")))
void winograd_filter_grad_sum(int cin, int cout, const float *dut, int parts, float *dw, int o0, int o1) {
  long plane = (long)cout * cin, size = 16 * plane;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int o = o0; o < o1; o++)
    for (int i = 0; i < cin; i += 4) {
      v128_t d[4][4], t[3][4];
      for (int xi = 0; xi < 16; xi++) {
        const float *src = dut + xi * plane + (long)o * cin + i;
        v128_t sum = wasm_f32x4_splat(0.0f);
        for (int p = 0; p < parts; p++) sum = wasm_f32x4_add(sum, wasm_v128_load(src + p * size));
        d[xi / 4][xi % 4] = sum;
      }
      // Gᵀ's rows: (d0 + (d1 + d2)/2), ((d1 − d2)/2), ((d1 + d2)/2 + d3)
      for (int q = 0; q < 4; q++) {
        v128_t inner = wasm_f32x4_mul(half, wasm_f32x4_add(d[1][q], d[2][q]));
        t[0][q] = wasm_f32x4_add(d[0][q], inner);
        t[1][q] = wasm_f32x4_mul(half, wasm_f32x4_sub(d[1][q], d[2][q]));
        t[2][q] = wasm_f32x4_add(inner, d[3][q]);
      }
      for (int r = 0; r < 3; r++) {
        v128_t inner = wasm_f32x4_mul(half, wasm_f32x4_add(t[r][1], t[r][2]));
        v128_t taps[3] = { wasm_f32x4_add(t[r][0], inner), wasm_f32x4_mul(half, wasm_f32x4_sub(t[r][1], t[r][2])), wasm_f32x4_add(inner, t[r][3]) };
        for (int c = 0; c < 3; c++) {
          float *dst = dw + ((long)(r * 3 + c) * cin + i) * cout + o;
          dst[0] = wasm_f32x4_extract_lane(taps[c], 0);
          dst[cout] = wasm_f32x4_extract_lane(taps[c], 1);
          dst[2L * cout] = wasm_f32x4_extract_lane(taps[c], 2);
          dst[3L * cout] = wasm_f32x4_extract_lane(taps[c], 3);
        }
      }
    }
}

// Elementwise kernels on [n0, n1) of flat arrays (threads split the range), all with the same
// signature: up to three inputs a, b, c, the output y, the range, and one int parameter.

// y = a > 0 ? a : alpha * a, alpha = the float whose bits are `param`
__attribute__((export_name("leaky_relu")))
void leaky_relu(const float *a, const void *b, const void *c, float *y, int n0, int n1, int param) {
  (void)b; (void)c;
  float alpha = __builtin_bit_cast(float, param);
  v128_t va = wasm_f32x4_splat(alpha), zero = wasm_f32x4_splat(0);
  int i = n0;
  for (; i + 4 <= n1; i += 4) {
    v128_t v = wasm_v128_load(a + i);
    wasm_v128_store(y + i, wasm_v128_bitselect(v, wasm_f32x4_mul(v, va), wasm_f32x4_gt(v, zero)));
  }
  for (; i < n1; i++) y[i] = a[i] > 0 ? a[i] : alpha * a[i];
}

// y = max(0, a) as tfjs computes ReLU (see relu4)
__attribute__((export_name("relu")))
void relu(const float *a, const void *b, const void *c, float *y, int n0, int n1, int param) {
  (void)b; (void)c; (void)param;
  int i = n0;
  for (; i + 4 <= n1; i += 4) wasm_v128_store(y + i, relu4(wasm_v128_load(a + i)));
  for (; i < n1; i++) y[i] = relu1(a[i]);
}

// y = tanh(a), elementwise: Eigen's rational approximation x·P(x²)/Q(x²) (degree 13/6) on x
// clamped to ±7.905, within 5e-7 relative (8 ulp); x itself below 4e-4, and exactly ±1 from
// |x| ≥ 9 (where float32's tanh rounds to ±1): with fused multiply-adds the clamped quotient
// rounds to 1 − 2⁻²² instead of 1, and the relaxed module may or may not fuse, so saturation is
// set rather than computed. NaN stays NaN. tfjs's wasm Tanh calls libm's tanhf per element.
static inline v128_t tanh4(v128_t v) {
  const v128_t clamp = wasm_f32x4_splat(7.90531110763549805f), tiny = wasm_f32x4_splat(0.0004f);
  const v128_t saturated = wasm_f32x4_splat(9.0f), one = wasm_f32x4_splat(1.0f), sign = wasm_i32x4_splat((int)0x80000000u);
  const v128_t a1 = wasm_f32x4_splat(4.89352455891786e-03f), a3 = wasm_f32x4_splat(6.37261928875436e-04f),
               a5 = wasm_f32x4_splat(1.48572235717979e-05f), a7 = wasm_f32x4_splat(5.12229709037114e-08f),
               a9 = wasm_f32x4_splat(-8.60467152213735e-11f), a11 = wasm_f32x4_splat(2.00018790482477e-13f),
               a13 = wasm_f32x4_splat(-2.76076847742355e-16f);
  const v128_t b0 = wasm_f32x4_splat(4.89352518554385e-03f), b2 = wasm_f32x4_splat(2.26843463243900e-03f),
               b4 = wasm_f32x4_splat(1.18534705686654e-04f), b6 = wasm_f32x4_splat(1.19825839466702e-06f);
  v128_t x = wasm_f32x4_pmax(wasm_f32x4_pmin(v, clamp), wasm_f32x4_neg(clamp));
  v128_t x2 = wasm_f32x4_mul(x, x);
  v128_t p = MADD_F32(a11, x2, a13);
  p = MADD_F32(a9, x2, p);
  p = MADD_F32(a7, x2, p);
  p = MADD_F32(a5, x2, p);
  p = MADD_F32(a3, x2, p);
  p = MADD_F32(a1, x2, p);
  p = wasm_f32x4_mul(x, p);
  v128_t q = MADD_F32(b4, x2, b6);
  q = MADD_F32(b2, x2, q);
  q = MADD_F32(b0, x2, q);
  v128_t t = wasm_f32x4_div(p, q);
  v128_t small = wasm_f32x4_lt(wasm_f32x4_abs(v), tiny);
  // NaN fails both the clamp's comparisons (pmin/pmax keep their first operand) and `small`
  t = wasm_v128_bitselect(v, t, wasm_v128_or(small, wasm_f32x4_ne(v, v)));
  // ±1 (the sign of v) from |v| ≥ 9
  return wasm_v128_bitselect(wasm_v128_or(one, wasm_v128_and(v, sign)), t, wasm_f32x4_ge(wasm_f32x4_abs(v), saturated));
}

__attribute__((export_name("tanh_f32")))
void tanh_f32(const float *a, const void *b, const void *c, float *y, int n0, int n1, int param) {
  (void)b; (void)c; (void)param;
  int i = n0;
  for (; i + 4 <= n1; i += 4) wasm_v128_store(y + i, tanh4(wasm_v128_load(a + i)));
  if (i < n1) {
    // the last 1-3 elements through the same vector code, so that a value's result never depends on its position
    float tail[4] __attribute__((aligned(16))) = { 0, 0, 0, 0 };
    for (int k = 0; i + k < n1; k++) tail[k] = a[i + k];
    wasm_v128_store(tail, tanh4(wasm_v128_load(tail)));
    for (int k = 0; i + k < n1; k++) y[i + k] = tail[k];
  }
}

// y = b > 0 ? a : alpha * a: LeakyRelu's gradient (a = dy, b = x), one pass where tfjs runs
// Greater, Multiply and Select
__attribute__((export_name("leaky_relu_grad")))
void leaky_relu_grad(const float *a, const float *b, const void *c, float *y, int n0, int n1, int param) {
  (void)c;
  float alpha = __builtin_bit_cast(float, param);
  v128_t va = wasm_f32x4_splat(alpha), zero = wasm_f32x4_splat(0);
  int i = n0;
  for (; i + 4 <= n1; i += 4) {
    v128_t g = wasm_v128_load(a + i);
    wasm_v128_store(y + i, wasm_v128_bitselect(g, wasm_f32x4_mul(g, va), wasm_f32x4_gt(wasm_v128_load(b + i), zero)));
  }
  for (; i < n1; i++) y[i] = b[i] > 0 ? a[i] : alpha * a[i];
}

// ReLU's gradient as tfjs composes it, dy · step(x) (step: 1 above 0, else 0, NaN at NaN), with
// a = dy and b = x: y = a where b > 0, 0 · a where b ≤ 0, NaN where b is NaN
__attribute__((export_name("relu_grad")))
void relu_grad(const float *a, const float *b, const void *c, float *y, int n0, int n1, int param) {
  (void)c; (void)param;
  v128_t zero = wasm_f32x4_splat(0), one = wasm_f32x4_splat(1);
  int i = n0;
  for (; i + 4 <= n1; i += 4) {
    v128_t x = wasm_v128_load(b + i);
    v128_t step = wasm_v128_bitselect(x, wasm_v128_and(one, wasm_f32x4_gt(x, zero)), wasm_f32x4_ne(x, x));
    wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(a + i), step));
  }
  for (; i < n1; i++) y[i] = a[i] * (b[i] != b[i] ? b[i] : b[i] > 0 ? 1.0f : 0.0f);
}

// y = a + b, b cycled: `param` values repeated along a (1: a scalar; a's last dimension: a bias
// per channel; a's length: the same shape). One pass where tfjs's wasm Add broadcasts with an
// index computation per element.
__attribute__((export_name("add_f32")))
void add_f32(const float *a, const float *b, const void *c, float *y, int n0, int n1, int param) {
  (void)c;
  int i = n0;
  if (param == 1) {
    v128_t vb = wasm_f32x4_splat(b[0]);
    for (; i + 4 <= n1; i += 4) wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(a + i), vb));
    for (; i < n1; i++) y[i] = a[i] + b[0];
    return;
  }
  // runs of b from the element's position in it to b's end (or the range's)
  for (int j = n0 % param; i < n1; j = 0) {
    int end = i + (param - j < n1 - i ? param - j : n1 - i);
    for (; i + 4 <= end; i += 4, j += 4) wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + j)));
    for (; i < end; i++, j++) y[i] = a[i] + b[j];
  }
}

// y = a > b as one byte (1 or 0) per element; b is one value when `param` is 1, else one per element
__attribute__((export_name("greater")))
void greater(const float *a, const float *b, const void *c, unsigned char *y, int n0, int n1, int param) {
  (void)c;
  for (int i = n0; i < n1; i++) y[i] = a[i] > (param ? b[0] : b[i]);
}

// y = a ? b : c, with one byte of a per element
__attribute__((export_name("select_f32")))
void select_f32(const unsigned char *a, const float *b, const float *c, float *y, int n0, int n1, int param) {
  (void)param;
  for (int i = n0; i < n1; i++) y[i] = a[i] ? b[i] : c[i];
}

// y[j] = sum over rows r of a[r * cols + j], for the columns [c0, c1): tfjs's Sum over every axis
// but the last (a bias gradient), which tfjs's wasm backend does by transposing first.
__attribute__((export_name("column_sums")))
void column_sums(const float *a, int rows, int cols, float *y, int c0, int c1) {
  // row by row, so memory is read in order; each column still sums its rows first to last
  for (int j = c0; j < c1; j++) y[j] = 0.0f;
  for (int r = 0; r < rows; r++) {
    const float *row = a + (long)r * cols;
    int j = c0;
    for (; j + 4 <= c1; j += 4) wasm_v128_store(y + j, wasm_f32x4_add(wasm_v128_load(y + j), wasm_v128_load(row + j)));
    for (; j < c1; j++) y[j] += row[j];
  }
}

// ---- Float64: C = A * B^T, the dot products of every row of A with every row of B ----
// The metrics' workhorse (kernel matrices of KID, distance matrices of precision/recall and
// density/coverage, cosine similarities): both operands are feature matrices stored row by row,
// so both pack from contiguous rows. f64x2 vectors, a DMR x DNR tile of C in 8 accumulators.
#define DMR 4
#define DNR 4
#define DKC 256
#define DMC 64
#define DNC 512

// Floats of scratch `work` that dgemm_nt needs (packed A block and B panel, as doubles).
__attribute__((export_name("dgemm_work_floats"))) int dgemm_work_floats(void) { return 2 * (DMC * DKC + DKC * DNC); }

// Packs rows [r0, r0+rows) x cols [k0, k0+kc) of the row-major src into strips of R rows: for
// each strip, kc groups of R values. Rows past `rows` are zero.
static void dpack(const double *src, int ld, int r0, int rows, int k0, int kc, int R, double *restrict out) {
  for (int s = 0; s < rows; s += R) {
    int count = rows - s < R ? rows - s : R;
    for (int k = 0; k < kc; k++)
      for (int r = 0; r < R; r++) *out++ = r < count ? src[(long)(r0 + s + r) * ld + k0 + k] : 0.0;
  }
}

// C[0:mr, 0:nr] (+)= Ap (DMR x kc) * Bp^T (kc x DNR).
static void dmicro_kernel(int kc, const double *restrict ap, const double *restrict bp, double *c, int ldc, int mr, int nr, int accumulate) {
  v128_t acc[DMR][DNR / 2];
#pragma clang loop unroll(full)
  for (int r = 0; r < DMR; r++)
#pragma clang loop unroll(full)
    for (int q = 0; q < DNR / 2; q++) acc[r][q] = wasm_f64x2_splat(0);
  for (int k = 0; k < kc; k++) {
    v128_t b[DNR / 2];
#pragma clang loop unroll(full)
    for (int q = 0; q < DNR / 2; q++) b[q] = wasm_v128_load(bp + 2 * q);
#pragma clang loop unroll(full)
    for (int r = 0; r < DMR; r++) {
      v128_t a = wasm_f64x2_splat(ap[r]);
#pragma clang loop unroll(full)
      for (int q = 0; q < DNR / 2; q++) acc[r][q] = MADD_F64(acc[r][q], a, b[q]);
    }
    ap += DMR;
    bp += DNR;
  }
  double tile[DMR * DNR] __attribute__((aligned(16)));
#pragma clang loop unroll(full)
  for (int r = 0; r < DMR; r++)
#pragma clang loop unroll(full)
    for (int q = 0; q < DNR / 2; q++) wasm_v128_store(tile + r * DNR + 2 * q, acc[r][q]);
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) c[(long)r * ldc + j] = (accumulate ? c[(long)r * ldc + j] : 0.0) + tile[r * DNR + j];
}

// C (M x N, row-major, ldc) = A (M x K, row-major, lda) * B^T, B (N x K, row-major, ldb).
__attribute__((export_name("dgemm_nt")))
void dgemm_nt(int m, int n, int k, const double *a, int lda, const double *b, int ldb, double *c, int ldc, double *work) {
  double *ap = work, *bp = work + DMC * DKC;
  if (k == 0) {
    for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[(long)i * ldc + j] = 0.0;
    return;
  }
  for (int jc = 0; jc < n; jc += DNC) {
    int nc = n - jc < DNC ? n - jc : DNC;
    for (int pc = 0; pc < k; pc += DKC) {
      int kc = k - pc < DKC ? k - pc : DKC;
      dpack(b, ldb, jc, nc, pc, kc, DNR, bp);
      for (int ic = 0; ic < m; ic += DMC) {
        int mc = m - ic < DMC ? m - ic : DMC;
        dpack(a, lda, ic, mc, pc, kc, DMR, ap);
        for (int jr = 0; jr < nc; jr += DNR) {
          int nr = nc - jr < DNR ? nc - jr : DNR;
          for (int ir = 0; ir < mc; ir += DMR) {
            int mr = mc - ir < DMR ? mc - ir : DMR;
            dmicro_kernel(kc, ap + ir * kc, bp + jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc, mr, nr, pc > 0);
          }
        }
      }
    }
  }
}

// ---- Batch normalisation over every axis but the last (NHWC activations, dense features) ----
// x is a row-major [rows, cols] matrix (cols = channels); threads split the columns for the
// per-channel sums and the rows for the elementwise passes.

// mean[j] and (biased) var[j] of the columns [c0, c1) of x, two passes: the sum, then the sum of
// squared deviations from the mean (no cancellation, unlike E[x²] − E[x]²).
__attribute__((export_name("bn_stats")))
void bn_stats(const float *x, int rows, int cols, float *mean, float *var, int c0, int c1) {
  column_sums(x, rows, cols, mean, c0, c1);
  float inv = rows > 0 ? 1.0f / rows : 0.0f;
  for (int j = c0; j < c1; j++) { mean[j] *= inv; var[j] = 0.0f; }
  for (int r = 0; r < rows; r++) {
    const float *row = x + (long)r * cols;
    int j = c0;
    for (; j + 4 <= c1; j += 4) {
      v128_t d = wasm_f32x4_sub(wasm_v128_load(row + j), wasm_v128_load(mean + j));
      wasm_v128_store(var + j, MADD_F32(wasm_v128_load(var + j), d, d));
    }
    for (; j < c1; j++) { float d = row[j] - mean[j]; var[j] += d * d; }
  }
  for (int j = c0; j < c1; j++) var[j] *= inv;
}

// sum_dy[j] = Σ_r dy[r][j] and sum_dy_xc[j] = Σ_r dy[r][j] * (x[r][j] − mean[j]), columns [c0, c1):
// the reductions of batch norm's backward pass.
__attribute__((export_name("bn_backward_sums")))
void bn_backward_sums(const float *dy, const float *x, const float *mean, int rows, int cols, float *sum_dy, float *sum_dy_xc, int c0, int c1) {
  for (int j = c0; j < c1; j++) { sum_dy[j] = 0.0f; sum_dy_xc[j] = 0.0f; }
  for (int r = 0; r < rows; r++) {
    const float *g = dy + (long)r * cols, *row = x + (long)r * cols;
    int j = c0;
    for (; j + 4 <= c1; j += 4) {
      v128_t vg = wasm_v128_load(g + j);
      wasm_v128_store(sum_dy + j, wasm_f32x4_add(wasm_v128_load(sum_dy + j), vg));
      v128_t d = wasm_f32x4_sub(wasm_v128_load(row + j), wasm_v128_load(mean + j));
      wasm_v128_store(sum_dy_xc + j, MADD_F32(wasm_v128_load(sum_dy_xc + j), vg, d));
    }
    for (; j < c1; j++) { sum_dy[j] += g[j]; sum_dy_xc[j] += g[j] * (row[j] - mean[j]); }
  }
}

// y[r][j] = coef[j] * (a[r][j] − coef[cols + j]) + coef[2 cols + j] * b[r][j] + coef[3 cols + j]
// for the rows [r0, r1) (b may be 0: no second term): batch norm's forward pass and its input
// gradient. a is centred before it is scaled, so a channel whose mean is far from zero loses no
// precision to cancellation.
__attribute__((export_name("channel_affine")))
void channel_affine(const float *a, const float *b, const float *coef, float *y, int rows, int cols, int r0, int r1) {
  (void)rows;
  const float *ca = coef, *cm = coef + cols, *cb = coef + 2 * cols, *cc = coef + 3 * cols;
  for (int r = r0; r < r1; r++) {
    const float *ra = a + (long)r * cols, *rb = b ? b + (long)r * cols : 0;
    float *out = y + (long)r * cols;
    int j = 0;
    for (; j + 4 <= cols; j += 4) {
      v128_t centred = wasm_f32x4_sub(wasm_v128_load(ra + j), wasm_v128_load(cm + j));
      v128_t v = MADD_F32(wasm_v128_load(cc + j), wasm_v128_load(ca + j), centred);
      if (rb) v = MADD_F32(v, wasm_v128_load(cb + j), wasm_v128_load(rb + j));
      wasm_v128_store(out + j, v);
    }
    for (; j < cols; j++) out[j] = ca[j] * (ra[j] - cm[j]) + (rb ? cb[j] * rb[j] : 0.0f) + cc[j];
  }
}

// ---- Seeded dropout: y = x * keep / (1 − rate), keep = (u ≥ rate), u uniform in [0, 1) ----
// u of element i is a hash of (seed, i) (SplitMix32-style mixing), so the mask is the same
// whichever thread computes which range, and the backward pass redraws it instead of storing it.
static inline unsigned mix32(unsigned z) {
  z ^= z >> 16; z *= 0x85ebca6bu;
  z ^= z >> 13; z *= 0xc2b2ae35u;
  z ^= z >> 16;
  return z;
}

// y[i] for i in [n0, n1) of x scaled by the dropout mask of `seed`; `threshold` is rate · 2^32
// (clamped), scale = 1 / (1 − rate) as float bits. Four elements at a time with the same hash.
static inline v128_t mix32x4(v128_t z) {
  z = wasm_v128_xor(z, wasm_u32x4_shr(z, 16)); z = wasm_i32x4_mul(z, wasm_i32x4_splat((int)0x85ebca6bu));
  z = wasm_v128_xor(z, wasm_u32x4_shr(z, 13)); z = wasm_i32x4_mul(z, wasm_i32x4_splat((int)0xc2b2ae35u));
  return wasm_v128_xor(z, wasm_u32x4_shr(z, 16));
}

__attribute__((export_name("dropout")))
void dropout(const float *x, const void *b, const void *c, float *y, int n0, int n1, int seed, unsigned threshold, int scale_bits) {
  (void)b; (void)c;
  float scale = __builtin_bit_cast(float, scale_bits);
  unsigned key = mix32((unsigned)seed ^ 0x9e3779b9u);
  int i = n0;
  v128_t vthreshold = wasm_i32x4_splat((int)threshold), vscale = wasm_f32x4_splat(scale);
  // the hash inputs key + golden · i of lanes i..i+3, advanced by golden · 4 (wrapping, as mix32's)
  unsigned z0 = key + 0x9e3779b9u * (unsigned)i;
  v128_t z = wasm_i32x4_make((int)z0, (int)(z0 + 0x9e3779b9u), (int)(z0 + 2u * 0x9e3779b9u), (int)(z0 + 3u * 0x9e3779b9u));
  v128_t step = wasm_i32x4_splat((int)(4u * 0x9e3779b9u));
  for (; i + 4 <= n1; i += 4) {
    v128_t keep = wasm_u32x4_ge(mix32x4(z), vthreshold);
    wasm_v128_store(y + i, wasm_v128_and(keep, wasm_f32x4_mul(wasm_v128_load(x + i), vscale)));
    z = wasm_i32x4_add(z, step);
  }
  for (; i < n1; i++) {
    unsigned u = mix32(key + 0x9e3779b9u * (unsigned)i);
    y[i] = u >= threshold ? x[i] * scale : 0.0f;
  }
}

// ---- Adam, one pass per variable ----
// p holds the float constants: beta1, 1 − beta1, beta2, 1 − beta2, 1 − beta1^t, 1 − beta2^t,
// epsilon, −learning rate. The operations and their order are tfjs's AdamOptimizer's (multiply
// and add separately, never fused), so the results agree with its to float32 rounding (tfjs's
// wasm kernels round division and square root their own way, a few ulps apart).
__attribute__((export_name("adam")))
void adam(const float *w, const float *m, const float *v, const float *g, float *w_out, float *m_out, float *v_out, int n0, int n1, const float *p) {
  v128_t b1 = wasm_f32x4_splat(p[0]), c1 = wasm_f32x4_splat(p[1]), b2 = wasm_f32x4_splat(p[2]), c2 = wasm_f32x4_splat(p[3]);
  v128_t a1 = wasm_f32x4_splat(p[4]), a2 = wasm_f32x4_splat(p[5]), eps = wasm_f32x4_splat(p[6]), nlr = wasm_f32x4_splat(p[7]);
  int i = n0;
  for (; i + 4 <= n1; i += 4) {
    v128_t gi = wasm_v128_load(g + i);
    v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(gi, c1));
    v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), c2));
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, a1), wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, a2)), eps));
    wasm_v128_store(m_out + i, mi);
    wasm_v128_store(v_out + i, vi);
    wasm_v128_store(w_out + i, wasm_f32x4_add(wasm_f32x4_mul(step, nlr), wasm_v128_load(w + i)));
  }
  for (; i < n1; i++) {
    float mi = m[i] * p[0] + g[i] * p[1];
    float vi = v[i] * p[2] + (g[i] * g[i]) * p[3];
    float step = (mi / p[4]) / (__builtin_sqrtf(vi / p[5]) + p[6]);
    m_out[i] = mi;
    v_out[i] = vi;
    w_out[i] = step * p[7] + w[i];
  }
}

// ---- Peak multiply-add rate (the benchmark's yardstick) ----
// Rounds [n0, n1) of 12 independent chains acc = c + acc · a, held in registers: the rate at which
// this module's multiply-add (one fused f32x4.relaxed_madd, or f32x4.mul then f32x4.add) runs on
// one thread with no memory traffic, 96 flops per round. *out gets a sum of the chains (each thread
// its own), so that the work cannot be optimised away.
__attribute__((export_name("peak_madd")))
void peak_madd(const void *a0, const void *b0, const void *c0, float *out, int n0, int n1) {
  (void)a0; (void)b0; (void)c0;
  v128_t acc[12];
  v128_t a = wasm_f32x4_splat(0.999f), c = wasm_f32x4_splat(1e-3f);
#pragma clang loop unroll(full)
  for (int r = 0; r < 12; r++) acc[r] = wasm_f32x4_splat((float)r);
  for (int i = n0; i < n1; i++) {
#pragma clang loop unroll(full)
    for (int r = 0; r < 12; r++) acc[r] = MADD_F32(c, acc[r], a);
  }
  v128_t sum = acc[0];
#pragma clang loop unroll(full)
  for (int r = 1; r < 12; r++) sum = wasm_f32x4_add(sum, acc[r]);
  *out = wasm_f32x4_extract_lane(sum, 0);
}
