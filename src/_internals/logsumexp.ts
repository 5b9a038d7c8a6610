/** `log Σ exp(values[offset + i])` for `i < count`, in float64, stable (the largest term is factored out). */
export function logSumExp(values: ArrayLike<number>, offset = 0, count = values.length - offset): number {
  let max = -Infinity;
  for (let i = 0; i < count; i++) max = Math.max(max, values[offset + i] ?? -Infinity);
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < count; i++) sum += Math.exp((values[offset + i] ?? -Infinity) - max);
  return max + Math.log(sum);
}
