import { InvalidArgumentError } from "../errors.js";

/** What {@link shapiroWilk} returns. */
export interface ShapiroWilkResult {
  /** The W statistic, in (0, 1]: 1 for a perfectly normal-looking sample. */
  readonly w: number;
  /** The p-value of normality (small: the sample is unlikely to be normal). */
  readonly p: number;
  /** Sample size. */
  readonly n: number;
}

/** Upper tail `1 − Φ(x)` of the standard normal, without cancellation for large `x`. */
export function normalUpperTail(x: number): number {
  return normalCdf(-x);
}

/** Standard normal CDF Φ (Numerical Recipes' erfc, fractional error < 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  // Numerical Recipes' erfc (Chebyshev fit, fractional error < 1.2e-7)
  const erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Standard normal quantile Φ⁻¹(p) (Acklam's rational approximation refined by one Halley step). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new InvalidArgumentError(`normalQuantile: p must be in (0, 1), found ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number): number => k.reduce((s, v) => s * x + v, 0);
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = poly(c, q) / (poly(d, q) * q + 1);
  } else if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -poly(c, q) / (poly(d, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (poly(a, r) * q) / (poly(b, r) * r + 1);
  }
  // one Halley step on Φ(x) − p
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * The Shapiro–Wilk test of normality (Shapiro & Wilk 1965) with Royston's (1992, 1995)
 * approximations of the coefficients and of the p-value (algorithm AS R94, as in R's
 * `shapiro.test` and SciPy's `shapiro`), for 3 ≤ n ≤ 5000.
 *
 * @param values - the sample (not necessarily sorted).
 * @throws {@link InvalidArgumentError} for fewer than 3 or more than 5000 values, or all values equal.
 *
 * @example
 * ```ts
 * const { w, p } = shapiroWilk([2.1, 1.9, 2.4, 2.0, 1.7, 2.2, 2.3, 1.8]);
 * ```
 */
export function shapiroWilk(values: ArrayLike<number>): ShapiroWilkResult {
  const n = values.length;
  if (n < 3 || n > 5000) throw new InvalidArgumentError(`shapiroWilk: needs 3 to 5000 values, found ${n}`);
  const x = Float64Array.from(values).sort();
  const range = (x[n - 1] ?? 0) - (x[0] ?? 0);
  if (!(range > 0)) throw new InvalidArgumentError("shapiroWilk: all values are equal");
  // coefficients a (antisymmetric: a[n − 1 − i] = −a[i])
  const a = new Float64Array(n);
  if (n === 3) {
    a[0] = -Math.SQRT1_2;
    a[2] = Math.SQRT1_2;
  } else {
    const m = Float64Array.from({ length: n }, (_, i) => normalQuantile((i + 1 - 0.375) / (n + 0.25)));
    const mm = m.reduce((s, v) => s + v * v, 0);
    const u = 1 / Math.sqrt(n);
    const poly = (k: readonly number[]): number => k.reduceRight((s, v) => s * u + v, 0);
    const mn = m[n - 1] ?? 0;
    const an = mn / Math.sqrt(mm) + poly([0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056]);
    if (n > 5) {
      const mn1 = m[n - 2] ?? 0;
      const an1 = mn1 / Math.sqrt(mm) + poly([0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633]);
      const phi = (mm - 2 * mn * mn - 2 * mn1 * mn1) / (1 - 2 * an * an - 2 * an1 * an1);
      for (let i = 2; i < n - 2; i++) a[i] = (m[i] ?? 0) / Math.sqrt(phi);
      [a[n - 1], a[n - 2], a[0], a[1]] = [an, an1, -an, -an1];
    } else {
      const phi = (mm - 2 * mn * mn) / (1 - 2 * an * an);
      for (let i = 1; i < n - 1; i++) a[i] = (m[i] ?? 0) / Math.sqrt(phi);
      [a[n - 1], a[0]] = [an, -an];
    }
  }
  const mean = x.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  // centred values: the coefficients sum to 0 only up to rounding, which a large shift would amplify
  for (let i = 0; i < n; i++) {
    const centred = (x[i] ?? 0) - mean;
    num += (a[i] ?? 0) * centred;
    den += centred ** 2;
  }
  const w = Math.min(1, (num * num) / den);
  return { w, p: shapiroWilkP(w, n), n };
}

/** Royston's p-value of W for a sample of `n`. */
function shapiroWilkP(w: number, n: number): number {
  if (n === 3) return Math.max(0, Math.min(1, (6 / Math.PI) * (Math.asin(Math.sqrt(w)) - Math.asin(Math.sqrt(0.75)))));
  const y = Math.log(1 - w);
  let z: number;
  if (n <= 11) {
    const gamma = -2.273 + 0.459 * n;
    const mu = 0.544 - 0.39978 * n + 0.025054 * n ** 2 - 0.0006714 * n ** 3;
    const sigma = Math.exp(1.3822 - 0.77857 * n + 0.062767 * n ** 2 - 0.0020322 * n ** 3);
    if (y >= gamma) return 1e-99;
    z = (-Math.log(gamma - y) - mu) / sigma;
  } else {
    const l = Math.log(n);
    const mu = -1.5861 - 0.31082 * l - 0.083751 * l ** 2 + 0.0038915 * l ** 3;
    const sigma = Math.exp(-0.4803 - 0.082676 * l + 0.0030302 * l ** 2);
    z = (y - mu) / sigma;
  }
  return normalUpperTail(z);
}
