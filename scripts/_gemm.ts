import { WasmKernels } from "../src/kernels/module.js";
const K = WasmKernels.get();
function ref(a: Float32Array, b: Float32Array, m: number, n: number, k: number, ta: boolean, tb: boolean) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < k; p++) s += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!; c[i * n + j] = s; }
  return c;
}
for (const [m, n, k] of [[5, 17, 3], [33, 70, 300], [128, 40, 513]] as const) for (const ta of [false, true]) for (const tb of [false, true]) {
  const a = Float32Array.from({ length: m * k }, () => Math.random() - 0.5), b = Float32Array.from({ length: k * n }, () => Math.random() - 0.5);
  const c = K.matMul(a, b, 1, 1, m, n, k, ta, tb); const r = ref(a, b, m, n, k, ta, tb);
  let err = 0; for (let i = 0; i < c.length; i++) err = Math.max(err, Math.abs(c[i]! - r[i]!));
  console.log(m, n, k, ta, tb, "maxerr", err.toExponential(2));
}
for (const s of [256, 512, 1024]) {
  const a = new Float32Array(s * s).fill(0.5), b = new Float32Array(s * s).fill(0.25);
  for (const [ta, tb] of [[false, false], [false, true], [true, false]] as const) {
    K.matMul(a, b, 1, 1, s, s, s, ta, tb);
    const t0 = performance.now(); const reps = s === 1024 ? 3 : 10;
    for (let i = 0; i < reps; i++) K.matMul(a, b, 1, 1, s, s, s, ta, tb);
    const ms = (performance.now() - t0) / reps;
    console.log(`gemm ${s} ta=${ta} tb=${tb}: ${(2 * s ** 3 / ms / 1e6).toFixed(2)} GFLOP/s`);
  }
}
